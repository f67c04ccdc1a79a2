"""A state machine test of the ledger: random blocks of issues, mints, burns, transfers and
role changes among a handful of accounts, checked against a simple model.

Each rule queues one signed transaction and predicts its result on the model at once
(transactions of a block run in queue order). ``produce_block`` runs the queue as one
block and then checks every predicted result, the registered invariants, that balances,
assets and roles in state equal the model, and that the state root equals the root of
the same state written into an empty tree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule

from originledger.core.address import Address
from originledger.core.amounts import Amount
from originledger.core.codec import decode
from originledger.core.limits import AMOUNT_MAX
from originledger.core.tx import Msg
from originledger.modules.accounts import load_account
from originledger.modules.accounts.types import GrantRole, RevokeRole
from originledger.modules.assets.keys import ASSET_PREFIX, BALANCE_PREFIX, split_balance_key
from originledger.modules.assets.types import (
    CLASS_POLICIES,
    AssetRecord,
    Balance,
    Burn,
    Issue,
    Mint,
    Transfer,
)
from originledger.store import SqliteStore
from tests.conftest import ADMIN, ALICE, BOB, CAROL, ISSUER, Chain, Party, close_chain

PARTIES = (ADMIN, ISSUER, ALICE, BOB, CAROL)
PARTY_BY_ADDRESS = {party.address: party for party in PARTIES}
SYMBOLS = ("AAA", "BBB", "CCC")
ROLES = ("admin", "issuer", "oracle")
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

Expected = tuple[str, int, int]


@dataclass
class AssetModel:
    issuer: Address
    max_supply: int
    supply: int = 0


@dataclass
class Model:
    """What the ledger should hold: roles, assets, and non-zero balances."""

    roles: dict[Address, set[str]] = field(default_factory=dict)
    assets: dict[str, AssetModel] = field(default_factory=dict)
    balances: dict[tuple[Address, str], int] = field(default_factory=dict)

    def clone(self) -> Model:
        return Model(
            {address: set(roles) for address, roles in self.roles.items()},
            {
                symbol: AssetModel(a.issuer, a.max_supply, a.supply)
                for symbol, a in self.assets.items()
            },
            dict(self.balances),
        )

    def balance(self, account: Address, symbol: str) -> int:
        return self.balances.get((account, symbol), 0)

    def set_balance(self, account: Address, symbol: str, amount: int) -> None:
        if amount:
            self.balances[(account, symbol)] = amount
        else:
            self.balances.pop((account, symbol), None)

    def apply(self, message: Msg) -> tuple[str, int] | None:
        """Apply one message; return ``(codespace, code)`` when it must fail."""
        if isinstance(message, Issue):
            if message.symbol in self.assets:
                return ("assets", 11)  # SYMBOL_TAKEN
            needs_role = CLASS_POLICIES[message.asset_class].issuer_role_required
            if needs_role and "issuer" not in self.roles.get(message.issuer, set()):
                return ("assets", 12)  # ISSUER_ROLE_REQUIRED
            self.assets[message.symbol] = AssetModel(message.issuer, message.max_supply)
            return None
        if isinstance(message, Mint | Burn):
            asset = self.assets.get(message.symbol)
            if asset is None:
                return ("assets", 10)  # ASSET_NOT_FOUND
            if asset.issuer != message.issuer:
                return ("assets", 13)  # NOT_ISSUER
            if isinstance(message, Mint):
                if asset.supply + message.amount > asset.max_supply:
                    return ("assets", 14)  # MAX_SUPPLY_EXCEEDED
                asset.supply += message.amount
                self.set_balance(
                    message.recipient,
                    message.symbol,
                    self.balance(message.recipient, message.symbol) + message.amount,
                )
                return None
            held = self.balance(message.issuer, message.symbol)
            if held < message.amount:
                return ("assets", 15)  # INSUFFICIENT_BALANCE
            asset.supply -= message.amount
            self.set_balance(message.issuer, message.symbol, held - message.amount)
            return None
        if isinstance(message, Transfer):
            if message.sender == message.recipient:
                return ("assets", 6)  # SELF_TRANSFER
            if message.symbol not in self.assets:
                return ("assets", 10)  # ASSET_NOT_FOUND
            held = self.balance(message.sender, message.symbol)
            if held < message.amount:
                return ("assets", 15)  # INSUFFICIENT_BALANCE
            self.set_balance(message.sender, message.symbol, held - message.amount)
            self.set_balance(
                message.recipient,
                message.symbol,
                self.balance(message.recipient, message.symbol) + message.amount,
            )
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


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.chain = Chain()
        self.model = Model(roles={ADMIN.address: {"admin"}, ISSUER.address: {"issuer"}})
        self.pending: list[tuple[bytes, Expected]] = []
        self.blocks = 0

    def teardown(self) -> None:
        if self.pending:
            self.produce_block()
        close_chain(self.chain)

    # -- queueing ---------------------------------------------------------------------

    def queue(self, messages: list[Msg], signers: list[Party]) -> None:
        unique_signers = list(dict.fromkeys(signers))
        raw = self.chain.tx(messages, unique_signers)
        trial = self.model.clone()
        expected: Expected = OK
        for index, message in enumerate(messages):
            failure = trial.apply(message)
            if failure is not None:
                expected = (*failure, index)
                break
        else:
            self.model = trial
        self.pending.append((raw, expected))

    @rule(issuer=parties, symbol=symbols, asset_class=asset_classes, max_supply=max_supplies)
    def issue(self, issuer: Party, symbol: str, asset_class: str, max_supply: int) -> None:
        message = Issue(
            issuer.address, symbol, f"{symbol} coin", 2, asset_class, Amount(max_supply)
        )
        self.queue([message], [issuer])

    def issuer_of(self, symbol: str, fallback: Party, as_issuer: bool) -> Party:
        asset = self.model.assets.get(symbol)
        return PARTY_BY_ADDRESS[asset.issuer] if as_issuer and asset else fallback

    def holder_of(self, symbol: str, fallback: Party, data: st.DataObject) -> Party:
        holders = [p for p in PARTIES if self.model.balance(p.address, symbol)]
        return data.draw(st.sampled_from(holders)) if holders else fallback

    @initialize()
    def open_with_one_asset(self) -> None:
        messages: list[Msg] = [
            Issue(ISSUER.address, "AAA", "AAA coin", 2, "payment", Amount(10**6)),
            Mint(ISSUER.address, "AAA", ALICE.address, Amount(500)),
            Mint(ISSUER.address, "AAA", BOB.address, Amount(300)),
        ]
        self.queue(messages, [ISSUER])
        self.produce_block()

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

    # -- blocks -----------------------------------------------------------------------

    @rule()
    def produce_block(self) -> None:
        raws = [raw for raw, _ in self.pending]
        outcome = self.chain.block(raws)  # checks the registered invariants
        self.blocks += 1
        got = [(tx.result.codespace, tx.result.code, tx.result.message_index) for tx in outcome.txs]
        assert got == [expected for _, expected in self.pending]
        for tx in outcome.txs:
            # Every applied message emits an event; a rejected transaction emits none.
            assert bool(tx.events) == tx.result.ok
            event(f"result {tx.result.codespace}/{tx.result.code}")  # --hypothesis-show-statistics
        self.pending = []
        self.check_state_equals_model()

    def check_state_equals_model(self) -> None:
        store = self.chain.store
        balances: dict[tuple[Address, str], int] = {}
        for key, raw in store.scan(BALANCE_PREFIX):
            account, symbol = split_balance_key(key)
            balances[(account, symbol)] = int(decode(raw, Balance).amount)
        assert balances == self.model.balances
        assets = {}
        for _, raw in store.scan(ASSET_PREFIX):
            record = decode(raw, AssetRecord)
            assets[record.symbol] = (record.issuer, int(record.max_supply), int(record.supply))
        assert assets == {
            symbol: (a.issuer, a.max_supply, a.supply) for symbol, a in self.model.assets.items()
        }
        for party in PARTIES:
            record = load_account(store, party.address)
            roles = [] if record is None else record.roles
            assert roles == sorted(self.model.roles.get(party.address, set()))
        # The root depends only on the state, not on the order of the writes that made it.
        rebuilt = SqliteStore(None)
        try:
            assert rebuilt.prepare_root(self.chain.state_items()).root_hash == (
                self.chain.state_root
            )
        finally:
            rebuilt.close()


LedgerMachine.TestCase.settings = settings(
    max_examples=30,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_ledger_random_blocks_match_model = LedgerMachine.TestCase
