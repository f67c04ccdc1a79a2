"""Result codes of the validators module, in order of precedence. Never renumber."""

from __future__ import annotations

from originledger.core.codes import ResultCode

__all__ = ["ValidatorsCode"]


class ValidatorsCode(ResultCode, codespace="validators"):
    OK = 0, "ok"
    # Stateless checks.
    POWER_TOO_HIGH = 1, "the voting power is above the limit"
    # Stateful checks.
    NOT_ADMIN = 10, "only an account with the admin role may change the validator set"
    UNKNOWN_VALIDATOR = 11, "no validator holds this key: there is nothing to remove"
    LAST_VALIDATOR = 12, "the change would leave the validator set without voting power"
    TOO_MANY_VALIDATORS = 13, "the validator set is full"
