"""What attest expects of other modules (its expected keepers). ``app.py`` fills each slot
with the provider's public face (``attest.wire``); attest imports no other module's
behaviour, only data types and codes. A signature here must match the provider's."""

from __future__ import annotations

from typing import Protocol

from originledger.core.address import Address
from originledger.core.context import StateGetter
from originledger.core.wiring import expect
from originledger.modules.accounts.types import Role
from originledger.modules.assets.types import AssetRecord

__all__ = ["AccountsKeeper", "AssetsKeeper", "accounts_keeper", "assets_keeper"]


class AccountsKeeper(Protocol):
    """Roles: attesters, and the regulators who name trusted attesters of a policy."""

    def has_role(self, state: StateGetter, address: Address, role: Role) -> bool: ...


class AssetsKeeper(Protocol):
    """Asset records: who may name the trusted attesters of an asset's scope."""

    def load_asset(self, state: StateGetter, symbol: str) -> AssetRecord | None: ...

    def issuer_in_good_standing(
        self, state: StateGetter, asset: AssetRecord, account: Address
    ) -> bool: ...


accounts_keeper: AccountsKeeper = expect("attest", AccountsKeeper)
assets_keeper: AssetsKeeper = expect("attest", AssetsKeeper)
