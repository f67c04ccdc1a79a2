"""How the indexer indexes the compliance module's events (see ``core/index.py``): none has
index tables yet; every event is in the generic event table (``ix_events``)."""

from __future__ import annotations

from originledger.core.index import ModuleIndex
from originledger.modules.compliance import types

__all__ = ["INDEX"]

INDEX = ModuleIndex(
    not_indexed=(
        types.RegulatorAppointed,
        types.PackSet,
        types.EntityRegistered,
        types.LicenseSet,
        types.IssuanceDecided,
        types.ClawbackOrdered,
        types.AlertRaised,
    ),
)
