"""Result codes of the payments module. Never renumber; new codes are appended.

Codes 1-19 are stateless checks of a message, 20 and up stateful ones, grouped by flow.
Failures of the assets protocol (balances, freezes, pause, authorization) and of the
compliance holder checks keep their own codespace: a payment refused because the payer
lacks funds answers ``assets`` code 15, as a transfer would.
"""

from __future__ import annotations

from originledger.core.codes import ResultCode

__all__ = ["PaymentsCode"]


class PaymentsCode(ResultCode, codespace="payments"):
    OK = 0, "ok"
    # Stateless checks.
    INVALID_ID = 1, "an id is 32 bytes"
    AMOUNT_ZERO = 2, "the amount must be greater than zero"
    SELF_PAYMENT = 3, "payer and payee are the same account"
    INVALID_SYMBOL = (
        4,
        "a symbol is 1 to 12 characters of A-Z, 0-9, '.' and '-', starting with a letter",
    )
    INVALID_REFERENCE = 5, "a reference is at most 64 bytes of printable text"
    INVALID_ALTERNATIVES = (
        6,
        "a request accepts at most 8 alternative assets, each once, none the requested one, "
        "each with an amount",
    )
    INVALID_CONDITIONS = (
        7,
        "an escrow needs a release time or a hash-lock, a cancel time after its release "
        "time, and a cancel time when it has a hash-lock",
    )
    INVALID_HASH_LOCK = 8, "a hash-lock is a 32-byte SHA-256 digest"
    INVALID_CLAIM_KEY = 9, "a claim key is a 32-byte Ed25519 public key"
    INVALID_LEGS = (
        10,
        "a swap has 1 to 16 legs, each of a positive amount between two different accounts",
    )
    INVALID_DISPUTE_WINDOW = 11, "a dispute window is 1 second to 30 days"
    TIME_OUT_OF_RANGE = 12, "a time is later than the end of the year 9999 (TIME_MS_MAX)"
    # Stateful: times and ids.
    TIME_INVALID = (
        20,
        "a time must lie after the block time and within the flow's longest duration",
    )
    ID_TAKEN = 21, "this id is already in use"
    # Payment requests.
    REQUEST_NOT_FOUND = 22, "no payment request has this id"
    NOT_MERCHANT = 23, "only the merchant may do this"
    REQUEST_PAID = 24, "the request is already paid"
    REQUEST_CANCELLED = 25, "the request was cancelled"
    REQUEST_EXPIRED = 26, "the request has expired"
    WRONG_ASSET = 27, "the request does not accept this asset"
    WRONG_AMOUNT = 28, "the amount differs from the amount requested in this asset"
    WRONG_MERCHANT = 29, "the request belongs to another merchant than the payment names"
    # Authorizations and refunds.
    AUTHORIZATION_NOT_FOUND = 30, "no authorization has this id"
    AUTHORIZATION_CLOSED = 31, "the authorization is no longer open"
    AUTHORIZATION_EXPIRED = 32, "the authorization has expired"
    CAPTURE_EXCEEDS_AUTHORIZED = 33, "the captures would exceed the authorized amount"
    PAYMENT_NOT_FOUND = 34, "no settled payment (paid request or capture) has this id"
    REFUND_EXCEEDS_SETTLED = 35, "the refunds would exceed the amount settled"
    # Escrow.
    ESCROW_NOT_FOUND = 40, "no escrow has this id"
    ESCROW_FINISHED = 41, "the escrow was already released or cancelled"
    ESCROW_NOT_RELEASABLE_YET = 42, "the escrow cannot be released before its release time"
    ESCROW_CANCEL_TIME_PASSED = 43, "the escrow's cancel time has passed: it can only be cancelled"
    PREIMAGE_MISMATCH = 44, "the preimage is missing or does not hash to the escrow's hash-lock"
    ESCROW_NOT_CANCELLABLE_YET = (
        45,
        "only the payee may cancel an escrow before its cancel time",
    )
    # Channels.
    CHANNEL_NOT_FOUND = 50, "no payment channel has this id"
    CHANNEL_CLOSED = 51, "the channel is closed"
    NOT_CHANNEL_PARTY = 52, "only the channel's sender or recipient may do this"
    CLAIM_SIGNATURE_INVALID = 53, "the claim's signature does not verify with the channel's key"
    CLAIM_NOT_NEWER = 54, "the claim is not above what the channel already paid"
    CLAIM_EXCEEDS_DEPOSIT = 55, "the claim exceeds the channel's deposit"
    DISPUTE_WINDOW_OPEN = 56, "the channel's dispute window has not ended"
    CHANNEL_CLOSING = 57, "the channel is closing: it takes no more deposits"
    NOT_CLOSING = 58, "the channel is not closing"
