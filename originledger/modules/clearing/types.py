"""Messages, state records, events and limits of the clearing module."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import msgspec

from originledger.core.address import Address
from originledger.core.amounts import Amount
from originledger.core.context import Event
from originledger.core.limits import TIME_MS_MAX
from originledger.core.text import is_free_text
from originledger.core.tx import Failure, Msg
from originledger.modules.assets.types import check_symbol as assets_check_symbol
from originledger.modules.clearing.codes import ClearingCode

__all__ = [
    "ASSETS_PER_CYCLE_MAX",
    "BPS",
    "CYCLE_DURATION_MS_MAX",
    "NAME_BYTES_MAX",
    "OBLIGATIONS_PER_CYCLE_MAX",
    "PARTICIPANTS_MAX",
    "AssetTotals",
    "CloseCycle",
    "Cycle",
    "CycleClosed",
    "CycleOpened",
    "CycleReport",
    "CycleStatus",
    "DefaultRule",
    "Exclusion",
    "Obligation",
    "ObligationSubmitted",
    "OpenCycle",
    "ParticipantExcluded",
    "Position",
    "SubmitObligation",
]

# A close emits one assets/transferred per position (at most participants x assets), one
# exclusion event per defaulter and the report's event: 32 x 4 + 32 + 1 = 161, within the
# kernel's EVENTS_PER_TX_MAX (256), so a full cycle always closes (monitoring alerts on its
# movements come on top, bounded apart: compliance ALERTS_PER_TX_MAX).
PARTICIPANTS_MAX = 32
OBLIGATIONS_PER_CYCLE_MAX = 1_000
ASSETS_PER_CYCLE_MAX = 4
CYCLE_DURATION_MS_MAX = 7 * 24 * 60 * 60 * 1000
NAME_BYTES_MAX = 64
REFERENCE_BYTES_MAX = 64
BPS = 10_000

Uint64 = Annotated[int, msgspec.Meta(ge=0)]
Text = Annotated[str, msgspec.Meta(max_length=256)]


class DefaultRule(StrEnum):
    EXCLUDE = "exclude"  # drop each defaulter's obligations, recompute, settle the rest
    REJECT = "reject"  # any default fails the whole cycle; nothing moves


class CycleStatus(StrEnum):
    OPEN = "open"
    SETTLED = "settled"
    FAILED = "failed"


class Cycle(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    cycle_id: int
    operator: Address
    name: str
    participants: list[Address]
    closes_at_ms: int
    default_rule: str
    opened_height: int
    obligations: int = 0
    assets: list[str] = []  # the assets obligations were submitted in, in first-seen order
    # The sum of the obligations in each of ``assets`` (same order), kept below 2**128 by
    # every submission: it bounds every position and total of the cycle.
    gross: list[Amount] = []
    status: str = CycleStatus.OPEN
    closed_height: int = 0


class Obligation(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    payer: Address
    payee: Address
    symbol: str
    amount: Amount
    reference: str = ""


class Position(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A participant's net position in one asset: one of ``pays`` and ``receives`` is 0."""

    account: Address
    symbol: str
    pays: Amount
    receives: Amount


class AssetTotals(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Gross versus net for one asset. ``saved_bps`` = (gross - net) * 10000 // gross."""

    symbol: str
    obligations: int
    gross: Amount
    net: Amount
    saved_bps: int


class Exclusion(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A defaulter and why: the code (``codespace/code``) of the movement that failed."""

    account: Address
    reason: str
    obligations: int  # obligations dropped with it (its own and those owed to it)


class CycleReport(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    cycle_id: int
    status: str
    default_rule: str
    totals: list[AssetTotals]
    positions: list[Position]
    excluded: list[Exclusion]
    settled_height: int


# Messages -------------------------------------------------------------------------------


def _check_reference(text: str) -> Failure | None:
    if len(text.encode()) > REFERENCE_BYTES_MAX or not is_free_text(text):
        return Failure(ClearingCode.INVALID_REFERENCE)
    return None


class OpenCycle(Msg, frozen=True, tag="clearing/open_cycle"):
    """The operator (a clearing house) opens a cycle among ``participants``."""

    operator: Address
    name: Text
    closes_at_ms: Uint64
    participants: Annotated[list[Address], msgspec.Meta(max_length=256)]
    default_rule: Text = DefaultRule.EXCLUDE

    def required_signers(self) -> tuple[Address, ...]:
        return (self.operator,)

    def validate(self) -> Failure | None:
        if not 1 <= len(self.name.encode()) <= NAME_BYTES_MAX or not is_free_text(self.name):
            return Failure(ClearingCode.INVALID_NAME)
        participants = self.participants
        if not 2 <= len(participants) <= PARTICIPANTS_MAX or len(set(participants)) != len(
            participants
        ):
            return Failure(ClearingCode.INVALID_PARTICIPANTS, f"{len(participants)} participants")
        if self.default_rule not in (DefaultRule.EXCLUDE, DefaultRule.REJECT):
            return Failure(ClearingCode.INVALID_RULE, repr(self.default_rule)[:20])
        if self.closes_at_ms > TIME_MS_MAX:
            return Failure(ClearingCode.TIME_OUT_OF_RANGE, f"{self.closes_at_ms} > {TIME_MS_MAX}")
        return None


class SubmitObligation(Msg, frozen=True, tag="clearing/submit"):
    """The payer records that it owes ``amount`` of ``symbol`` to ``payee`` in the cycle."""

    payer: Address
    cycle_id: Uint64
    payee: Address
    symbol: Annotated[str, msgspec.Meta(max_length=64)]
    amount: Amount
    reference: Text = ""

    def required_signers(self) -> tuple[Address, ...]:
        return (self.payer,)

    def validate(self) -> Failure | None:
        if self.amount == 0:
            return Failure(ClearingCode.AMOUNT_ZERO)
        if self.payer == self.payee:
            return Failure(ClearingCode.SELF_OBLIGATION)
        if assets_check_symbol(self.symbol) is not None:
            return Failure(ClearingCode.INVALID_SYMBOL, repr(self.symbol)[:40])
        return _check_reference(self.reference)


class CloseCycle(Msg, frozen=True, tag="clearing/close"):
    """Net the cycle's obligations and settle them in this transaction."""

    account: Address
    cycle_id: Uint64

    def required_signers(self) -> tuple[Address, ...]:
        return (self.account,)


# Events ---------------------------------------------------------------------------------


class CycleOpened(Event, frozen=True, tag="clearing/cycle_opened"):
    cycle_id: int
    operator: Address
    name: str
    closes_at_ms: int
    participants: list[Address]
    default_rule: str


class ObligationSubmitted(Event, frozen=True, tag="clearing/obligation_submitted"):
    cycle_id: int
    index: int
    payer: Address
    payee: Address
    symbol: str
    amount: Amount


class ParticipantExcluded(Event, frozen=True, tag="clearing/participant_excluded"):
    cycle_id: int
    account: Address
    reason: str
    obligations: int


class CycleClosed(Event, frozen=True, tag="clearing/cycle_closed"):
    """The report's headline: status and gross versus net per asset."""

    cycle_id: int
    status: str
    totals: list[AssetTotals]
    excluded: list[Address]
