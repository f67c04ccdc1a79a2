"""What assets expects of other modules (its expected keepers). ``app.py`` fills each slot
with the provider's public face (``assets.wire``); assets imports no other module's
behaviour, only data types and codes. A signature here must match the provider's."""

from __future__ import annotations

from typing import Protocol

from originledger.core.address import Address
from originledger.core.context import StateGetter
from originledger.core.wiring import expect
from originledger.modules.accounts.types import Role

__all__ = ["AccountsKeeper", "accounts_keeper"]


class AccountsKeeper(Protocol):
    """Roles: the issuer, custodian and regulator checks."""

    def has_role(self, state: StateGetter, address: Address, role: Role) -> bool: ...


accounts_keeper: AccountsKeeper = expect("assets", AccountsKeeper)
