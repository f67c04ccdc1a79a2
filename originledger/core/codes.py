"""Result codes: expected failures are values, not exceptions.

Each module declares one ``ResultCode`` enumeration with its codespace (the module's
name). Values are stable: never renumbered, never reused. Within a module, codes are
ordered by precedence: when a message fails several checks, the one with the lowest code
is reported, because the checks run in that order. Every member carries a human message.

    class AssetsCode(ResultCode, codespace="assets"):
        OK = 0, "ok"
        ASSET_NOT_FOUND = 1, "no asset has this id"
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any, ClassVar

import msgspec

__all__ = ["OK_CODE", "ResultCode", "TxCode", "TxResult"]

OK_CODE = 0


class ResultCode(IntEnum):
    """Base of every module's result codes. Members are ``NAME = value, "message"``."""

    codespace: ClassVar[str]
    message: str

    def __new__(cls, value: int, message: str) -> ResultCode:
        member = int.__new__(cls, value)
        member._value_ = value
        member.message = message
        return member

    def __init_subclass__(cls, codespace: str = "", **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if codespace:
            cls.codespace = codespace


class TxCode(ResultCode, codespace="tx"):
    """Codes of the transaction envelope, checked before any message runs, in this order,
    except that ``ALREADY_COMMITTED`` is checked before ``EXPIRED`` and ``EXPIRY_TOO_FAR``:
    a transaction that committed answers its first outcome whenever it is resubmitted.
    ``INTERNAL`` is the execution barrier's: an unexpected error in a message's execution
    failed the transaction (nothing it did is kept; it spends its hash)."""

    OK = 0, "ok"
    TOO_LARGE = 1, "the transaction is larger than the limit"
    MALFORMED = 2, "the transaction could not be decoded, or its encoding is not canonical"
    WRONG_CHAIN = 3, "the transaction is for another chain"
    NO_MESSAGES = 4, "the transaction carries no message"
    TOO_MANY_MESSAGES = 5, "the transaction carries more messages than the limit"
    UNKNOWN_MESSAGE = 6, "a message type is not known to this chain"
    NO_SIGNERS = 7, "the transaction names no signer"
    TOO_MANY_SIGNERS = 8, "the transaction names more signers than the limit"
    DUPLICATE_SIGNER = 9, "a signer is named twice"
    SIGNATURE_COUNT = 10, "the number of signatures differs from the number of signers"
    MEMO_TOO_LONG = 11, "the memo is longer than the limit"
    SIGNATURE_INVALID = 12, "a signature does not verify"
    EXPIRED = 13, "the transaction expired before it could be included"
    EXPIRY_TOO_FAR = 14, "the transaction's expiry lies further ahead than the limit"
    ALREADY_COMMITTED = 15, "the transaction is already committed"
    SIGNER_MISSING = 16, "a message needs the signature of an account that did not sign"
    TOO_MANY_EVENTS = 17, "the transaction emitted more events than the limit"
    # Codes below are given by the node's mempool, never by block execution.
    MEMPOOL_FULL = 18, "the mempool is full; resubmit later"
    SIGNER_QUOTA = 19, "this signer has too many transactions waiting; resubmit later"
    # Given by block execution when a module's code raised an unexpected error.
    INTERNAL = 20, "the transaction failed on an unexpected error; nothing it did was kept"
    SIGNER_NOT_ADMITTED = 21, "this node admits transactions only from registered accounts"
    # Chains with fees only (the assets module's genesis ``fees``): checked after
    # ``ALREADY_COMMITTED``, ``EXPIRED`` and ``EXPIRY_TOO_FAR`` and before ``SIGNER_MISSING``
    # and every message; like the codes up to ``ALREADY_COMMITTED`` it spends nothing.
    FEE_UNPAID = 22, "the first signer cannot pay the transaction fee; nothing was written"


class TxResult(msgspec.Struct, frozen=True, forbid_unknown_fields=True, gc=False):
    """What executing one transaction produced: ``code == 0`` means every message applied.

    ``message_index`` names the message that failed (-1 for envelope failures).
    """

    codespace: str
    code: int
    message: str
    message_index: int = -1

    @property
    def ok(self) -> bool:
        return self.code == OK_CODE

    @property
    def spends_hash(self) -> bool:
        """Whether committing this result spends the transaction's hash for good.

        A transaction spends its hash once it passed every envelope check up to and
        including the duplicate check: it was well formed, validly signed, unexpired and
        new. Anything that failed earlier leaves the hash free, so that nobody can burn
        someone else's transaction by getting a broken or expired copy of it into a block.
        Later failures spend it: ``SIGNER_MISSING``, ``TOO_MANY_EVENTS``, ``INTERNAL`` (the
        execution barrier's) and every module's codes. ``FEE_UNPAID`` (a chain with fees
        whose payer cannot pay) spends nothing either: the transaction wrote nothing and
        may come back once its payer is funded.
        """
        return self.codespace != _TX_CODESPACE or self.code not in _UNSPENT_CODES

    @classmethod
    def success(cls) -> TxResult:
        return _SUCCESS

    @classmethod
    def failure(cls, code: ResultCode, detail: str = "", message_index: int = -1) -> TxResult:
        text = code.message if not detail else f"{code.message}: {detail}"
        return cls(code.codespace, int(code), text, message_index)


_SUCCESS = TxResult("tx", OK_CODE, "ok")
_TX_CODESPACE = TxCode.codespace
# The envelope's codes that leave the hash free: up to ``ALREADY_COMMITTED``, and
# ``FEE_UNPAID`` (read for every transaction executed and stored: a set, not a test).
_UNSPENT_CODES = frozenset(range(1, int(TxCode.ALREADY_COMMITTED) + 1)) | {int(TxCode.FEE_UNPAID)}
