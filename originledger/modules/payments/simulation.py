"""Message generators of the payments module for the simulator (see core/simulation.py)."""

from __future__ import annotations

from originledger.core.address import Address, module_address
from originledger.core.amounts import Amount
from originledger.core.crypto import SigningKey, sha256
from originledger.core.simulation import (
    Generators,
    RandomSource,
    SimWorld,
    address,
    amount,
    chance,
    deadline,
    fresh_or_known,
    ident,
    number,
    party,
    pick,
    symbol,
    text,
)
from originledger.core.tx import Msg
from originledger.modules.payments.types import (
    AUTHORIZATION_DURATION_MS_MAX,
    DISPUTE_WINDOW_MS_MAX,
    ESCROW_DURATION_MS_MAX,
    PREIMAGE_BYTES_MAX,
    REFERENCE_BYTES_MAX,
    REQUEST_DURATION_MS_MAX,
    SWAP_LEGS_MAX,
    AcceptedAsset,
    Authorize,
    CancelEscrow,
    CancelRequest,
    Capture,
    ClaimChannel,
    CloseChannel,
    CreateEscrow,
    CreateRequest,
    FundChannel,
    Leg,
    OpenChannel,
    PayRequest,
    Refund,
    ReleaseEscrow,
    SettleChannel,
    Swap,
    VoidAuthorization,
    claim_digest,
)

__all__ = ["GENERATORS"]

_SECRETS = 2  # hash locks and claim keys come from the world's first secrets


def _reference(rng: RandomSource) -> str:
    return "" if chance(rng, 50) else text(rng, REFERENCE_BYTES_MAX, "order")


def _counterparty(rng: RandomSource, world: SimWorld, first: Address) -> Address:
    if chance(rng, 4):
        return first  # a self-reference
    if chance(rng, 4):
        return module_address("payments")
    return address(rng, world, "user")


def create_request(rng: RandomSource, world: SimWorld) -> Msg:
    accepted = [
        AcceptedAsset(symbol(rng, world), amount(rng)) for _ in range(rng.randrange(3) // 2)
    ]
    return CreateRequest(
        address(rng, world, "user"),
        symbol(rng, world),
        amount(rng),
        deadline(rng, world, REQUEST_DURATION_MS_MAX),
        _reference(rng),
        accepted,
        fresh_or_known(rng, world, "request_id"),
    )


def pay(rng: RandomSource, world: SimWorld) -> Msg:
    request_id = ident(rng, world, "request_id")
    about = world.about("request_id", request_id)
    known_symbol = about.get("symbol")
    known_amount = about.get("amount")
    asset = known_symbol if isinstance(known_symbol, str) and chance(rng, 80) else None
    value = known_amount if isinstance(known_amount, int) and chance(rng, 80) else None
    return PayRequest(
        address(rng, world, "user"),
        party(rng, world, "request_id", request_id, "merchant", "user"),
        request_id,
        asset if asset is not None else symbol(rng, world),
        amount(rng) if value is None else Amount(value),
    )


def cancel_request(rng: RandomSource, world: SimWorld) -> Msg:
    request_id = ident(rng, world, "request_id")
    return CancelRequest(
        party(rng, world, "request_id", request_id, "merchant", "user"), request_id
    )


def authorize(rng: RandomSource, world: SimWorld) -> Msg:
    payer = address(rng, world, "user")
    return Authorize(
        payer,
        _counterparty(rng, world, payer),
        symbol(rng, world),
        amount(rng),
        deadline(rng, world, AUTHORIZATION_DURATION_MS_MAX),
        _reference(rng),
        fresh_or_known(rng, world, "authorization_id"),
    )


def capture(rng: RandomSource, world: SimWorld) -> Msg:
    auth_id = ident(rng, world, "authorization_id")
    merchant = party(rng, world, "authorization_id", auth_id, "merchant", "user")
    return Capture(merchant, auth_id, amount(rng), chance(rng, 40))


def void(rng: RandomSource, world: SimWorld) -> Msg:
    auth_id = ident(rng, world, "authorization_id")
    merchant = party(rng, world, "authorization_id", auth_id, "merchant", "user")
    return VoidAuthorization(merchant, auth_id)


def refund(rng: RandomSource, world: SimWorld) -> Msg:
    name = pick(rng, ("request_id", "authorization_id", "payment_id"))
    payment_id = ident(rng, world, name)
    merchant = party(rng, world, name, payment_id, "merchant", "user")
    return Refund(merchant, payment_id, amount(rng), _reference(rng))


def create_escrow(rng: RandomSource, world: SimWorld) -> Msg:
    payer = address(rng, world, "user")
    lock = sha256(world.secret(rng.randrange(_SECRETS))) if chance(rng, 30) else None
    if lock is not None and chance(rng, 10):
        lock = lock[:16]
    release = deadline(rng, world, ESCROW_DURATION_MS_MAX) if chance(rng, 70) else None
    cancel = deadline(rng, world, ESCROW_DURATION_MS_MAX) if chance(rng, 60) else None
    if release is not None and cancel is not None and chance(rng, 80):
        release, cancel = min(release, cancel), min(max(release, cancel) + 1, 2**64 - 1)
    return CreateEscrow(
        payer,
        _counterparty(rng, world, payer),
        symbol(rng, world),
        amount(rng),
        release,
        cancel,
        lock,
        _reference(rng),
        fresh_or_known(rng, world, "escrow_id"),
    )


def release_escrow(rng: RandomSource, world: SimWorld) -> Msg:
    escrow_id = ident(rng, world, "escrow_id")
    account = party(rng, world, "escrow_id", escrow_id, pick(rng, ("payer", "payee")), "user")
    preimage = None
    if chance(rng, 50):
        preimage = world.secret(rng.randrange(_SECRETS))
    elif chance(rng, 10):
        preimage = b"\x00" * pick(rng, (0, PREIMAGE_BYTES_MAX))
    return ReleaseEscrow(account, escrow_id, preimage)


def cancel_escrow(rng: RandomSource, world: SimWorld) -> Msg:
    escrow_id = ident(rng, world, "escrow_id")
    account = party(rng, world, "escrow_id", escrow_id, pick(rng, ("payer", "payee")), "user")
    return CancelEscrow(account, escrow_id)


def open_channel(rng: RandomSource, world: SimWorld) -> Msg:
    sender = address(rng, world, "user")
    key = SigningKey(world.secret(rng.randrange(_SECRETS))).public_key
    if chance(rng, 5):
        key = key[:31]
    return OpenChannel(
        sender,
        _counterparty(rng, world, sender),
        symbol(rng, world),
        amount(rng),
        key,
        number(rng, 5_000, DISPUTE_WINDOW_MS_MAX),
        fresh_or_known(rng, world, "channel_id"),
    )


def fund_channel(rng: RandomSource, world: SimWorld) -> Msg:
    channel_id = ident(rng, world, "channel_id")
    sender = party(rng, world, "channel_id", channel_id, "sender", "user")
    return FundChannel(sender, channel_id, amount(rng))


def claim_channel(rng: RandomSource, world: SimWorld) -> Msg:
    channel_id = ident(rng, world, "channel_id")
    recipient = party(rng, world, "channel_id", channel_id, "recipient", "user")
    value = amount(rng)
    key = SigningKey(world.secret(rng.randrange(_SECRETS)))
    signature = key.sign(claim_digest(world.chain_id, channel_id, int(value)))
    if chance(rng, 5):
        signature = signature[:10]
    return ClaimChannel(recipient, channel_id, value, signature)


def close_channel(rng: RandomSource, world: SimWorld) -> Msg:
    channel_id = ident(rng, world, "channel_id")
    account = party(rng, world, "channel_id", channel_id, pick(rng, ("sender", "recipient")))
    return CloseChannel(account, channel_id)


def settle_channel(rng: RandomSource, world: SimWorld) -> Msg:
    channel_id = ident(rng, world, "channel_id")
    account = party(rng, world, "channel_id", channel_id, pick(rng, ("sender", "recipient")))
    return SettleChannel(account, channel_id)


def swap(rng: RandomSource, world: SimWorld) -> Msg:
    count = 2 if chance(rng, 70) else number(rng, 3, SWAP_LEGS_MAX)
    count = min(count, SWAP_LEGS_MAX + 1)
    legs = []
    for _ in range(count):
        sender = address(rng, world, "user")
        legs.append(Leg(sender, _counterparty(rng, world, sender), symbol(rng, world), amount(rng)))
    return Swap(legs, _reference(rng))


GENERATORS: Generators = {
    CreateRequest: (create_request,),
    PayRequest: (pay,),
    CancelRequest: (cancel_request,),
    Authorize: (authorize,),
    Capture: (capture,),
    VoidAuthorization: (void,),
    Refund: (refund,),
    CreateEscrow: (create_escrow,),
    ReleaseEscrow: (release_escrow,),
    CancelEscrow: (cancel_escrow,),
    OpenChannel: (open_channel,),
    FundChannel: (fund_channel,),
    ClaimChannel: (claim_channel,),
    CloseChannel: (close_channel,),
    SettleChannel: (settle_channel,),
    Swap: (swap,),
}
