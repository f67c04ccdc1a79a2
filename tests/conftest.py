"""Shared helpers for the kernel's tests: fixed keys, signed transactions, an in-memory chain.

Everything here is deterministic: keys come from fixed seeds, block times advance by a
fixed step, and nothing reads the wall clock.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pytest

from originledger.app import (
    Application,
    BlockOutcome,
    BlockRequest,
    CheckResult,
    Registry,
    TxOutcome,
)
from originledger.core.address import Address, account_address
from originledger.core.amounts import Amount
from originledger.core.codes import ResultCode
from originledger.core.crypto import SigningKey
from originledger.core.tx import SPENT_PREFIX, Msg, build_body, build_signed, signing_digest
from originledger.genesis import GenesisBuilder
from originledger.modules.accounts import Role, has_role
from originledger.modules.accounts.types import GrantRole
from originledger.modules.assets.logic import balance_of, load_asset
from originledger.modules.assets.types import AttestReserves, Issue, Mint
from originledger.store import SqliteStore
from tests import prerequisites


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{prerequisites.MARKER}(name, ...): needs a prerequisite (tests/prerequisites.py)",
    )


def pytest_collection_finish(session: pytest.Session) -> None:
    """Before the first test: get what the selected tests need (Go, Chromium, PostgreSQL,
    zbar, ...) or stop, naming the one command that installs what is missing."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")

    def log(line: str) -> None:
        if reporter is not None:
            reporter.write_line(line)

    message = prerequisites.missing_prerequisites(session.items, log)
    if message is not None:
        if reporter is not None:
            reporter.write_line("")
            reporter.write_line(message, red=True, bold=True)
        pytest.exit(
            "prerequisites are missing (above)" if reporter is not None else message,
            returncode=pytest.ExitCode.USAGE_ERROR,
        )


CHAIN_ID = "origin-test"
GENESIS_TIME_MS = 1_700_000_000_000
BLOCK_STEP_MS = 1_000
TX_LIFETIME_MS = 60_000


def key_for(name: str) -> SigningKey:
    """The signing key of a named test participant, from a fixed seed."""
    return SigningKey(hashlib.sha256(b"origin/test-key/" + name.encode()).digest())


def address_of(key: SigningKey) -> Address:
    return account_address(key.public_key)


@dataclass(frozen=True)
class Party:
    """A named test participant: its key and its address."""

    name: str
    key: SigningKey
    address: Address


def party(name: str) -> Party:
    key = key_for(name)
    return Party(name, key, address_of(key))


VALIDATOR = party("validator")
ADMIN = party("admin")
ISSUER = party("issuer")
ALICE = party("alice")
BOB = party("bob")
CAROL = party("carol")


def sign_tx(
    messages: Sequence[Msg],
    signers: Sequence[SigningKey],
    *,
    chain_id: str = CHAIN_ID,
    client_id: int = 0,
    expires_at_ms: int,
    memo: str = "",
    signature_keys: Sequence[SigningKey] | None = None,
) -> bytes:
    """Build a transaction's body and sign it with each signer (or ``signature_keys``)."""
    body = build_body(
        chain_id=chain_id,
        client_id=client_id,
        expires_at_ms=expires_at_ms,
        signers=[key.public_key for key in signers],
        messages=messages,
        memo=memo,
    )
    digest = signing_digest(body)
    keys = signers if signature_keys is None else signature_keys
    return build_signed(body, [key.sign(digest) for key in keys])


def genesis_builder(chain_id: str = CHAIN_ID) -> GenesisBuilder:
    """The test chain's genesis: VALIDATOR (power 1) at GENESIS_TIME_MS, with the accounts
    and assets sections written even while empty."""
    return (
        GenesisBuilder(chain_id, genesis_time_ms=GENESIS_TIME_MS)
        .validator(VALIDATOR.key.public_key, power=1)
        .accounts()
        .assets()
        .balances()
    )


def default_genesis() -> dict[str, Any]:
    """ADMIN holds the admin role, ISSUER the issuer role; no assets yet."""
    return (
        genesis_builder()
        .account(ADMIN.address, roles=["admin"])
        .account(ISSUER.address, roles=["issuer"])
        .document()
    )


class Chain:
    """An Application over an in-memory SqliteStore, driven one block at a time."""

    def __init__(
        self,
        genesis: dict[str, Any] | None = None,
        registry: Registry | None = None,
        store: SqliteStore | None = None,
    ) -> None:
        self.store = SqliteStore(None) if store is None else store
        self.app = Application(self.store, registry)
        self.genesis_app_hash = self.app.init_chain(
            json.dumps(genesis or default_genesis()).encode()
        )
        self.time_ms = GENESIS_TIME_MS
        self._client_id = 0

    # -- transactions -----------------------------------------------------------------

    @property
    def next_time_ms(self) -> int:
        return self.time_ms + BLOCK_STEP_MS

    def tx(
        self,
        messages: Msg | Sequence[Msg],
        signers: Party | Sequence[Party],
        **options: Any,
    ) -> bytes:
        """A signed transaction valid for the next block, with a fresh client id."""
        if isinstance(messages, Msg):
            messages = [messages]
        if isinstance(signers, Party):
            signers = [signers]
        self._client_id += 1
        options.setdefault("client_id", self._client_id)
        options.setdefault("expires_at_ms", self.next_time_ms + TX_LIFETIME_MS)
        return sign_tx(messages, [signer.key for signer in signers], **options)

    def check(self, raw: bytes) -> CheckResult:
        return self.app.check_tx(raw, self.next_time_ms)

    # -- blocks -----------------------------------------------------------------------

    @property
    def height(self) -> int:
        info = self.app.info()
        return 0 if info is None else info.height

    @property
    def state_root(self) -> bytes:
        info = self.app.info()
        if info is None:
            raise RuntimeError("no chain")
        return info.app_hash

    def finalize(self, txs: Sequence[bytes], time_ms: int | None = None) -> BlockOutcome:
        request = BlockRequest(
            height=self.height + 1,
            time_ms=self.next_time_ms if time_ms is None else time_ms,
            proposer=VALIDATOR.key.public_key,
            txs=list(txs),
        )
        return self.app.finalize_block(request)

    def block(self, txs: Sequence[bytes], time_ms: int | None = None) -> BlockOutcome:
        """Finalize and commit one block, then check every registered invariant."""
        outcome = self.finalize(txs, time_ms)
        self.app.commit()
        self.time_ms = outcome.header.time_ms
        self.app.check_invariants()
        return outcome

    def run(self, messages: Msg | Sequence[Msg], signers: Party | Sequence[Party]) -> TxOutcome:
        """One transaction in one committed block; returns its outcome."""
        return self.block([self.tx(messages, signers)]).txs[0]

    # -- state ------------------------------------------------------------------------

    def balance(self, account: Party | Address, symbol: str) -> int:
        address = account.address if isinstance(account, Party) else account
        return int(balance_of(self.store, address, symbol))

    def supply(self, symbol: str) -> int:
        asset = load_asset(self.store, symbol)
        if asset is None:
            raise KeyError(symbol)
        return int(asset.supply)

    def state_items(self) -> dict[bytes, bytes]:
        return dict(self.store.scan(b""))

    def module_state(self) -> dict[bytes, bytes]:
        """Committed state without the kernel's records of spent hashes (``tx/spent/``):
        what the modules hold. A failed transaction that spent its hash changes the
        state root (its hash is recorded) but never this."""
        return {k: v for k, v in self.store.scan(b"") if not k.startswith(SPENT_PREFIX)}

    def issue_and_mint(
        self,
        symbol: str,
        holders: dict[Party, int],
        *,
        issuer: Party = ISSUER,
        asset_class: str = "payment",
        max_supply: int = 10**12,
        decimals: int = 2,
    ) -> None:
        """Issue an asset and mint opening balances in one block; fails the test otherwise.

        A payment asset's mints need reserves: the issuer is made its own custodian (ADMIN
        grants the role in the same transaction) and attests reserves of ``max_supply``.
        """
        messages: list[Msg] = [
            Issue(
                issuer.address, symbol, f"{symbol} token", decimals, asset_class, Amount(max_supply)
            )
        ]
        signers = [issuer]
        if asset_class == "payment":
            if not has_role(self.store, issuer.address, Role.CUSTODIAN):
                messages.insert(0, GrantRole(ADMIN.address, issuer.address, "custodian"))
                signers.append(ADMIN)
            messages.append(
                AttestReserves(issuer.address, symbol, Amount(max_supply), self.next_time_ms)
            )
        messages += [
            Mint(issuer.address, symbol, holder.address, Amount(amount))
            for holder, amount in holders.items()
        ]
        outcome = self.run(messages, signers)
        if not outcome.result.ok:
            raise AssertionError(f"setup failed: {outcome.result}")


class DictStore:
    """Just enough of a store for ``check_invariants``: get and ordered scan."""

    def __init__(self, items: dict[bytes, bytes]) -> None:
        self.items = items

    def get(self, key: bytes) -> bytes | None:
        return self.items.get(key)

    def scan(self, prefix: bytes) -> Iterator[tuple[bytes, bytes]]:
        for key in sorted(self.items):
            if key.startswith(prefix):
                yield key, self.items[key]


def close_chain(chain: Chain) -> None:
    chain.store.close()


@pytest.fixture
def chain() -> Iterator[Chain]:
    """A fresh chain at height 0: ADMIN is an admin, ISSUER an issuer."""
    fresh = Chain()
    yield fresh
    close_chain(fresh)


@pytest.fixture
def funded_chain() -> Iterator[Chain]:
    """A chain with USD (payment, 2 decimals, issued by ISSUER): ALICE 1000, BOB 500."""
    fresh = Chain()
    fresh.issue_and_mint("USD", {ALICE: 1_000, BOB: 500})
    yield fresh
    close_chain(fresh)


def assert_failed(outcome: TxOutcome, code: ResultCode, message_index: int = 0) -> None:
    """The transaction failed with ``code`` at ``message_index``, and emitted nothing."""
    result = outcome.result
    assert (result.codespace, result.code) == (code.codespace, code), result
    assert result.message_index == message_index
    assert result.message.startswith(code.message)
    assert outcome.events == []
