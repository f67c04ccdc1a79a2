"""What clearing expects of other modules (its expected keepers). ``app.py`` fills each slot
with the provider's public face (``clearing.wire``); clearing imports no other module's
behaviour, only data types and codes. A signature here must match the provider's."""

from __future__ import annotations

from typing import Protocol

from originledger.core.address import Address
from originledger.core.amounts import Amount
from originledger.core.context import StateGetter, StateView
from originledger.core.tx import Failure
from originledger.core.wiring import expect
from originledger.modules.assets.types import AssetRecord
from originledger.modules.compliance.types import RuleIndex

__all__ = ["AssetsKeeper", "ComplianceKeeper", "assets_keeper", "compliance_keeper"]


class AssetsKeeper(Protocol):
    """Settling net positions: moving units through the module account."""

    def load_asset(self, state: StateGetter, symbol: str) -> AssetRecord | None: ...

    def balance_of(self, state: StateGetter, account: Address, symbol: str) -> Amount: ...

    def move_asset(
        self,
        state: StateView,
        asset: AssetRecord,
        sender: Address,
        recipient: Address,
        amount: Amount,
    ) -> Failure | None: ...


class ComplianceKeeper(Protocol):
    """The holder checks on whoever receives units at settlement."""

    def load_index(self, state: StateGetter) -> RuleIndex: ...

    def check_receiver(
        self,
        state: StateGetter,
        asset: AssetRecord,
        index: RuleIndex,
        receiver: Address,
        amount: int,
        now_ms: int,
        *,
        holder_leaves: bool = False,
    ) -> Failure | None: ...


assets_keeper: AssetsKeeper = expect("clearing", AssetsKeeper)
compliance_keeper: ComplianceKeeper = expect("clearing", ComplianceKeeper)
