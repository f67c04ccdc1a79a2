"""What compliance expects of other modules (its expected keepers). ``app.py`` fills each
slot with the provider's public face (``compliance.wire``); compliance imports no other
module's behaviour, only data types and codes. A signature here must match the provider's."""

from __future__ import annotations

from typing import Protocol

from originledger.core.address import Address
from originledger.core.amounts import Amount
from originledger.core.context import StateGetter, StateView
from originledger.core.tx import Failure
from originledger.core.wiring import expect
from originledger.modules.accounts.types import Role
from originledger.modules.assets.types import AssetRecord
from originledger.modules.attest.types import Attestation, ClaimData

__all__ = [
    "AccountsKeeper",
    "AssetsKeeper",
    "AttestKeeper",
    "accounts_keeper",
    "assets_keeper",
    "attest_keeper",
]


class AccountsKeeper(Protocol):
    """Roles: regulators."""

    def has_role(self, state: StateGetter, address: Address, role: Role) -> bool: ...


class AssetsKeeper(Protocol):
    """Asset records and balances, which the holder rules read; ``move`` for the dry run
    of the ``check_transfer`` query."""

    def load_asset(self, state: StateGetter, symbol: str) -> AssetRecord | None: ...

    def agent_of(self, asset: AssetRecord) -> Address: ...

    def balance_of(self, state: StateGetter, account: Address, symbol: str) -> Amount: ...

    def move(
        self, state: StateView, symbol: str, sender: Address, recipient: Address, amount: Amount
    ) -> Failure | None: ...


class AttestKeeper(Protocol):
    """The claim protocol: holders' KYC and residence claims, by scope."""

    def asset_scope(self, symbol: str) -> str: ...

    def policy_scope(self, name: str) -> str: ...

    def valid_claim(
        self, state: StateGetter, subject: Address, topic: str, scope: str, now_ms: int
    ) -> Attestation | None: ...

    def claim_value(
        self,
        state: StateGetter,
        subject: Address,
        topic: str,
        scope: str,
        now_ms: int,
        field: str | None = None,
    ) -> ClaimData | None: ...


accounts_keeper: AccountsKeeper = expect("compliance", AccountsKeeper)
assets_keeper: AssetsKeeper = expect("compliance", AssetsKeeper)
attest_keeper: AttestKeeper = expect("compliance", AttestKeeper)
