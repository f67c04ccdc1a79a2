"""Pure handlers of the assets module and the protocol other modules move funds with.

Protocol (``public.py``, which ``app.py`` hands to the modules that expect it):
- reading: ``load_asset``, ``balance_of``, ``available_of``, ``load_line``, ``load_hold``;
- moving: ``move`` (a transfer between accounts, under every control of the asset);
- holds: ``place_hold``, ``post_hold``, ``void_hold`` (two-phase transfers; the payments
  module builds card authorizations and escrow on them), ``derive_hold_id`` and
  ``client_hold_id``.
Creating and destroying units (``mint_to``, ``burn_from``) are a capability
(``supply.py``) that only ``app.py`` hands out.

Protocol functions check and write; they never emit. Those that succeed with something
to report return the event, which the caller emits (``ctx.emit``), so that another module
calling them leaves the same trace as the message handlers here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import msgspec

from originledger.core.address import Address
from originledger.core.amounts import Amount, add, compare_units, format_units
from originledger.core.codec import TypedDecoder, decode, encode
from originledger.core.context import (
    BlockContext,
    BlockState,
    Event,
    Movement,
    StateGetter,
    StateView,
    TxContext,
)
from originledger.core.crypto import tagged_hash
from originledger.core.limits import TIME_MS_MAX
from originledger.core.module import InvariantBroken
from originledger.core.tx import Failure
from originledger.modules.accounts.types import Role
from originledger.modules.assets.codes import AssetsCode
from originledger.modules.assets.expected import accounts_keeper
from originledger.modules.assets.keys import (
    HOLD_EXPIRY,
    PARAMS_KEY,
    asset_key,
    balance_key,
    hold_account_key,
    hold_key,
)
from originledger.modules.assets.types import (
    CLASS_POLICIES,
    HOLD_DURATION_MS_MAX,
    HOLD_EXPIRIES_PER_BLOCK_MAX,
    HOLD_EXPIRY_BUCKETS_PER_BLOCK_MAX,
    AssetFrozenSet,
    AssetIssued,
    AssetPaused,
    AssetRecord,
    AssetsGenesis,
    AssetsParams,
    AttestReserves,
    Authorize,
    Balance,
    Burn,
    Burned,
    Clawback,
    ClawbackEnabled,
    ClawedBack,
    EnableClawback,
    ForcedTransfer,
    ForceTransfer,
    Freeze,
    FreezeAsset,
    FreezeSet,
    GenesisBalance,
    Hold,
    HolderAuthorizationSet,
    HoldExpired,
    HoldPlaced,
    HoldPosted,
    HoldVoided,
    Issue,
    Mint,
    Minted,
    Pause,
    PlaceHold,
    PostHold,
    Recover,
    Recovered,
    ReservesAttested,
    Transfer,
    Transferred,
    VoidHold,
)

__all__ = [
    "agent_of",
    "attest_reserves",
    "authorize",
    "available_of",
    "balance_of",
    "burn",
    "burn_from",
    "clawback",
    "client_hold_id",
    "derive_hold_id",
    "enable_clawback",
    "expire_holds",
    "force_transfer",
    "freeze",
    "freeze_asset",
    "genesis_init",
    "genesis_steps",
    "issue",
    "issuer_in_good_standing",
    "load_asset",
    "load_hold",
    "load_line",
    "load_params",
    "mint",
    "mint_to",
    "move",
    "move_asset",
    "pause",
    "place_hold",
    "post",
    "post_hold",
    "recover",
    "transfer",
    "void",
    "void_hold",
]

_ZERO = Amount(0)
_replace = msgspec.structs.replace


# Reading --------------------------------------------------------------------------------


# Decoded asset records by their bytes. Every transfer reads its asset's record, which
# rarely changes; decoding it is most of the cost of a plain transfer's checks. A record is
# a pure function of its bytes, so sharing one is deterministic (records are frozen and
# nothing mutates their lists).
_ASSET_RECORDS: dict[bytes, AssetRecord] = {}
_ASSET_RECORDS_MAX = 4_096


def load_asset(state: StateGetter, symbol: str) -> AssetRecord | None:
    raw = state.get(asset_key(symbol))
    if raw is None:
        return None
    record = _ASSET_RECORDS.get(raw)
    if record is None:
        record = decode(raw, AssetRecord)
        if len(_ASSET_RECORDS) >= _ASSET_RECORDS_MAX:
            _ASSET_RECORDS.clear()
        _ASSET_RECORDS[raw] = record
    return record


_LINES: TypedDecoder[Balance] = TypedDecoder(Balance)  # two lines a transfer: no decoder lookup


def load_line(state: StateGetter, account: Address, symbol: str) -> Balance | None:
    """The account's whole line in the asset (amount, held, freezes), or ``None``."""
    raw = state.get(balance_key(account, symbol))
    return None if raw is None else _LINES.decode(raw)


def balance_of(state: StateGetter, account: Address, symbol: str) -> Amount:
    line = load_line(state, account, symbol)
    return _ZERO if line is None else line.amount


def available_of(state: StateGetter, account: Address, symbol: str) -> Amount:
    """What the account may spend now: balance less held and frozen amounts. An account
    frozen in the asset may spend nothing, whatever this says; see ``load_line``."""
    line = load_line(state, account, symbol)
    return _ZERO if line is None else Amount(line.available)


def load_hold(state: StateGetter, hold_id: bytes) -> Hold | None:
    raw = state.get(hold_key(hold_id))
    return None if raw is None else decode(raw, Hold)


def load_params(state: StateGetter) -> AssetsParams:
    raw = state.get(PARAMS_KEY)
    return AssetsParams() if raw is None else decode(raw, AssetsParams)


def agent_of(asset: AssetRecord) -> Address:
    """The account that may force transfers and recover lost wallets (default: issuer)."""
    return asset.issuer if asset.agent is None else asset.agent


# Lines and controls ---------------------------------------------------------------------


def _write_line(state: StateView, account: Address, symbol: str, line: Balance) -> None:
    key = balance_key(account, symbol)
    if line.empty:
        state.delete(key)  # a line with nothing in it takes no room in state
    else:
        state.set(key, encode(line))


def _holders_delta(before: Balance | None, after: Balance) -> int:
    return (after.amount > 0) - (before is not None and before.amount > 0)


def _save_asset(state: StateView, asset: AssetRecord) -> None:
    state.set(asset_key(asset.symbol), encode(asset))


def _is_authorized(asset: AssetRecord, account: Address, line: Balance | None) -> bool:
    if not asset.auth_required or (line is not None and line.authorized):
        return True
    return account == asset.issuer or account == agent_of(asset)


def _check_asset_open(asset: AssetRecord) -> Failure | None:
    if asset.paused:
        return Failure(AssetsCode.PAUSED, asset.symbol)
    if asset.global_freeze:
        return Failure(AssetsCode.ASSET_FROZEN, asset.symbol)
    return None


def _check_send(asset: AssetRecord, account: Address, line: Balance | None) -> Failure | None:
    if line is not None and line.frozen:
        return Failure(AssetsCode.SENDER_FROZEN, str(account))
    if not _is_authorized(asset, account, line):
        return Failure(AssetsCode.NOT_AUTHORIZED, f"sender {account}")
    return None


def _check_receive(asset: AssetRecord, account: Address, line: Balance | None) -> Failure | None:
    if line is not None and line.deep:
        return Failure(AssetsCode.RECIPIENT_FROZEN, str(account))
    if not _is_authorized(asset, account, line):
        return Failure(AssetsCode.NOT_AUTHORIZED, f"recipient {account}")
    return None


def _shortfall(asset: AssetRecord, line: Balance | None, amount: int, limit: int) -> Failure:
    """Why a line cannot give ``amount``: its balance, else what of it may be spent
    (``limit``), is lower; both in the asset's units."""
    have = 0 if line is None else line.amount
    if have < amount:
        return Failure(
            AssetsCode.INSUFFICIENT_BALANCE,
            compare_units(have, "<", amount, asset.decimals, asset.symbol),
        )
    return Failure(
        AssetsCode.INSUFFICIENT_AVAILABLE,
        compare_units(limit, "<", amount, asset.decimals, asset.symbol),
    )


def _debit(
    asset: AssetRecord, line: Balance | None, amount: int, *, spendable: int | None = None
) -> Balance | Failure:
    """Take ``amount`` out of a line. ``spendable`` overrides what may be taken (clawback
    and forced transfers reach frozen amounts, never held ones)."""
    if line is None or line.amount < amount:
        return _shortfall(asset, line, amount, 0)
    limit = line.available if spendable is None else spendable
    if limit < amount:
        return _shortfall(asset, line, amount, limit)
    after = line.amount - amount
    # A forced debit may eat into a partial freeze: the frozen amount shrinks to fit.
    frozen = min(line.amount_frozen, after - line.held)
    if frozen != line.amount_frozen:
        return _replace(line, amount=Amount(after), amount_frozen=Amount(frozen))
    return _replace(line, amount=Amount(after))


def _credit(line: Balance | None, amount: Amount) -> Balance | Failure:
    if line is None:
        return Balance(amount)
    after = add(line.amount, amount)
    if after is None:
        return Failure(AssetsCode.BALANCE_OVERFLOW)
    return _replace(line, amount=after)


def _apply_move(
    state: StateView,
    asset: AssetRecord,
    sender: Address,
    sender_line: Balance | None,
    sender_after: Balance,
    recipient: Address,
    recipient_line: Balance | None,
    recipient_after: Balance,
    amount: int,
) -> AssetRecord:
    """Write the two lines of a movement and record it (``StateView.note_movement``):
    every movement of units between accounts goes through here, so whoever watches
    movements (monitoring) sees each one, whichever module asked for it."""
    if sender == recipient:
        # Both lines were computed from the same line: the second write would win and
        # create units. Every entry point refuses this with SELF_TRANSFER first.
        raise RuntimeError(f"invariant broken: a movement from {sender} to itself")
    symbol = asset.symbol
    if amount:
        state.note_movement(Movement(symbol, sender, recipient, amount))
    _write_line(state, sender, symbol, sender_after)
    _write_line(state, recipient, symbol, recipient_after)
    delta = _holders_delta(sender_line, sender_after) + _holders_delta(
        recipient_line, recipient_after
    )
    if delta:
        asset = _replace(asset, holders=asset.holders + delta)
        _save_asset(state, asset)
    return asset


# Protocol: moving -----------------------------------------------------------------------


def move_asset(
    state: StateView, asset: AssetRecord, sender: Address, recipient: Address, amount: Amount
) -> Failure | None:
    """Move ``amount`` of a loaded asset under every control: two distinct accounts
    (``SELF_TRANSFER``), pause, global freeze, the sender's freeze, the recipient's deep
    freeze, authorization, available balance, the recipient's balance overflow. Fails
    without writing anything. Checks in the order of ``assets/transfer``."""
    if sender == recipient:
        return Failure(AssetsCode.SELF_TRANSFER, str(sender))
    # The plain path (no pause, freeze or authorization in play) costs a few attribute
    # reads on records already loaded; the checks run only when a flag is set.
    if asset.paused or asset.global_freeze:
        return _check_asset_open(asset)
    symbol = asset.symbol
    sender_line = load_line(state, sender, symbol)
    if asset.auth_required or (sender_line is not None and sender_line.frozen):
        failure = _check_send(asset, sender, sender_line)
        if failure:
            return failure
    recipient_line = load_line(state, recipient, symbol)
    if asset.auth_required or (recipient_line is not None and recipient_line.deep):
        failure = _check_receive(asset, recipient, recipient_line)
        if failure:
            return failure
    sender_after = _debit(asset, sender_line, amount)
    if isinstance(sender_after, Failure):
        return sender_after
    recipient_after = _credit(recipient_line, amount)
    if isinstance(recipient_after, Failure):
        return recipient_after
    _apply_move(
        state,
        asset,
        sender,
        sender_line,
        sender_after,
        recipient,
        recipient_line,
        recipient_after,
        amount,
    )
    return None


def move(
    state: StateView, symbol: str, sender: Address, recipient: Address, amount: Amount
) -> Failure | None:
    """Move ``amount`` of an asset between two accounts; fails without writing anything."""
    asset = load_asset(state, symbol)
    if asset is None:
        return Failure(AssetsCode.ASSET_NOT_FOUND, symbol)
    return move_asset(state, asset, sender, recipient, amount)


# Capabilities: minting and burning ------------------------------------------------------


def mint_to(
    state: StateView,
    asset: AssetRecord,
    recipient: Address,
    amount: Amount,
    *,
    time_ms: int,
) -> tuple[AssetRecord, Failure | None]:
    """Create units: the capability behind ``Mint``. Returns the updated asset record.

    Checks, in order: the recipient may receive, the maximum supply, and for the payment
    class a reserve attestation fresh at ``time_ms`` (the block time) that covers the
    supply after the mint.
    """
    line = load_line(state, recipient, asset.symbol)
    failure = _check_receive(asset, recipient, line)
    if failure:
        return asset, failure
    supply_after = add(asset.supply, amount)
    if supply_after is None or supply_after > asset.max_supply:
        return asset, Failure(
            AssetsCode.MAX_SUPPLY_EXCEEDED,
            f"supply {format_units(asset.supply, asset.decimals)} + "
            + compare_units(amount, ">", asset.max_supply, asset.decimals, asset.symbol),
        )
    if CLASS_POLICIES[asset.asset_class].custodian:
        age_max_ms = load_params(state).reserve_attestation_age_max_ms
        if asset.reserves is None or time_ms - asset.reserves_as_of_ms > age_max_ms:
            return asset, Failure(
                AssetsCode.RESERVES_STALE, f"attestations older than {age_max_ms} ms"
            )
        if supply_after > asset.reserves:
            return asset, Failure(
                AssetsCode.RESERVES_EXCEEDED,
                f"supply {format_units(supply_after, asset.decimals)} > reserves "
                f"{format_units(asset.reserves, asset.decimals)} {asset.symbol}",
            )
    line_after = _credit(line, amount)
    if isinstance(line_after, Failure):  # unreachable while supply <= 2**128 - 1
        return asset, line_after
    updated = _replace(
        asset,
        supply=supply_after,
        ever_minted=True,
        holders=asset.holders + _holders_delta(line, line_after),
    )
    _save_asset(state, updated)
    _write_line(state, recipient, asset.symbol, line_after)
    return updated, None


def _destroy(
    state: StateView, asset: AssetRecord, holder: Address, amount: Amount, *, forced: bool
) -> tuple[AssetRecord, Failure | None]:
    line = load_line(state, holder, asset.symbol)
    spendable = None if line is None or not forced else line.amount - line.held
    line_after = _debit(asset, line, amount, spendable=spendable)
    if isinstance(line_after, Failure):
        return asset, line_after
    supply_after = asset.supply - amount
    if supply_after < 0:
        raise InvariantBroken(f"invariant broken: supply of {asset.symbol} below a balance")
    updated = _replace(
        asset,
        supply=Amount(supply_after),
        holders=asset.holders + _holders_delta(line, line_after),
    )
    _save_asset(state, updated)
    _write_line(state, holder, asset.symbol, line_after)
    return updated, None


def burn_from(
    state: StateView, asset: AssetRecord, holder: Address, amount: Amount
) -> tuple[AssetRecord, Failure | None]:
    """Destroy units of ``holder``'s available balance: the capability behind ``Burn``."""
    return _destroy(state, asset, holder, amount, forced=False)


# Protocol: holds ------------------------------------------------------------------------


def derive_hold_id(tx_hash: bytes, position: int) -> bytes:
    """The id of a hold placed without one: unique per transaction and position."""
    return tagged_hash(b"origin/assets/hold", tx_hash + position.to_bytes(4, "big"))


CLIENT_HOLD_ID_TAG = b"origin/assets/hold/client"


def client_hold_id(payer: Address, chosen: bytes) -> bytes:
    """The stored id of a hold placed with a client-chosen ``hold_id``: the choice lives
    in the payer's own namespace, apart from every id a module derives (its own tag), so
    no account can take an id another account or a module will use, or has used."""
    return tagged_hash(CLIENT_HOLD_ID_TAG, bytes(payer) + chosen)


def place_hold(
    state: StateView,
    *,
    hold_id: bytes,
    payer: Address,
    payee: Address,
    symbol: str,
    amount: Amount,
    expires_at_ms: int,
    time_ms: int,
    height: int,
) -> HoldPlaced | Failure:
    """Reserve ``amount`` of the payer's available balance for the payee until
    ``expires_at_ms``. The payer's ``held`` grows; the balance does not move.

    Checks, in order: two distinct accounts (``SELF_TRANSFER``), the asset exists, the
    expiry lies in ``(time_ms, time_ms + 30 days]``, the id is free, then the controls of
    a transfer from payer to payee.
    """
    if payer == payee:
        return Failure(AssetsCode.SELF_TRANSFER, str(payer))
    asset = load_asset(state, symbol)
    if asset is None:
        return Failure(AssetsCode.ASSET_NOT_FOUND, symbol)
    if not time_ms < expires_at_ms <= time_ms + HOLD_DURATION_MS_MAX:
        return Failure(AssetsCode.HOLD_EXPIRY_INVALID, f"{expires_at_ms} at block time {time_ms}")
    if state.get(hold_key(hold_id)) is not None:
        return Failure(AssetsCode.HOLD_EXISTS, hold_id.hex())
    failure = _check_asset_open(asset)
    if failure:
        return failure
    payer_line = load_line(state, payer, symbol)
    failure = _check_send(asset, payer, payer_line) or _check_receive(
        asset, payee, load_line(state, payee, symbol)
    )
    if failure:
        return failure
    if payer_line is None or payer_line.amount < amount:
        return _shortfall(asset, payer_line, amount, 0)
    if payer_line.available < amount:
        return _shortfall(asset, payer_line, amount, payer_line.available)
    _write_line(state, payer, symbol, _replace(payer_line, held=Amount(payer_line.held + amount)))
    state.set(hold_key(hold_id), encode(Hold(payer, payee, symbol, amount, expires_at_ms, height)))
    HOLD_EXPIRY.insert(state, expires_at_ms, hold_id, time_ms=time_ms)
    state.set(hold_account_key(payer, hold_id), b"p")
    state.set(hold_account_key(payee, hold_id), b"r")
    return HoldPlaced(hold_id, symbol, payer, payee, amount, expires_at_ms)


def _close_hold(state: StateView, hold_id: bytes, hold: Hold) -> Balance:
    """Delete the hold and its account index entries (not its expiry entry: the caller
    removes it, or the expiry walk drops it); return the payer's line with the hold's
    amount no longer held (not yet written)."""
    line = load_line(state, hold.payer, hold.symbol)
    if line is None or line.held < hold.amount:
        raise InvariantBroken(f"invariant broken: hold {hold_id.hex()} exceeds the payer's held")
    state.delete(hold_key(hold_id))
    state.delete(hold_account_key(hold.payer, hold_id))
    state.delete(hold_account_key(hold.payee, hold_id))
    return _replace(line, held=Amount(line.held - hold.amount))


def post_hold(
    state: StateView, hold_id: bytes, hold: Hold, amount: Amount, *, time_ms: int
) -> HoldPosted | Failure:
    """Settle ``amount`` of an open hold (loaded with ``load_hold``) to its payee and
    release the rest to the payer: a hold resolves once, whatever amount is posted.

    Checks, in order: two distinct accounts, the hold has not expired, ``amount`` is at
    most the hold, then the
    controls of a transfer from payer to payee (pause, global freeze, freezes,
    authorization) as they stand now, and the payee's balance overflow.
    """
    if hold.payer == hold.payee:  # refused when placed; kept for holds of older state
        return Failure(AssetsCode.SELF_TRANSFER, str(hold.payer))
    if time_ms >= hold.expires_at_ms:
        return Failure(AssetsCode.HOLD_EXPIRED, f"at {hold.expires_at_ms}")
    asset = load_asset(state, hold.symbol)
    if asset is None:
        raise InvariantBroken(f"invariant broken: hold {hold_id.hex()} in an unknown asset")
    if amount > hold.amount:
        return Failure(
            AssetsCode.POST_EXCEEDS_HOLD,
            compare_units(amount, ">", hold.amount, asset.decimals, asset.symbol),
        )
    failure = _check_asset_open(asset)
    if failure:
        return failure
    payer_line = load_line(state, hold.payer, hold.symbol)
    payee_line = load_line(state, hold.payee, hold.symbol)
    failure = _check_send(asset, hold.payer, payer_line) or _check_receive(
        asset, hold.payee, payee_line
    )
    if failure:
        return failure
    payee_after = _credit(payee_line, amount)
    if isinstance(payee_after, Failure):
        return payee_after
    released = _close_hold(state, hold_id, hold)
    payer_after = _replace(released, amount=Amount(released.amount - amount))
    _apply_move(
        state,
        asset,
        hold.payer,
        payer_line,
        payer_after,
        hold.payee,
        payee_line,
        payee_after,
        amount,
    )
    HOLD_EXPIRY.remove(state, hold.expires_at_ms, hold_id, time_ms=time_ms)
    return HoldPosted(
        hold_id, hold.symbol, hold.payer, hold.payee, amount, Amount(hold.amount - amount)
    )


def void_hold(state: StateView, hold_id: bytes, hold: Hold, *, time_ms: int) -> HoldVoided:
    """Release an open hold (loaded with ``load_hold``) back to the payer's available.
    Always possible, whatever the controls: nothing moves."""
    _write_line(state, hold.payer, hold.symbol, _close_hold(state, hold_id, hold))
    HOLD_EXPIRY.remove(state, hold.expires_at_ms, hold_id, time_ms=time_ms)
    return HoldVoided(hold_id, hold.symbol, hold.payer, hold.amount)


def expire_holds(block: BlockContext, state: BlockState) -> list[Event]:
    """The end-of-block hook: release every hold whose expiry is at or before the block
    time, oldest first, at most ``HOLD_EXPIRIES_PER_BLOCK_MAX`` (the rest next block).

    It walks the expiry index (``HOLD_EXPIRY``, ``core/expiry.py``) bucket by bucket
    (2**16 ms each) from the cursor, at most ``HOLD_EXPIRY_BUCKETS_PER_BLOCK_MAX`` buckets,
    reading committed state: a hold placed in this block expires after this block's time,
    so it cannot be due; one resolved in this block is skipped (its key is gone from
    ``state``).
    """

    def release(hold_id: bytes, _due_ms: int) -> list[Event]:
        hold = load_hold(state, hold_id)
        if hold is None:
            raise InvariantBroken(f"invariant broken: expiry entry without hold {hold_id.hex()}")
        _write_line(state, hold.payer, hold.symbol, _close_hold(state, hold_id, hold))
        return [HoldExpired(hold_id, hold.symbol, hold.payer, hold.amount)]

    return HOLD_EXPIRY.walk(
        state,
        block.time_ms,
        release,
        entries_max=HOLD_EXPIRIES_PER_BLOCK_MAX,
        buckets_max=HOLD_EXPIRY_BUCKETS_PER_BLOCK_MAX,
    )


# Handlers -------------------------------------------------------------------------------


def issuer_in_good_standing(state: StateGetter, asset: AssetRecord, account: Address) -> bool:
    """``account`` is the asset's issuer and, when the asset's class needs the issuer role
    to issue, still holds it: an issuer whose role an admin revoked keeps no power over
    the assets it issued (no mint, pause, freeze, authorization, clawback, trust list)."""
    if asset.issuer != account:
        return False
    policy = CLASS_POLICIES[asset.asset_class]
    return not policy.issuer_role_required or accounts_keeper.has_role(state, account, Role.ISSUER)


def _issuer_asset(
    state: StateGetter, symbol: str, issuer: Address, *, winding_down: bool = False
) -> AssetRecord | Failure:
    """The asset, when ``issuer`` is its issuer in good standing; ``winding_down`` (burning
    its own units) needs no standing, so that a revoked issuer can still redeem."""
    asset = load_asset(state, symbol)
    if asset is None:
        return Failure(AssetsCode.ASSET_NOT_FOUND, symbol)
    if asset.issuer != issuer:
        return Failure(AssetsCode.NOT_ISSUER)
    if not winding_down and not issuer_in_good_standing(state, asset, issuer):
        return Failure(AssetsCode.ISSUER_ROLE_REVOKED, str(issuer))
    return asset


def _authority_asset(state: StateGetter, symbol: str, authority: Address) -> AssetRecord | Failure:
    """The asset, when ``authority`` is its issuer in good standing or holds the regulator
    role (which the compliance module scopes to the regulator's jurisdictions)."""
    asset = load_asset(state, symbol)
    if asset is None:
        return Failure(AssetsCode.ASSET_NOT_FOUND, symbol)
    if issuer_in_good_standing(state, asset, authority):
        return asset
    if accounts_keeper.has_role(state, authority, Role.REGULATOR):
        return asset
    if asset.issuer == authority:
        return Failure(AssetsCode.ISSUER_ROLE_REVOKED, str(authority))
    return Failure(AssetsCode.NOT_AUTHORITY)


def _agent_asset(state: StateGetter, symbol: str, agent: Address) -> AssetRecord | Failure:
    asset = load_asset(state, symbol)
    if asset is None:
        return Failure(AssetsCode.ASSET_NOT_FOUND, symbol)
    if agent_of(asset) != agent:
        return Failure(AssetsCode.NOT_AGENT)
    if not asset.clawback_enabled:
        return Failure(AssetsCode.CLAWBACK_DISABLED)
    return asset


def _new_record(message: Issue, height: int) -> AssetRecord:
    """The asset record of a validated ``Issue``: the class template, tightened."""
    policy = CLASS_POLICIES[message.asset_class]
    custodian = message.custodian
    if policy.custodian and custodian is None:
        custodian = message.issuer
    return AssetRecord(
        symbol=message.symbol,
        name=message.name,
        decimals=message.decimals,
        asset_class=message.asset_class,
        issuer=message.issuer,
        max_supply=message.max_supply,
        supply=_ZERO,
        created_height=height,
        auth_required=bool(policy.auth_required.resolve(message.auth_required)),
        freezable=bool(policy.freezable.resolve(message.freezable)),
        clawback_enabled=bool(policy.clawback.resolve(message.clawback_enabled)),
        speculative=policy.speculative,
        agent=message.issuer if message.agent is None else message.agent,
        custodian=custodian,
        maturity_ms=message.maturity_ms,
        coupon_bps=message.coupon_bps,
        required_claims=list(message.required_claims),
        jurisdictions=list(message.jurisdictions),
        holders_max=message.holders_max,
        balance_max=message.balance_max,
        peg=message.peg,
        jurisdiction=message.jurisdiction,
        paused=policy.starts_paused,
    )


def _issued_event(record: AssetRecord) -> AssetIssued:
    return AssetIssued(
        record.symbol,
        record.issuer,
        record.asset_class,
        record.decimals,
        record.max_supply,
        record.auth_required,
        record.freezable,
        record.clawback_enabled,
        record.paused,
        record.speculative,
    )


def issue(ctx: TxContext, message: Issue) -> Failure | None:
    if load_asset(ctx.state, message.symbol) is not None:
        return Failure(AssetsCode.SYMBOL_TAKEN, message.symbol)
    policy = CLASS_POLICIES[message.asset_class]
    if policy.issuer_role_required and not accounts_keeper.has_role(
        ctx.state, message.issuer, Role.ISSUER
    ):
        return Failure(AssetsCode.ISSUER_ROLE_REQUIRED, message.asset_class)
    if message.maturity_ms is not None and message.maturity_ms <= ctx.block.time_ms:
        return Failure(AssetsCode.INVALID_CREDIT_TERMS, "the maturity has passed")
    record = _new_record(message, ctx.block.height)
    ctx.state.put_record(asset_key(message.symbol), record)
    ctx.emit(_issued_event(record))
    return None


def mint(ctx: TxContext, message: Mint) -> Failure | None:
    asset = _issuer_asset(ctx.state, message.symbol, message.issuer)
    if isinstance(asset, Failure):
        return asset
    updated, failure = mint_to(
        ctx.state, asset, message.recipient, message.amount, time_ms=ctx.block.time_ms
    )
    if failure:
        return failure
    ctx.emit(Minted(message.symbol, message.recipient, message.amount, updated.supply))
    return None


def burn(ctx: TxContext, message: Burn) -> Failure | None:
    asset = _issuer_asset(ctx.state, message.symbol, message.issuer, winding_down=True)
    if isinstance(asset, Failure):
        return asset
    updated, failure = burn_from(ctx.state, asset, message.issuer, message.amount)
    if failure:
        return failure
    ctx.emit(Burned(message.symbol, message.issuer, message.amount, updated.supply))
    return None


def transfer(ctx: TxContext, message: Transfer) -> Failure | None:
    failure = move(ctx.state, message.symbol, message.sender, message.recipient, message.amount)
    if failure:
        return failure
    ctx.emit(Transferred(message.symbol, message.sender, message.recipient, message.amount))
    return None


def attest_reserves(ctx: TxContext, message: AttestReserves) -> Failure | None:
    asset = load_asset(ctx.state, message.symbol)
    if asset is None:
        return Failure(AssetsCode.ASSET_NOT_FOUND, message.symbol)
    if asset.custodian is None or asset.custodian != message.custodian:
        return Failure(AssetsCode.NOT_CUSTODIAN)
    if not accounts_keeper.has_role(ctx.state, message.custodian, Role.CUSTODIAN):
        return Failure(AssetsCode.CUSTODIAN_ROLE_REQUIRED)
    if message.as_of_ms > ctx.block.time_ms or (
        asset.reserves is not None and message.as_of_ms <= asset.reserves_as_of_ms
    ):
        return Failure(AssetsCode.INVALID_ATTESTATION_TIME, str(message.as_of_ms))
    _save_asset(
        ctx.state, _replace(asset, reserves=message.amount, reserves_as_of_ms=message.as_of_ms)
    )
    ctx.emit(ReservesAttested(asset.symbol, message.custodian, message.amount, message.as_of_ms))
    return None


def enable_clawback(ctx: TxContext, message: EnableClawback) -> Failure | None:
    asset = _issuer_asset(ctx.state, message.symbol, message.issuer)
    if isinstance(asset, Failure):
        return asset
    if CLASS_POLICIES[asset.asset_class].clawback.resolve(True) is None:
        return Failure(AssetsCode.POLICY_NOT_ALLOWED, f"{asset.asset_class}: clawback")
    if asset.clawback_enabled:
        return Failure(AssetsCode.UNCHANGED)
    if asset.ever_minted:
        return Failure(AssetsCode.ALREADY_MINTED)
    _save_asset(ctx.state, _replace(asset, clawback_enabled=True))
    ctx.emit(ClawbackEnabled(asset.symbol, asset.issuer))
    return None


def authorize(ctx: TxContext, message: Authorize) -> Failure | None:
    asset = _issuer_asset(ctx.state, message.symbol, message.issuer)
    if isinstance(asset, Failure):
        return asset
    if not asset.auth_required:
        return Failure(AssetsCode.AUTHORIZATION_NOT_REQUIRED)
    if not message.authorized and not asset.freezable:
        return Failure(AssetsCode.NOT_FREEZABLE, "authorization cannot be revoked")
    line = load_line(ctx.state, message.account, asset.symbol) or Balance(_ZERO)
    if line.authorized == message.authorized:
        return Failure(AssetsCode.UNCHANGED)
    _write_line(
        ctx.state, message.account, asset.symbol, _replace(line, authorized=message.authorized)
    )
    ctx.emit(HolderAuthorizationSet(asset.symbol, message.account, message.authorized))
    return None


def pause(ctx: TxContext, message: Pause) -> Failure | None:
    asset = _issuer_asset(ctx.state, message.symbol, message.issuer)
    if isinstance(asset, Failure):
        return asset
    if asset.paused == message.paused:
        return Failure(AssetsCode.UNCHANGED)
    _save_asset(ctx.state, _replace(asset, paused=message.paused))
    ctx.emit(AssetPaused(asset.symbol, message.paused))
    return None


def freeze(ctx: TxContext, message: Freeze) -> Failure | None:
    asset = _authority_asset(ctx.state, message.symbol, message.authority)
    if isinstance(asset, Failure):
        return asset
    if not asset.freezable:
        return Failure(AssetsCode.NOT_FREEZABLE)
    line = load_line(ctx.state, message.account, asset.symbol) or Balance(_ZERO)
    wanted = (message.frozen, message.deep, message.amount_frozen)
    if (line.frozen, line.deep, line.amount_frozen) == wanted:
        return Failure(AssetsCode.UNCHANGED)
    if message.amount_frozen > line.amount - line.held:
        return Failure(
            AssetsCode.FREEZE_EXCEEDS_BALANCE,
            f"{format_units(message.amount_frozen, asset.decimals)} > "
            f"{format_units(line.amount, asset.decimals)} - "
            f"{format_units(line.held, asset.decimals)} held {asset.symbol}",
        )
    _write_line(
        ctx.state,
        message.account,
        asset.symbol,
        _replace(
            line, frozen=message.frozen, deep=message.deep, amount_frozen=message.amount_frozen
        ),
    )
    ctx.emit(
        FreezeSet(
            asset.symbol,
            message.account,
            message.authority,
            message.frozen,
            message.deep,
            message.amount_frozen,
        )
    )
    return None


def freeze_asset(ctx: TxContext, message: FreezeAsset) -> Failure | None:
    asset = _authority_asset(ctx.state, message.symbol, message.authority)
    if isinstance(asset, Failure):
        return asset
    if not asset.freezable:
        return Failure(AssetsCode.NOT_FREEZABLE)
    if asset.global_freeze == message.frozen:
        return Failure(AssetsCode.UNCHANGED)
    _save_asset(ctx.state, _replace(asset, global_freeze=message.frozen))
    ctx.emit(AssetFrozenSet(asset.symbol, message.authority, message.frozen))
    return None


def clawback(ctx: TxContext, message: Clawback) -> Failure | None:
    asset = _issuer_asset(ctx.state, message.symbol, message.issuer)
    if isinstance(asset, Failure):
        return asset
    if not asset.clawback_enabled:
        return Failure(AssetsCode.CLAWBACK_DISABLED)
    updated, failure = _destroy(ctx.state, asset, message.account, message.amount, forced=True)
    if failure:
        return failure
    ctx.emit(ClawedBack(asset.symbol, message.account, message.amount, updated.supply))
    return None


def force_transfer(ctx: TxContext, message: ForceTransfer) -> Failure | None:
    asset = _agent_asset(ctx.state, message.symbol, message.agent)
    if isinstance(asset, Failure):
        return asset
    symbol = asset.symbol
    recipient_line = load_line(ctx.state, message.recipient, symbol)
    failure = _check_receive(asset, message.recipient, recipient_line)
    if failure:
        return failure
    sender_line = load_line(ctx.state, message.sender, symbol)
    spendable = None if sender_line is None else sender_line.amount - sender_line.held
    sender_after = _debit(asset, sender_line, message.amount, spendable=spendable)
    if isinstance(sender_after, Failure):
        return sender_after
    recipient_after = _credit(recipient_line, message.amount)
    if isinstance(recipient_after, Failure):
        return recipient_after
    _apply_move(
        ctx.state,
        asset,
        message.sender,
        sender_line,
        sender_after,
        message.recipient,
        recipient_line,
        recipient_after,
        message.amount,
    )
    ctx.emit(
        ForcedTransfer(symbol, message.agent, message.sender, message.recipient, message.amount)
    )
    return None


def recover(ctx: TxContext, message: Recover) -> Failure | None:
    asset = _agent_asset(ctx.state, message.symbol, message.agent)
    if isinstance(asset, Failure):
        return asset
    symbol = asset.symbol
    lost_line = load_line(ctx.state, message.lost, symbol) or Balance(_ZERO)
    if lost_line.held:
        return Failure(
            AssetsCode.HOLDS_OPEN, f"{format_units(lost_line.held, asset.decimals)} {symbol} held"
        )
    new_line = load_line(ctx.state, message.new, symbol)
    failure = _check_receive(asset, message.new, new_line)
    if failure:
        return failure
    new_after = _credit(new_line, lost_line.amount)
    if isinstance(new_after, Failure):
        return new_after
    # The new account inherits the partial freeze and the freeze flags (a recovery never
    # lifts a freeze); the lost account is deep-frozen and loses its authorization.
    new_after = _replace(
        new_after,
        amount_frozen=Amount(new_after.amount_frozen + lost_line.amount_frozen),
        frozen=new_after.frozen or lost_line.frozen,
        deep=new_after.deep or lost_line.deep,
    )
    lost_after = Balance(_ZERO, frozen=True, deep=True)
    _apply_move(
        ctx.state,
        asset,
        message.lost,
        lost_line,
        lost_after,
        message.new,
        new_line,
        new_after,
        lost_line.amount,
    )
    ctx.emit(Recovered(symbol, message.agent, message.lost, message.new, lost_line.amount))
    return None


def hold(ctx: TxContext, message: PlaceHold) -> Failure | None:
    if message.hold_id is None:
        hold_id = derive_hold_id(ctx.tx_hash, len(ctx.events))
    else:
        hold_id = client_hold_id(message.payer, message.hold_id)
    placed = place_hold(
        ctx.state,
        hold_id=hold_id,
        payer=message.payer,
        payee=message.payee,
        symbol=message.symbol,
        amount=message.amount,
        expires_at_ms=message.expires_at_ms,
        time_ms=ctx.block.time_ms,
        height=ctx.block.height,
    )
    if isinstance(placed, Failure):
        return placed
    ctx.emit(placed)
    return None


def _payee_hold(state: StateGetter, hold_id: bytes, payee: Address) -> Hold | Failure:
    found = load_hold(state, hold_id)
    if found is None:
        return Failure(AssetsCode.HOLD_NOT_FOUND, hold_id.hex())
    if found.payee != payee:
        return Failure(AssetsCode.NOT_PAYEE)
    return found


def post(ctx: TxContext, message: PostHold) -> Failure | None:
    found = _payee_hold(ctx.state, message.hold_id, message.payee)
    if isinstance(found, Failure):
        return found
    posted = post_hold(ctx.state, message.hold_id, found, message.amount, time_ms=ctx.block.time_ms)
    if isinstance(posted, Failure):
        return posted
    ctx.emit(posted)
    return None


def void(ctx: TxContext, message: VoidHold) -> Failure | None:
    found = _payee_hold(ctx.state, message.hold_id, message.payee)
    if isinstance(found, Failure):
        return found
    ctx.emit(void_hold(ctx.state, message.hold_id, found, time_ms=ctx.block.time_ms))
    return None


# Genesis --------------------------------------------------------------------------------


def genesis_init(state: BlockState, genesis: AssetsGenesis) -> list[Event]:
    return [event for step in genesis_steps(state, genesis, genesis.balances) for event in step]


def genesis_steps(
    state: BlockState, genesis: AssetsGenesis, balances: Iterable[GenesisBalance]
) -> Iterator[list[Event]]:
    """The genesis assets (one step), then ``balances`` (the section's list, given apart),
    one step per balance: the app's streamed import flushes the writes between steps. The
    asset records, with their supply, are written last."""
    events: list[Event] = []
    records: dict[str, AssetRecord] = {}
    if genesis.params.reserve_attestation_age_max_ms > TIME_MS_MAX:
        raise ValueError(f"genesis: reserve_attestation_age_max_ms above {TIME_MS_MAX}")
    state.set(PARAMS_KEY, encode(genesis.params))
    for entry in genesis.assets:
        message = Issue(
            entry.issuer,
            entry.symbol,
            entry.name,
            entry.decimals,
            entry.asset_class,
            entry.max_supply,
            auth_required=entry.auth_required,
            freezable=entry.freezable,
            clawback_enabled=entry.clawback_enabled,
            agent=entry.agent,
            custodian=entry.custodian,
            maturity_ms=entry.maturity_ms,
            coupon_bps=entry.coupon_bps,
            required_claims=entry.required_claims,
            jurisdictions=entry.jurisdictions,
            holders_max=entry.holders_max,
            balance_max=entry.balance_max,
            peg=entry.peg,
            jurisdiction=entry.jurisdiction,
        )
        failure = message.validate()
        if failure is not None:
            raise ValueError(f"genesis: asset {entry.symbol!r}: {failure.code.message}")
        if entry.symbol in records:
            raise ValueError(f"genesis: asset {entry.symbol!r} listed twice")
        records[entry.symbol] = _new_record(message, 0)
        events.append(_issued_event(records[entry.symbol]))
    yield events
    for balance in balances:
        events = []
        record = records.get(balance.symbol)
        if record is None:
            raise ValueError(f"genesis: balance in unknown asset {balance.symbol!r}")
        key = balance_key(balance.account, balance.symbol)
        if state.get(key) is not None:
            raise ValueError(f"genesis: balance of {balance.account} listed twice")
        line = Balance(balance.amount, authorized=balance.authorized and record.auth_required)
        if balance.amount and not _is_authorized(record, balance.account, line):
            raise ValueError(
                f"genesis: {balance.account} holds {balance.symbol} without authorization"
            )
        _write_line(state, balance.account, balance.symbol, line)
        supply = record.supply + balance.amount
        records[balance.symbol] = _replace(
            record,
            supply=Amount(min(supply, 2**128 - 1)),
            holders=record.holders + (balance.amount > 0),
            ever_minted=record.ever_minted or balance.amount > 0,
        )
        if supply > record.max_supply:
            raise ValueError(f"genesis: balances of {balance.symbol} exceed its max supply")
        if line.authorized:
            events.append(HolderAuthorizationSet(balance.symbol, balance.account, True))
        if balance.amount:
            events.append(Minted(balance.symbol, balance.account, balance.amount, Amount(supply)))
        yield events
    for record in records.values():
        _save_asset(state, record)
