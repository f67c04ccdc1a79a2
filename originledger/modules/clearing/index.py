"""How the indexer indexes the clearing module's events (see ``core/index.py``): none has
index tables yet; every event is in the generic event table (``ix_events``)."""

from __future__ import annotations

from originledger.core.index import ModuleIndex
from originledger.modules.clearing import types

__all__ = ["INDEX"]

INDEX = ModuleIndex(
    not_indexed=(
        types.CycleOpened,
        types.ObligationSubmitted,
        types.ParticipantExcluded,
        types.CycleClosed,
    ),
)
