"""Genesis of the compliance module: policy packs, regulators, entities, licences."""

from __future__ import annotations

from originledger.modules.compliance.logic import genesis_init
from originledger.modules.compliance.types import ComplianceGenesis

__all__ = ["ComplianceGenesis", "genesis_init"]
