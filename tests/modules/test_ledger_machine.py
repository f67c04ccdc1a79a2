"""A state machine test of the ledger: random blocks of issues, mints, burns, transfers,
holds (place, post, void, expiry), freezes (account, deep, partial, global), pauses,
clawbacks, role changes and jumps in time among a handful of accounts, checked against a
simple model.

Each rule queues one signed transaction and predicts its result on the model at once
(transactions of a block run in queue order, at a block time fixed when the block opens).
``produce_block`` runs the queue as one block, applies the expiries the model predicts,
and then checks every predicted result, the registered invariants, ``available >= 0``,
``held <= balance`` and ``held`` = the open holds on every line, supply conservation,
that lines, holds, assets and roles in state equal the model, and that the state root
equals the root of the same state written into an empty tree.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import msgspec
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule

from originledger.core.address import Address
from originledger.core.amounts import Amount
from originledger.core.codec import decode
from originledger.core.limits import AMOUNT_MAX
from originledger.core.tx import Msg
from originledger.modules.accounts import load_account
from originledger.modules.accounts.types import GrantRole, RevokeRole
from originledger.modules.assets import client_hold_id
from originledger.modules.assets.keys import (
    ASSET_PREFIX,
    BALANCE_PREFIX,
    HOLD_PREFIX,
    split_balance_key,
)
from originledger.modules.assets.types import (
    CLASS_POLICIES,
    HOLD_DURATION_MS_MAX,
    AssetRecord,
    AttestReserves,
    Balance,
    Burn,
    Clawback,
    Freeze,
    FreezeAsset,
    Hold,
    Issue,
    Mint,
    Pause,
    PlaceHold,
    PostHold,
    Transfer,
    VoidHold,
)
from originledger.store import SqliteStore
from tests.conftest import (
    ADMIN,
    ALICE,
    BLOCK_STEP_MS,
    BOB,
    CAROL,
    ISSUER,
    TX_LIFETIME_MS,
    Chain,
    Party,
    close_chain,
    genesis_builder,
    party,
)

REGULATOR = party("regulator")
PARTIES = (ADMIN, ISSUER, ALICE, BOB, CAROL, REGULATOR)
PARTY_BY_ADDRESS = {party.address: party for party in PARTIES}
SYMBOLS = ("AAA", "BBB", "CCC")
ROLES = ("admin", "issuer", "regulator")
OK = ("tx", 0, -1)

parties = st.sampled_from(PARTIES)
symbols = st.sampled_from(SYMBOLS)
# Mostly the party the rule needs (the asset's issuer, a holder, an admin), sometimes not.
likely = st.sampled_from([True, True, True, False])
amounts = st.one_of(
    st.integers(min_value=1, max_value=300),
    st.sampled_from([AMOUNT_MAX // 2, AMOUNT_MAX]),
)
max_supplies = st.sampled_from([100, 1_000, 10**6, AMOUNT_MAX])
asset_classes = st.sampled_from(["payment", "utility", "security", "entertainment"])
lifetimes = st.one_of(
    st.integers(min_value=1, max_value=5 * BLOCK_STEP_MS),
    st.sampled_from([0, HOLD_DURATION_MS_MAX, HOLD_DURATION_MS_MAX + 1]),
)
steps = st.sampled_from([BLOCK_STEP_MS, 1, 2_500, 20_000])

Expected = tuple[str, int, int]
Fail = tuple[str, int]
EMPTY = Balance(Amount(0))


def assets_code(code: int) -> Fail:
    return ("assets", code)


@dataclass
class AssetModel:
    issuer: Address
    max_supply: int
    asset_class: str
    supply: int = 0
    reserves: int | None = None
    paused: bool = False
    global_freeze: bool = False

    @property
    def auth_required(self) -> bool:
        return bool(CLASS_POLICIES[self.asset_class].auth_required.resolve(None))

    @property
    def freezable(self) -> bool:
        return bool(CLASS_POLICIES[self.asset_class].freezable.resolve(None))

    @property
    def clawback(self) -> bool:
        return bool(CLASS_POLICIES[self.asset_class].clawback.resolve(None))


@dataclass
class Model:
    """What the ledger should hold: roles, assets, lines (balance, held, freezes), holds."""

    roles: dict[Address, set[str]] = field(default_factory=dict)
    assets: dict[str, AssetModel] = field(default_factory=dict)
    lines: dict[tuple[Address, str], Balance] = field(default_factory=dict)
    holds: dict[bytes, Hold] = field(default_factory=dict)

    def clone(self) -> Model:
        return Model(
            {address: set(roles) for address, roles in self.roles.items()},
            {symbol: dataclasses.replace(asset) for symbol, asset in self.assets.items()},
            dict(self.lines),
            dict(self.holds),
        )

    def line(self, account: Address, symbol: str) -> Balance:
        return self.lines.get((account, symbol), EMPTY)

    def set_line(self, account: Address, symbol: str, line: Balance) -> None:
        if line.empty:
            self.lines.pop((account, symbol), None)
        else:
            self.lines[(account, symbol)] = line

    def balance(self, account: Address, symbol: str) -> int:
        return self.line(account, symbol).amount

    def in_standing(self, asset: AssetModel, issuer: Address) -> bool:
        """The issuer keeps its powers while it holds the role its asset's class needs."""
        required = CLASS_POLICIES[asset.asset_class].issuer_role_required
        return not required or self.has_role(issuer, "issuer")

    def has_role(self, account: Address, role: str) -> bool:
        return role in self.roles.get(account, set())

    def authorized(self, asset: AssetModel, account: Address) -> bool:
        # The machine never authorizes anyone: only the issuer (its own agent) may hold
        # an auth-required asset.
        return not asset.auth_required or account == asset.issuer

    def send_check(self, asset: AssetModel, account: Address, symbol: str) -> Fail | None:
        if self.line(account, symbol).frozen:
            return assets_code(32)  # SENDER_FROZEN
        if not self.authorized(asset, account):
            return assets_code(34)  # NOT_AUTHORIZED
        return None

    def receive_check(self, asset: AssetModel, account: Address, symbol: str) -> Fail | None:
        if self.line(account, symbol).deep:
            return assets_code(33)  # RECIPIENT_FROZEN
        if not self.authorized(asset, account):
            return assets_code(34)  # NOT_AUTHORIZED
        return None

    @staticmethod
    def open_check(asset: AssetModel) -> Fail | None:
        if asset.paused:
            return assets_code(30)  # PAUSED
        if asset.global_freeze:
            return assets_code(31)  # ASSET_FROZEN
        return None

    def add(self, account: Address, symbol: str, amount: int) -> None:
        line = self.line(account, symbol)
        self.set_line(
            account, symbol, msgspec.structs.replace(line, amount=Amount(line.amount + amount))
        )

    def take(self, account: Address, symbol: str, amount: int) -> None:
        """Take units, shrinking a partial freeze to what is left (clawback)."""
        line = self.line(account, symbol)
        after = line.amount - amount
        frozen = min(line.amount_frozen, after - line.held)
        self.set_line(
            account,
            symbol,
            msgspec.structs.replace(line, amount=Amount(after), amount_frozen=Amount(frozen)),
        )

    def release(self, hold_id: bytes) -> Hold:
        hold = self.holds.pop(hold_id)
        line = self.line(hold.payer, hold.symbol)
        self.set_line(
            hold.payer,
            hold.symbol,
            msgspec.structs.replace(line, held=Amount(line.held - hold.amount)),
        )
        return hold

    def apply(self, message: Msg, time_ms: int) -> Fail | None:
        """Apply one message at block time ``time_ms``; return ``(codespace, code)`` when it
        must fail, checking in the order the README documents."""
        if isinstance(message, Issue):
            if message.symbol in self.assets:
                return assets_code(11)  # SYMBOL_TAKEN
            policy = CLASS_POLICIES[message.asset_class]
            if policy.issuer_role_required and not self.has_role(message.issuer, "issuer"):
                return assets_code(12)  # ISSUER_ROLE_REQUIRED
            self.assets[message.symbol] = AssetModel(
                message.issuer,
                message.max_supply,
                message.asset_class,
                paused=policy.starts_paused,
            )
            return None
        if isinstance(message, AttestReserves):
            asset = self.assets[message.symbol]  # only the opening block attests
            asset.reserves = message.amount
            return None
        if isinstance(message, Mint):
            asset = self.assets.get(message.symbol)
            if asset is None:
                return assets_code(10)
            if asset.issuer != message.issuer:
                return assets_code(13)  # NOT_ISSUER
            if not self.in_standing(asset, message.issuer):
                return assets_code(56)  # ISSUER_ROLE_REVOKED
            failure = self.receive_check(asset, message.recipient, message.symbol)
            if failure:
                return failure
            if asset.supply + message.amount > asset.max_supply:
                return assets_code(14)  # MAX_SUPPLY_EXCEEDED
            if asset.asset_class == "payment":
                if asset.reserves is None:
                    return assets_code(46)  # RESERVES_STALE
                if asset.supply + message.amount > asset.reserves:
                    return assets_code(47)  # RESERVES_EXCEEDED
            asset.supply += message.amount
            self.add(message.recipient, message.symbol, message.amount)
            return None
        if isinstance(message, Burn):
            asset = self.assets.get(message.symbol)
            if asset is None:
                return assets_code(10)
            if asset.issuer != message.issuer:
                return assets_code(13)
            line = self.line(message.issuer, message.symbol)
            if line.amount < message.amount:
                return assets_code(15)  # INSUFFICIENT_BALANCE
            if line.available < message.amount:
                return assets_code(35)  # INSUFFICIENT_AVAILABLE
            asset.supply -= message.amount
            self.take(message.issuer, message.symbol, message.amount)
            return None
        if isinstance(message, Transfer):
            if message.sender == message.recipient:
                return assets_code(6)  # SELF_TRANSFER
            asset = self.assets.get(message.symbol)
            if asset is None:
                return assets_code(10)
            failure = (
                self.open_check(asset)
                or self.send_check(asset, message.sender, message.symbol)
                or self.receive_check(asset, message.recipient, message.symbol)
            )
            if failure:
                return failure
            line = self.line(message.sender, message.symbol)
            if line.amount < message.amount:
                return assets_code(15)
            if line.available < message.amount:
                return assets_code(35)
            self.add(message.sender, message.symbol, -message.amount)
            self.add(message.recipient, message.symbol, message.amount)
            return None
        if isinstance(message, PlaceHold):
            if message.payer == message.payee:
                return assets_code(6)
            asset = self.assets.get(message.symbol)
            if asset is None:
                return assets_code(10)
            if not time_ms < message.expires_at_ms <= time_ms + HOLD_DURATION_MS_MAX:
                return assets_code(50)  # HOLD_EXPIRY_INVALID
            assert message.hold_id is not None
            hold_id = client_hold_id(message.payer, message.hold_id)  # the payer's namespace
            if hold_id in self.holds:
                return assets_code(51)  # HOLD_EXISTS
            failure = (
                self.open_check(asset)
                or self.send_check(asset, message.payer, message.symbol)
                or self.receive_check(asset, message.payee, message.symbol)
            )
            if failure:
                return failure
            line = self.line(message.payer, message.symbol)
            if line.amount < message.amount:
                return assets_code(15)
            if line.available < message.amount:
                return assets_code(35)
            self.set_line(
                message.payer,
                message.symbol,
                msgspec.structs.replace(line, held=Amount(line.held + message.amount)),
            )
            self.holds[hold_id] = Hold(
                message.payer,
                message.payee,
                message.symbol,
                message.amount,
                message.expires_at_ms,
                0,  # the height is not modelled; compared without it
            )
            return None
        if isinstance(message, PostHold | VoidHold):
            hold = self.holds.get(message.hold_id)
            if hold is None:
                return assets_code(52)  # HOLD_NOT_FOUND
            if hold.payee != message.payee:
                return assets_code(53)  # NOT_PAYEE
            if isinstance(message, VoidHold):
                self.release(message.hold_id)
                return None
            if time_ms >= hold.expires_at_ms:
                return assets_code(54)  # HOLD_EXPIRED
            if message.amount > hold.amount:
                return assets_code(55)  # POST_EXCEEDS_HOLD
            asset = self.assets[hold.symbol]
            failure = (
                self.open_check(asset)
                or self.send_check(asset, hold.payer, hold.symbol)
                or self.receive_check(asset, hold.payee, hold.symbol)
            )
            if failure:
                return failure
            self.release(message.hold_id)
            self.add(hold.payer, hold.symbol, -message.amount)
            self.add(hold.payee, hold.symbol, message.amount)
            return None
        if isinstance(message, Freeze | FreezeAsset):
            if isinstance(message, Freeze) and message.deep and not message.frozen:
                return assets_code(20)  # INVALID_FREEZE
            asset = self.assets.get(message.symbol)
            if asset is None:
                return assets_code(10)
            is_issuer = asset.issuer == message.authority
            regulator = self.has_role(message.authority, "regulator")
            if not is_issuer and regulator and message.authority != REGULATOR.address:
                # A regulator acts only within its jurisdiction: REGULATOR is the one
                # appointed for the US, where every asset here is at home (compliance's
                # guard runs before the assets handler).
                return ("compliance", 16)  # OUT_OF_JURISDICTION
            if not (is_issuer and self.in_standing(asset, message.authority)) and not regulator:
                return assets_code(56 if is_issuer else 36)  # ISSUER_ROLE_REVOKED, NOT_AUTHORITY
            if not asset.freezable:
                return assets_code(37)  # NOT_FREEZABLE
            if isinstance(message, FreezeAsset):
                if asset.global_freeze == message.frozen:
                    return assets_code(49)  # UNCHANGED
                asset.global_freeze = message.frozen
                return None
            line = self.line(message.account, message.symbol)
            if (line.frozen, line.deep, line.amount_frozen) == (
                message.frozen,
                message.deep,
                message.amount_frozen,
            ):
                return assets_code(49)
            if message.amount_frozen > line.amount - line.held:
                return assets_code(38)  # FREEZE_EXCEEDS_BALANCE
            self.set_line(
                message.account,
                message.symbol,
                msgspec.structs.replace(
                    line,
                    frozen=message.frozen,
                    deep=message.deep,
                    amount_frozen=message.amount_frozen,
                ),
            )
            return None
        if isinstance(message, Pause):
            asset = self.assets.get(message.symbol)
            if asset is None:
                return assets_code(10)
            if asset.issuer != message.issuer:
                return assets_code(13)
            if not self.in_standing(asset, message.issuer):
                return assets_code(56)
            if asset.paused == message.paused:
                return assets_code(49)
            asset.paused = message.paused
            return None
        if isinstance(message, Clawback):
            asset = self.assets.get(message.symbol)
            if asset is None:
                return assets_code(10)
            if asset.issuer != message.issuer:
                return assets_code(13)
            if not self.in_standing(asset, message.issuer):
                return assets_code(56)
            if not asset.clawback:
                return assets_code(39)  # CLAWBACK_DISABLED
            line = self.line(message.account, message.symbol)
            if line.amount < message.amount:
                return assets_code(15)
            if line.amount - line.held < message.amount:
                return assets_code(35)
            asset.supply -= message.amount
            self.take(message.account, message.symbol, message.amount)
            return None
        if isinstance(message, GrantRole | RevokeRole):
            if "admin" not in self.roles.get(message.admin, set()):
                return ("accounts", 10)  # NOT_ADMIN
            held_roles = self.roles.setdefault(message.account, set())
            if isinstance(message, GrantRole):
                if message.role in held_roles:
                    return ("accounts", 12)  # ROLE_ALREADY_GRANTED
                held_roles.add(message.role)
                return None
            if message.role not in held_roles:
                return ("accounts", 13)  # ROLE_NOT_GRANTED
            if message.role == "admin" and message.account == message.admin:
                return ("accounts", 14)  # LAST_ADMIN
            held_roles.discard(message.role)
            return None
        raise TypeError(f"the model does not know {type(message).__name__}")

    def expire(self, time_ms: int) -> int:
        due = [hold_id for hold_id, hold in self.holds.items() if hold.expires_at_ms <= time_ms]
        for hold_id in due:
            self.release(hold_id)
        return len(due)


def machine_genesis() -> dict[str, object]:
    return (
        genesis_builder()
        .account(ADMIN.address, roles=["admin"])
        .account(ISSUER.address, roles=["custodian", "issuer"])
        .account(REGULATOR.address, roles=["regulator"])
        .regulator("US", REGULATOR.address)
        .document()
    )


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.chain = Chain(machine_genesis())
        self.model = Model(
            roles={
                ADMIN.address: {"admin"},
                ISSUER.address: {"custodian", "issuer"},
                REGULATOR.address: {"regulator"},
            }
        )
        self.pending: list[tuple[bytes, Expected]] = []
        self.block_time_ms = self.chain.time_ms + BLOCK_STEP_MS
        self.next_hold = 0
        self.chosen_ids: dict[bytes, bytes] = {}  # stored hold id -> the payer's choice
        self.blocks = 0

    def teardown(self) -> None:
        if self.pending:
            self.produce_block()
        close_chain(self.chain)

    # -- queueing ---------------------------------------------------------------------

    def queue(self, messages: list[Msg], signers: list[Party]) -> None:
        unique_signers = list(dict.fromkeys(signers))
        raw = self.chain.tx(
            messages, unique_signers, expires_at_ms=self.block_time_ms + TX_LIFETIME_MS
        )
        trial = self.model.clone()
        expected: Expected = OK
        for index, message in enumerate(messages):
            failure = trial.apply(message, self.block_time_ms)
            if failure is not None:
                expected = (*failure, index)
                break
        else:
            self.model = trial
        self.pending.append((raw, expected))

    def issuer_of(self, symbol: str, fallback: Party, as_issuer: bool) -> Party:
        asset = self.model.assets.get(symbol)
        return PARTY_BY_ADDRESS[asset.issuer] if as_issuer and asset else fallback

    def holder_of(self, symbol: str, fallback: Party, data: st.DataObject) -> Party:
        holders = [p for p in PARTIES if self.model.balance(p.address, symbol)]
        return data.draw(st.sampled_from(holders)) if holders else fallback

    @initialize()
    def open_with_one_asset(self) -> None:
        messages: list[Msg] = [
            Issue(
                ISSUER.address, "AAA", "AAA coin", 2, "payment", Amount(10**6), jurisdiction="US"
            ),
            AttestReserves(ISSUER.address, "AAA", Amount(10**6), self.block_time_ms),
            Mint(ISSUER.address, "AAA", ALICE.address, Amount(500)),
            Mint(ISSUER.address, "AAA", BOB.address, Amount(300)),
        ]
        self.queue(messages, [ISSUER])
        self.produce_block()

    @rule(issuer=parties, symbol=symbols, asset_class=asset_classes, max_supply=max_supplies)
    def issue(self, issuer: Party, symbol: str, asset_class: str, max_supply: int) -> None:
        message = Issue(
            issuer.address,
            symbol,
            f"{symbol} coin",
            2,
            asset_class,
            Amount(max_supply),
            jurisdiction="US",
        )
        self.queue([message], [issuer])

    @rule(issuer=parties, as_issuer=likely, symbol=symbols, recipient=parties, amount=amounts)
    def mint(
        self, issuer: Party, as_issuer: bool, symbol: str, recipient: Party, amount: int
    ) -> None:
        issuer = self.issuer_of(symbol, issuer, as_issuer)
        self.queue([Mint(issuer.address, symbol, recipient.address, Amount(amount))], [issuer])

    @rule(issuer=parties, as_issuer=likely, symbol=symbols, amount=amounts)
    def burn(self, issuer: Party, as_issuer: bool, symbol: str, amount: int) -> None:
        issuer = self.issuer_of(symbol, issuer, as_issuer)
        self.queue([Burn(issuer.address, symbol, Amount(amount))], [issuer])

    @rule(
        sender=parties,
        from_holder=likely,
        recipient=parties,
        symbol=symbols,
        amount=amounts,
        data=st.data(),
    )
    def transfer(
        self,
        sender: Party,
        from_holder: bool,
        recipient: Party,
        symbol: str,
        amount: int,
        data: st.DataObject,
    ) -> None:
        if from_holder:
            sender = self.holder_of(symbol, sender, data)
            held = self.model.balance(sender.address, symbol)
            if held and data.draw(likely):
                amount = data.draw(st.integers(1, held))
        message = Transfer(sender.address, recipient.address, symbol, Amount(amount))
        self.queue([message], [sender])

    @rule(legs=st.lists(st.tuples(parties, parties, symbols, amounts), min_size=2, max_size=4))
    def transfers_in_one_tx(self, legs: list[tuple[Party, Party, str, int]]) -> None:
        # All legs apply or none do: a failing leg leaves the model (and state) untouched.
        messages: list[Msg] = [
            Transfer(sender.address, recipient.address, symbol, Amount(amount))
            for sender, recipient, symbol, amount in legs
        ]
        self.queue(messages, [sender for sender, _, _, _ in legs])

    # -- holds ------------------------------------------------------------------------

    @rule(
        payer=parties,
        from_holder=likely,
        payee=parties,
        symbol=symbols,
        amount=amounts,
        lifetime_ms=lifetimes,
        reuse=st.sampled_from([False] * 9 + [True]),
        data=st.data(),
    )
    def place_hold(
        self,
        payer: Party,
        from_holder: bool,
        payee: Party,
        symbol: str,
        amount: int,
        lifetime_ms: int,
        reuse: bool,
        data: st.DataObject,
    ) -> None:
        if from_holder:
            payer = self.holder_of(symbol, payer, data)
            available = self.model.line(payer.address, symbol).available
            if available > 0 and data.draw(likely):
                amount = data.draw(st.integers(1, available))
        if reuse and self.model.holds:
            # The payer of an open hold chooses its id again (HOLD_EXISTS); another payer
            # choosing the same id gets an id of its own.
            stored = data.draw(st.sampled_from(sorted(self.model.holds)))
            if data.draw(likely):
                payer = PARTY_BY_ADDRESS[self.model.holds[stored].payer]
            hold_id = self.chosen_ids[stored]
        else:
            self.next_hold += 1
            hold_id = self.next_hold.to_bytes(32, "big")
        self.chosen_ids[client_hold_id(payer.address, hold_id)] = hold_id
        message = PlaceHold(
            payer.address,
            payee.address,
            symbol,
            Amount(amount),
            self.block_time_ms + lifetime_ms,
            hold_id,
        )
        self.queue([message], [payer])

    def pick_hold(self, data: st.DataObject, known: bool) -> tuple[bytes, Hold | None]:
        if known and self.model.holds:
            hold_id = data.draw(st.sampled_from(sorted(self.model.holds)))
            return hold_id, self.model.holds[hold_id]
        return b"\xee" * 32, None

    @rule(
        known=likely, as_payee=likely, part=st.sampled_from(["all", "part", "more"]), data=st.data()
    )
    def post_hold(self, known: bool, as_payee: bool, part: str, data: st.DataObject) -> None:
        hold_id, hold = self.pick_hold(data, known)
        payee = PARTY_BY_ADDRESS[hold.payee] if hold and as_payee else data.draw(parties)
        held = hold.amount if hold else 1
        amount = {"all": held, "part": max(1, held // 2), "more": held + 1}[part]
        self.queue([PostHold(payee.address, hold_id, Amount(min(amount, AMOUNT_MAX)))], [payee])

    @rule(known=likely, as_payee=likely, data=st.data())
    def void_hold(self, known: bool, as_payee: bool, data: st.DataObject) -> None:
        hold_id, hold = self.pick_hold(data, known)
        payee = PARTY_BY_ADDRESS[hold.payee] if hold and as_payee else data.draw(parties)
        self.queue([VoidHold(payee.address, hold_id)], [payee])

    # -- controls ---------------------------------------------------------------------

    @rule(
        authority=st.sampled_from([ISSUER, REGULATOR, ALICE]),
        account=parties,
        symbol=symbols,
        flags=st.sampled_from([(False, False), (True, False), (True, True), (False, True)]),
        partial=st.sampled_from(["none", "some", "all", "too much"]),
    )
    def freeze(
        self,
        authority: Party,
        account: Party,
        symbol: str,
        flags: tuple[bool, bool],
        partial: str,
    ) -> None:
        line = self.model.line(account.address, symbol)
        free = line.amount - line.held
        amount = {"none": 0, "some": free // 2, "all": free, "too much": free + 1}[partial]
        message = Freeze(
            authority.address, symbol, account.address, flags[0], flags[1], Amount(amount)
        )
        self.queue([message], [authority])

    @rule(
        authority=st.sampled_from([ISSUER, REGULATOR, ALICE]),
        symbol=symbols,
        frozen=st.booleans(),
    )
    def freeze_asset(self, authority: Party, symbol: str, frozen: bool) -> None:
        self.queue([FreezeAsset(authority.address, symbol, frozen)], [authority])

    @rule(issuer=parties, as_issuer=likely, symbol=symbols, paused=st.booleans())
    def pause(self, issuer: Party, as_issuer: bool, symbol: str, paused: bool) -> None:
        issuer = self.issuer_of(symbol, issuer, as_issuer)
        self.queue([Pause(issuer.address, symbol, paused)], [issuer])

    @rule(
        issuer=parties,
        as_issuer=likely,
        account=parties,
        symbol=symbols,
        amount=amounts,
        data=st.data(),
    )
    def clawback(
        self,
        issuer: Party,
        as_issuer: bool,
        account: Party,
        symbol: str,
        amount: int,
        data: st.DataObject,
    ) -> None:
        issuer = self.issuer_of(symbol, issuer, as_issuer)
        line = self.model.line(account.address, symbol)
        if line.amount and data.draw(likely):
            amount = data.draw(st.integers(1, line.amount))
        message = Clawback(issuer.address, symbol, account.address, Amount(amount))
        self.queue([message], [issuer])

    @rule(
        admin=parties,
        as_admin=likely,
        account=parties,
        role=st.sampled_from(ROLES),
        grant=st.booleans(),
    )
    def change_role(
        self, admin: Party, as_admin: bool, account: Party, role: str, grant: bool
    ) -> None:
        if as_admin:
            admins = [p for p in PARTIES if "admin" in self.model.roles.get(p.address, set())]
            admin = admins[0] if admins else admin
        kind = GrantRole if grant else RevokeRole
        self.queue([kind(admin.address, account.address, role)], [admin])

    # -- time and blocks --------------------------------------------------------------

    @precondition(lambda self: not self.pending)
    @rule(step_ms=steps)
    def set_next_block_time(self, step_ms: int) -> None:
        """Choose how far the next block lies ahead (before anything is queued in it)."""
        self.block_time_ms = self.chain.time_ms + step_ms

    @rule()
    def produce_block(self) -> None:
        raws = [raw for raw, _ in self.pending]
        outcome = self.chain.block(raws, time_ms=self.block_time_ms)  # checks invariants
        self.blocks += 1
        got = [(tx.result.codespace, tx.result.code, tx.result.message_index) for tx in outcome.txs]
        assert got == [expected for _, expected in self.pending]
        for tx in outcome.txs:
            # Every applied message emits an event; a rejected transaction emits none.
            assert bool(tx.events) == tx.result.ok
            event(f"result {tx.result.codespace}/{tx.result.code}")  # --hypothesis-show-statistics
        expired = self.model.expire(self.block_time_ms)
        assert len(outcome.block_events) == expired
        if expired:
            event("holds expired")
        self.pending = []
        self.block_time_ms = self.chain.time_ms + BLOCK_STEP_MS
        self.check_state_equals_model()

    def check_state_equals_model(self) -> None:
        store = self.chain.store
        lines: dict[tuple[Address, str], Balance] = {}
        sums: dict[str, int] = {}
        for key, raw in store.scan(BALANCE_PREFIX):
            account, symbol = split_balance_key(key)
            line = decode(raw, Balance)
            # available >= 0 and holds <= balance, on every line.
            assert line.available >= 0 and line.held <= line.amount
            lines[(account, symbol)] = line
            sums[symbol] = sums.get(symbol, 0) + line.amount
        assert lines == self.model.lines
        holds = {
            key[len(HOLD_PREFIX) :]: msgspec.structs.replace(decode(raw, Hold), created_height=0)
            for key, raw in store.scan(HOLD_PREFIX)
        }
        assert holds == self.model.holds
        held: dict[tuple[Address, str], int] = {}
        for hold in holds.values():
            held[(hold.payer, hold.symbol)] = held.get((hold.payer, hold.symbol), 0) + hold.amount
        assert held == {key: line.held for key, line in lines.items() if line.held}
        assets = {}
        for _, raw in store.scan(ASSET_PREFIX):
            record = decode(raw, AssetRecord)
            # Supply conservation: the supply is the sum of the balances.
            assert record.supply == sums.get(record.symbol, 0)
            assets[record.symbol] = (
                record.issuer,
                int(record.max_supply),
                int(record.supply),
                record.paused,
                record.global_freeze,
            )
        assert assets == {
            symbol: (a.issuer, a.max_supply, a.supply, a.paused, a.global_freeze)
            for symbol, a in self.model.assets.items()
        }
        for party_ in PARTIES:
            record = load_account(store, party_.address)
            roles = [] if record is None else record.roles
            assert roles == sorted(self.model.roles.get(party_.address, set()))
        # The root depends only on the state, not on the order of the writes that made it.
        rebuilt = SqliteStore(None)
        try:
            assert rebuilt.prepare_root(self.chain.state_items()).root_hash == (
                self.chain.state_root
            )
        finally:
            rebuilt.close()


LedgerMachine.TestCase.settings = settings(
    max_examples=60,
    stateful_step_count=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_ledger_random_blocks_match_model = LedgerMachine.TestCase
