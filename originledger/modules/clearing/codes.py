"""Result codes of the clearing module. Never renumber; new codes are appended.

Failures of the assets protocol keep their codespace; but note that a cycle's close never
fails for want of a participant's funds: that is a default, handled by the cycle's rule
and shown in its report (see README).
"""

from __future__ import annotations

from originledger.core.codes import ResultCode

__all__ = ["ClearingCode"]


class ClearingCode(ResultCode, codespace="clearing"):
    OK = 0, "ok"
    # Stateless checks.
    INVALID_NAME = 1, "a cycle name is 1 to 64 bytes of printable text"
    INVALID_PARTICIPANTS = 2, "a cycle has 2 to 32 participants, each named once"
    INVALID_RULE = 3, "the default rule is 'exclude' or 'reject'"
    AMOUNT_ZERO = 4, "the amount must be greater than zero"
    SELF_OBLIGATION = 5, "payer and payee are the same account"
    INVALID_SYMBOL = (
        6,
        "a symbol is 1 to 12 characters of A-Z, 0-9, '.' and '-', starting with a letter",
    )
    INVALID_REFERENCE = 7, "a reference is at most 64 bytes of printable text"
    TIME_OUT_OF_RANGE = 8, "a time is later than the end of the year 9999 (TIME_MS_MAX)"
    # Stateful checks.
    TIME_INVALID = 20, "a cycle must close after the block time and within 7 days of it"
    CYCLE_NOT_FOUND = 21, "no clearing cycle has this id"
    CYCLE_CLOSED = 22, "the cycle is already settled or failed"
    CYCLE_ENDED = 23, "the cycle's submission period has ended"
    NOT_PARTICIPANT = 24, "payer and payee must both be participants of the cycle"
    TOO_MANY_OBLIGATIONS = 25, "the cycle holds the most obligations it may"
    TOO_MANY_ASSETS = 26, "the cycle already nets the most assets it may"
    CLOSE_TOO_EARLY = 27, "only the operator may close a cycle before its closing time"
    AMOUNT_OVERFLOW = (
        28,
        "the cycle's obligations in this asset would sum past 2**128 - 1",
    )
