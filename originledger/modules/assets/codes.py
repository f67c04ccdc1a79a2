"""Result codes of the assets module, in order of precedence. Never renumber."""

from __future__ import annotations

from originledger.core.codes import ResultCode

__all__ = ["AssetsCode"]


class AssetsCode(ResultCode, codespace="assets"):
    OK = 0, "ok"
    # Stateless checks, in the order they run.
    INVALID_SYMBOL = (
        1,
        "a symbol is 1 to 12 characters of A-Z, 0-9, '.' and '-', starting with a letter",
    )
    INVALID_NAME = 2, "a name is 1 to 64 bytes of printable text"
    INVALID_DECIMALS = 3, "decimals must be between 0 and 18"
    INVALID_CLASS = 4, "the asset class is not one of the six classes"
    AMOUNT_ZERO = 5, "the amount must be greater than zero"
    SELF_TRANSFER = 6, "sender and recipient are the same account"
    # Stateful checks, in the order they run.
    ASSET_NOT_FOUND = 10, "no asset has this symbol"
    SYMBOL_TAKEN = 11, "an asset with this symbol already exists"
    ISSUER_ROLE_REQUIRED = 12, "issuing an asset of this class needs the issuer role"
    NOT_ISSUER = 13, "only the asset's issuer may do this"
    MAX_SUPPLY_EXCEEDED = 14, "minting would take the supply above the asset's maximum supply"
    INSUFFICIENT_BALANCE = 15, "the balance is lower than the amount"
    BALANCE_OVERFLOW = 16, "the recipient's balance would exceed 2**128 - 1"
