"""payments: payment requests (URI and QR code), card-style authorizations with captures,
voids, expiry and refunds, escrow with time and hash-locks, payment channels with signed
off-ledger claims, and atomic multi-leg swaps (payment-vs-payment, delivery-vs-payment)."""

from __future__ import annotations

from originledger.core.module import Module
from originledger.core.wiring import fill
from originledger.modules.payments import expected, types
from originledger.modules.payments.block_invariants import module_account_moves_with_locked
from originledger.modules.payments.codes import PaymentsCode
from originledger.modules.payments.index import INDEX
from originledger.modules.payments.invariants import (
    captured_within_authorized,
    channel_pays_at_most_its_deposit,
    locked_equals_open_escrows_and_channels,
    refunded_within_paid,
)
from originledger.modules.payments.logic import (
    PAYMENTS_ACCOUNT,
    authorization_hold_id,
    authorize,
    cancel_escrow,
    cancel_request,
    capture,
    claim_channel,
    close_channel,
    create_escrow,
    create_request,
    derive_id,
    expire_authorizations,
    fund_channel,
    load_authorization,
    load_channel,
    load_escrow,
    load_request,
    open_channel,
    pay_request,
    refund,
    release_escrow,
    settle_channel,
    swap,
    transfer_units,
    void_authorization,
)
from originledger.modules.payments.queries import (
    query_authorization,
    query_channel,
    query_escrow,
    query_locked,
    query_payment,
    query_request,
)
from originledger.modules.payments.types import claim_digest

__all__ = [
    "MODULE",
    "PAYMENTS_ACCOUNT",
    "PaymentsCode",
    "authorization_hold_id",
    "claim_digest",
    "derive_id",
    "load_authorization",
    "load_channel",
    "load_escrow",
    "load_request",
    "transfer_units",
    "wire",
]

MODULE = Module(
    name="payments",
    version=2,  # 2: amounts in result messages in the asset's units (issue #13)
    codes=PaymentsCode,
    summary=(
        "payment requests with URI and QR code, authorizations and captures, refunds, "
        "escrow with time and hash-locks, payment channels, atomic swaps"
    ),
    handlers={
        types.CreateRequest: create_request,
        types.PayRequest: pay_request,
        types.CancelRequest: cancel_request,
        types.Authorize: authorize,
        types.Capture: capture,
        types.VoidAuthorization: void_authorization,
        types.Refund: refund,
        types.CreateEscrow: create_escrow,
        types.ReleaseEscrow: release_escrow,
        types.CancelEscrow: cancel_escrow,
        types.OpenChannel: open_channel,
        types.FundChannel: fund_channel,
        types.ClaimChannel: claim_channel,
        types.CloseChannel: close_channel,
        types.SettleChannel: settle_channel,
        types.Swap: swap,
    },
    events=(
        types.RequestCreated,
        types.RequestPaid,
        types.RequestCancelled,
        types.Authorized,
        types.Captured,
        types.AuthorizationVoided,
        types.AuthorizationExpired,
        types.Refunded,
        types.EscrowCreated,
        types.EscrowReleased,
        types.EscrowCancelled,
        types.ChannelOpened,
        types.ChannelFunded,
        types.ChannelClaimed,
        types.ChannelClosing,
        types.ChannelClosed,
        types.Swapped,
    ),
    queries={
        "request": query_request,
        "authorization": query_authorization,
        "payment": query_payment,
        "escrow": query_escrow,
        "channel": query_channel,
        "locked": query_locked,
    },
    invariants={
        "locked_equals_open_escrows_and_channels": locked_equals_open_escrows_and_channels,
        "captured_within_authorized": captured_within_authorized,
        "refunded_within_paid": refunded_within_paid,
        "channel_pays_at_most_its_deposit": channel_pays_at_most_its_deposit,
    },
    block_invariants={"module_account_moves_with_locked": module_account_moves_with_locked},
    end_block=expire_authorizations,
    index=INDEX,
)


def wire(*, assets: expected.AssetsKeeper, compliance: expected.ComplianceKeeper) -> None:
    """Hand payments the public face of each module it expects (``expected.py``): ``app.py``
    calls it once, before any block."""
    fill(expected.assets_keeper, assets)
    fill(expected.compliance_keeper, compliance)
