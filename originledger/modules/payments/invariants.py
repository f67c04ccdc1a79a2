"""Invariants of the payments module, checked after every block in the tests.

- ``locked_equals_open_escrows_and_channels``: per asset, ``payments/locked`` = the open
  escrows + what open or closing channels have not paid out, and the module account
  holds at least that much (it may hold more: units someone sent it directly, which no
  one can move out).
- ``captured_within_authorized``: for every authorization, refunded <= captured <=
  authorized; an open one has its expiry entry and, while its hold is open, a hold from
  the payer to the module account of exactly ``authorized - captured`` with the same
  asset and expiry; a closed one has no expiry entry and no hold.
- ``refunded_within_paid``: a paid request names its payer and refunded <= paid; an
  unpaid one has no payer and no refund.
- ``channel_pays_at_most_its_deposit``: paid <= deposit on every channel.
"""

from __future__ import annotations

from originledger.core.amounts import Amount
from originledger.core.codec import decode
from originledger.core.context import StateReader
from originledger.modules.payments.expected import assets_keeper
from originledger.modules.payments.keys import (
    AUTHORIZATION_EXPIRY_PREFIX,
    AUTHORIZATION_PREFIX,
    CHANNEL_PREFIX,
    ESCROW_PREFIX,
    LOCKED_PREFIX,
    REQUEST_PREFIX,
    authorization_expiry_key,
    split_authorization_expiry_key,
)
from originledger.modules.payments.logic import PAYMENTS_ACCOUNT, load_expiry_cursor
from originledger.modules.payments.types import (
    AUTHORIZATION_EXPIRY_BUCKET_BITS,
    Authorization,
    AuthorizationStatus,
    Channel,
    ChannelStatus,
    Escrow,
    EscrowStatus,
    PaymentRequest,
    RequestStatus,
)

__all__ = [
    "captured_within_authorized",
    "channel_pays_at_most_its_deposit",
    "locked_equals_open_escrows_and_channels",
    "refunded_within_paid",
]


def locked_equals_open_escrows_and_channels(state: StateReader) -> str | None:
    expected: dict[str, int] = {}
    for _, raw in state.scan(ESCROW_PREFIX):
        escrow = decode(raw, Escrow)
        if escrow.status == EscrowStatus.OPEN:
            expected[escrow.symbol] = expected.get(escrow.symbol, 0) + escrow.amount
    for _, raw in state.scan(CHANNEL_PREFIX):
        channel = decode(raw, Channel)
        if channel.status != ChannelStatus.CLOSED:
            left = channel.deposit - channel.paid
            expected[channel.symbol] = expected.get(channel.symbol, 0) + left
    recorded: dict[str, int] = {}
    for key, raw in state.scan(LOCKED_PREFIX):
        recorded[key[len(LOCKED_PREFIX) :].decode()] = int(decode(raw, Amount))
    wanted = {symbol: amount for symbol, amount in expected.items() if amount}
    if recorded != wanted:
        return f"locked {sorted(recorded.items())} != open {sorted(wanted.items())}"
    for symbol, amount in sorted(recorded.items()):
        held = assets_keeper.balance_of(state, PAYMENTS_ACCOUNT, symbol)
        if held < amount:
            return f"module account holds {held} {symbol} < locked {amount}"
    return None


def captured_within_authorized(state: StateReader) -> str | None:
    open_ids: set[bytes] = set()
    for key, raw in state.scan(AUTHORIZATION_PREFIX):
        authorization_id = key[len(AUTHORIZATION_PREFIX) :]
        record = decode(raw, Authorization)
        if not record.refunded <= record.captured <= record.authorized:
            return f"authorization {authorization_id.hex()}: refunded/captured/authorized"
        expiry = authorization_expiry_key(record.expires_at_ms, authorization_id)
        hold = assets_keeper.load_hold(state, record.hold_id)
        if record.status == AuthorizationStatus.OPEN:
            open_ids.add(authorization_id)
            if state.get(expiry) is None:
                return f"open authorization {authorization_id.hex()} without expiry entry"
            if hold is not None and (
                hold.payer != record.payer
                or hold.payee != PAYMENTS_ACCOUNT
                or hold.symbol != record.symbol
                or hold.amount != record.authorized - record.captured
                or hold.expires_at_ms != record.expires_at_ms
            ):
                return f"authorization {authorization_id.hex()}: hold does not match"
        elif state.get(expiry) is not None or hold is not None:
            return f"{record.status} authorization {authorization_id.hex()} still indexed or held"
    cursor = load_expiry_cursor(state)
    counted = 0 if cursor is None else cursor.open_authorizations
    if counted != len(open_ids):
        return f"the expiry cursor counts {counted} open authorizations, not {len(open_ids)}"
    for key, _ in state.scan(AUTHORIZATION_EXPIRY_PREFIX):
        expires_at_ms, authorization_id = split_authorization_expiry_key(key)
        if authorization_id not in open_ids:
            return f"expiry entry {key.hex()} without an open authorization"
        if cursor is not None and expires_at_ms >> AUTHORIZATION_EXPIRY_BUCKET_BITS < cursor.bucket:
            return f"expiry entry {key.hex()} lies behind the expiry cursor"
    return None


def refunded_within_paid(state: StateReader) -> str | None:
    for key, raw in state.scan(REQUEST_PREFIX):
        record = decode(raw, PaymentRequest)
        paid = record.status == RequestStatus.PAID
        if paid != (record.payer is not None) or record.refunded > record.paid_amount:
            return f"request {key[len(REQUEST_PREFIX) :].hex()}: payer or refund out of place"
    return None


def channel_pays_at_most_its_deposit(state: StateReader) -> str | None:
    for key, raw in state.scan(CHANNEL_PREFIX):
        channel = decode(raw, Channel)
        if channel.paid > channel.deposit:
            return f"channel {key[len(CHANNEL_PREFIX) :].hex()} paid more than its deposit"
    return None
