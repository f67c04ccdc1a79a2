"""What payments expects of other modules (its expected keepers). ``app.py`` fills each slot
with the provider's public face (``payments.wire``); payments imports no other module's
behaviour, only data types and codes. A signature here must match the provider's."""

from __future__ import annotations

from typing import Protocol

from originledger.core.address import Address
from originledger.core.amounts import Amount
from originledger.core.context import StateGetter, StateView
from originledger.core.tx import Failure
from originledger.core.wiring import expect
from originledger.modules.assets.types import (
    AssetRecord,
    Hold,
    HoldPlaced,
    HoldPosted,
    HoldVoided,
)
from originledger.modules.compliance.types import RuleIndex

__all__ = ["AssetsKeeper", "ComplianceKeeper", "assets_keeper", "compliance_keeper"]


class AssetsKeeper(Protocol):
    """Moving units, and the holds that card authorizations are built on."""

    def load_asset(self, state: StateGetter, symbol: str) -> AssetRecord | None: ...

    def balance_of(self, state: StateGetter, account: Address, symbol: str) -> Amount: ...

    def balance_prefix(self, account: Address) -> bytes: ...

    def move_asset(
        self,
        state: StateView,
        asset: AssetRecord,
        sender: Address,
        recipient: Address,
        amount: Amount,
    ) -> Failure | None: ...

    def load_hold(self, state: StateGetter, hold_id: bytes) -> Hold | None: ...

    def place_hold(
        self,
        state: StateView,
        *,
        hold_id: bytes,
        payer: Address,
        payee: Address,
        symbol: str,
        amount: Amount,
        expires_at_ms: int,
        time_ms: int,
        height: int,
    ) -> HoldPlaced | Failure: ...

    def post_hold(
        self, state: StateView, hold_id: bytes, hold: Hold, amount: Amount, *, time_ms: int
    ) -> HoldPosted | Failure: ...

    def void_hold(
        self, state: StateView, hold_id: bytes, hold: Hold, *, time_ms: int
    ) -> HoldVoided: ...


class ComplianceKeeper(Protocol):
    """The holder checks on whoever receives units."""

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


assets_keeper: AssetsKeeper = expect("payments", AssetsKeeper)
compliance_keeper: ComplianceKeeper = expect("payments", ComplianceKeeper)
