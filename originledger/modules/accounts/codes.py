"""Result codes of the accounts module, in order of precedence. Never renumber."""

from __future__ import annotations

from originledger.core.codes import ResultCode

__all__ = ["AccountsCode"]


class AccountsCode(ResultCode, codespace="accounts"):
    OK = 0, "ok"
    # Stateless checks.
    INVALID_ROLE = 1, "the role is not one of the known roles"
    PUBLIC_KEY_MISMATCH = 2, "the public key does not belong to the address"
    MODULE_ACCOUNT = 3, "a module's account cannot be named in this message"
    INVALID_MULTISIG = (
        4,
        "a multisig has 1 to 16 distinct members in address order, weights of 1 to 255, "
        "and a threshold of 1 to the sum of the weights",
    )
    ROLE_RESERVED = (
        5,
        "the oracle and validator roles are reserved: no module of this chain checks them",
    )
    # Stateful checks.
    NOT_ADMIN = 10, "only an account with the admin role may do this"
    ACCOUNT_EXISTS = 11, "the account already exists"
    ROLE_ALREADY_GRANTED = 12, "the account already holds this role"
    ROLE_NOT_GRANTED = 13, "the account does not hold this role"
    LAST_ADMIN = 14, "the last admin cannot give up the admin role"
    NESTED_MULTISIG = 15, "a multisig member must be a key's account, not another multisig"
