"""The Application: the modules composed into one deterministic state machine.

Its methods have the shape of ABCI 2.0 so that a driver is only a transport: the embedded
driver (``node/embedded.py``) calls them in-process; the CometBFT driver calls them from
the ABCI socket. Execution never touches the disk; ``commit`` hands everything a block did
to the store, which persists it in one SQLite transaction.

Wiring (``wire_modules``): a module calls another only through what it declares in its
``expected.py`` (one Protocol per provider, Cosmos's expected keepers), and this file is
the only place that hands it the provider's public face (``<provider>/public.py``); data
types and result codes are the only imports between modules (``core/wiring.py``).

Composition order (``DEFAULT_MODULES`` in ``modules/catalogue.py``; it is also the order
of genesis and of end-of-block hooks):
  1. accounts: every other module checks roles through it;
  2. assets: balances and supply, which later modules (payments, lending, ...) move through
     the narrow protocol of ``originledger.modules.assets.public``;
  3. attest: schemas, attestations and trusted attesters; reads roles (accounts) and asset
     issuers (assets), and its claims protocol serves compliance and identity;
  4. compliance: policy packs, regulators, approvals; guards assets' messages with the
     holder checks, which read claims (attest), asset records (assets) and roles
     (accounts): it comes after all three, so its genesis can name their accounts and its
     guards run after theirs (none today) and before the assets handlers.
  5. payments: requests, authorizations, escrow, channels, swaps; moves units through the
     assets protocol and runs compliance's holder checks on whoever receives them, so it
     comes after both; its end-of-block hook (authorization expiry) runs after the assets
     hook, which has usually released the expired holds already.
  6. clearing: cycles and multilateral netting; settles through the assets protocol with
     compliance's holder checks, like payments; it has no end-of-block hook.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

import msgspec

from originledger.core.block import (
    BlockHeader,
    CommitSignature,
    Genesis,
    encoded_list,
    header_hash,
    result_leaf,
)
from originledger.core.catalogue import Catalogue
from originledger.core.codec import CodecError, encode, from_json
from originledger.core.codes import TxCode, TxResult
from originledger.core.consensus import (
    ConsensusVersions,
    local_consensus_versions,
    require_consensus_versions,
)
from originledger.core.context import (
    BlockContext,
    BlockState,
    Event,
    NestedBlockState,
    StateGetter,
    TxContext,
    TxState,
)
from originledger.core.crypto import PUBLIC_KEY_BYTES, sha256, verify_signature
from originledger.core.limits import (
    BLOCK_BYTES_MAX,
    BLOCK_TXS_MAX,
    CHAIN_ID_BYTES_MAX,
    EVENTS_PER_TX_MAX,
    TIME_MS_MAX,
    TX_TTL_MS_MAX,
)
from originledger.core.merkle import list_root
from originledger.core.module import (
    BLOCK_TIME_PARAMETER,
    EndBlockFailed,
    GenesisStream,
    Guard,
    HaltNode,
    InvariantBroken,
    Module,
    MovementWatch,
    Prefetch,
    QueryError,
)
from originledger.core.tx import (
    SPENT_PREFIX,
    SPENT_PRUNE_MAX,
    Failure,
    Msg,
    Tx,
    signing_digest,
    spent_records,
)
from originledger.modules import (
    accounts,
    assets,
    attest,
    clearing,
    compliance,
    payments,
    validators,
)
from originledger.modules.accounts import public as accounts_public
from originledger.modules.accounts.counterparties import (
    AccountCheck,
    account_checks,
    module_accounts,
)
from originledger.modules.accounts.keys import account_key
from originledger.modules.assets import public as assets_public
from originledger.modules.attest import public as attest_public
from originledger.modules.catalogue import DEFAULT_MODULES
from originledger.modules.compliance import public as compliance_public

__all__ = [
    "DEFAULT_MODULES",
    "AppInfo",
    "Application",
    "BlockOutcome",
    "BlockRequest",
    "CheckResult",
    "EventRecord",
    "Registry",
    "StateStore",
    "TxOutcome",
    "default_registry",
]

log = logging.getLogger("originledger.app")


def wire_modules() -> None:
    """The one place where modules meet: hand each module the public face of every module
    it expects (its ``expected.py``), in composition order. Minting and burning
    (``modules/assets/supply.py``) are a capability: no module of this composition is
    handed it. Runs once, when this file is imported, before any block."""
    assets.wire(accounts=accounts_public)
    attest.wire(accounts=accounts_public, assets=assets_public)
    compliance.wire(accounts=accounts_public, assets=assets_public, attest=attest_public)
    payments.wire(assets=assets_public, compliance=compliance_public)
    clearing.wire(assets=assets_public, compliance=compliance_public)
    validators.wire(accounts=accounts_public)


wire_modules()

SignatureCheck = tuple[bytes, bytes, bytes]  # public key, digest, signature
Verifier = Callable[[Sequence[SignatureCheck]], list[bool]]


def verify_sequentially(checks: Sequence[SignatureCheck]) -> list[bool]:
    return [verify_signature(key, digest, signature) for key, digest, signature in checks]


class Registry(Catalogue):
    """Everything known about the composed modules: the catalogue of their messages and
    events (``core/catalogue.py``), and what executing them needs."""

    def __init__(self, modules: Sequence[Module]) -> None:
        super().__init__(modules)
        self.handlers: dict[type[Msg], Callable[[TxContext, Any], Failure | None]] = {}
        for module in modules:
            self.handlers.update(module.handlers)
        # Guards run in module order, before the handler of the message they guard.
        self.guards: dict[type[Msg], tuple[Guard, ...]] = {}
        for module in modules:
            for kind, guard in module.guards.items():
                if kind not in self.handlers:
                    raise ValueError(
                        f"{module.name} guards {kind.__name__}, which no module handles"
                    )
                self.guards[kind] = (*self.guards.get(kind, ()), guard)
        # Module accounts are not counterparties: one check per message type with an
        # address field (see modules/accounts/counterparties.py).
        self.account_checks: dict[type[Msg], AccountCheck] = account_checks(modules)
        self.module_accounts = frozenset(module_accounts(modules))
        # The modules that watch every movement of units (monitoring), in module order.
        self.movement_watches: tuple[MovementWatch, ...] = tuple(
            module.watch_movements for module in modules if module.watch_movements is not None
        )
        # What each message type declares it will read (``Module.prefetch``), in module order.
        self.prefetch: dict[type[Msg], tuple[Prefetch, ...]] = {}
        for module in modules:
            for kind, declare in module.prefetch.items():
                self.prefetch[kind] = (*self.prefetch.get(kind, ()), declare)


@functools.cache
def default_registry() -> Registry:
    """The registry of ``DEFAULT_MODULES`` (built once)."""
    return Registry(DEFAULT_MODULES)


class PendingRoot(Protocol):
    root_hash: bytes


class StateStore(Protocol):
    """What the Application needs from the shell's store (``store/sqlite.py``)."""

    def get(self, key: bytes) -> bytes | None: ...

    def scan(self, prefix: bytes) -> Iterator[tuple[bytes, bytes]]: ...

    def prepare_root(self, writes: Mapping[bytes, bytes | None]) -> PendingRoot: ...

    def committed_tx_hashes(self, hashes: Sequence[bytes]) -> set[bytes]: ...

    def spent_tx_hashes(self, hashes: Sequence[bytes]) -> set[bytes]: ...

    def scan_range(self, start: bytes, end: bytes, limit: int) -> list[tuple[bytes, bytes]]: ...

    def chain_meta(self) -> ChainMeta | None: ...

    def commit_genesis(self, genesis_raw: bytes, outcome: BlockOutcome) -> None: ...

    def import_genesis(
        self, genesis_raw: bytes, height: int
    ) -> AbstractContextManager[GenesisSink]: ...

    def commit_block(
        self, outcome: BlockOutcome, signatures: Sequence[CommitSignature]
    ) -> None: ...


class GenesisSink(Protocol):
    """A genesis being imported in chunks, in one store transaction (``import_genesis``):
    reads see the chunks written so far; nothing is committed unless ``finish`` is called
    and the ``with`` block ends without an exception."""

    def get(self, key: bytes) -> bytes | None: ...

    def write(self, writes: Mapping[bytes, bytes | None], events: Sequence[Event]) -> None:
        """Write a chunk: its state writes (into the state and the tree) and the genesis
        events that follow those already written."""

    def root_hash(self) -> bytes: ...

    def finish(self, header: BlockHeader) -> None:
        """Record the genesis document and the chain's meta (``header`` of height 0)."""


GenesisProgress = Callable[[str, int, int], None]
"""``progress(section, done, total)``: the records of a long genesis list (``"accounts.
accounts"``, ``"assets.balances"``) applied so far, as the streamed import goes."""

# Writes (or events) held before a chunk of the streamed genesis import is flushed to the
# store, and records of a long list decoded at a time.
GENESIS_CHUNK_WRITES = 100_000
GENESIS_DECODE_RECORDS = 20_000
_SECTION_COPIED_BELOW = 64


class ChainMeta(msgspec.Struct, frozen=True):
    """The store's record of where the chain stands (after the last commit)."""

    chain_id: str
    genesis_hash: bytes
    height: int
    last_hash: bytes  # hash of the last header, or of the genesis document at height 0
    app_hash: bytes
    time_ms: int


class AppInfo(msgspec.Struct, frozen=True):
    chain_id: str
    height: int
    app_hash: bytes
    last_hash: bytes
    time_ms: int
    modules: dict[str, int]


class CheckResult(msgspec.Struct, frozen=True):
    """The answer to ``check_tx``: the hash (when it decoded) and the result."""

    hash: bytes | None
    result: TxResult
    tx: Any = None  # the decoded ``Tx`` when accepted

    @property
    def ok(self) -> bool:
        return self.result.ok


class BlockRequest(msgspec.Struct, frozen=True):
    height: int
    time_ms: int
    proposer: bytes
    txs: list[bytes]


class EventRecord(msgspec.Struct, frozen=True):
    """An event with its durable cursor ``(height, index)``; ``tx_index`` is -1 for events
    of the block itself (genesis, end-of-block hooks)."""

    height: int
    index: int
    tx_index: int
    event: Event


class TxOutcome(msgspec.Struct, frozen=True):
    hash: bytes
    index: int
    raw: bytes
    result: TxResult
    events: list[Event]
    # Each event's encoding, once: the store's event rows, and (``encoded_list``) the
    # encoding of ``events`` hashed into the result leaf.
    event_encodings: list[bytes]


@dataclass
class BlockOutcome:
    """Everything a finalized block did, held in memory until ``commit``."""

    header: BlockHeader
    txs: list[TxOutcome]
    block_events: list[Event]
    writes: dict[bytes, bytes | None]
    pending_root: PendingRoot
    # Each transaction's ``ResultLeaf``, encoded (what the results root and proofs use).
    result_leaves: list[bytes] = field(default_factory=list)
    # Changes of the consensus validator set (Ed25519 key, new power; 0 removes), from
    # the validators module's events: network mode hands them to CometBFT.
    validator_updates: list[tuple[bytes, int]] = field(default_factory=list)

    @property
    def app_hash(self) -> bytes:
        return self.header.state_root

    @property
    def hash(self) -> bytes:
        return header_hash(self.header)

    def event_records(self) -> list[EventRecord]:
        records: list[EventRecord] = []
        for outcome in self.txs:
            for event in outcome.events:
                records.append(EventRecord(self.header.height, len(records), outcome.index, event))
        for event in self.block_events:
            records.append(EventRecord(self.header.height, len(records), -1, event))
        return records


# Errors the barrier lets through: the node halts. ``MemoryError`` and ``RecursionError``
# depend on the machine and the interpreter, not on the transaction: failing the
# transaction on one validator only would fork the chain.
_NOT_CONTAINED = (HaltNode, MemoryError, RecursionError)
_ERROR_TEXT_MAX = 200
_MEMORY_ADDRESS = re.compile(r"\s*\bat 0x[0-9a-fA-F]+")


def describe_error(error: BaseException) -> str:
    """The exception's class name and text, without memory addresses, cut to a bound: what
    the node logs about a contained error (with its traceback)."""
    text = _MEMORY_ADDRESS.sub("", str(error))
    described = f"{type(error).__name__}: {text}" if text else type(error).__name__
    return described[:_ERROR_TEXT_MAX]


def recorded_error(error: BaseException) -> str:
    """What a ``tx/INTERNAL`` result and a ``kernel/end_block_failed`` event record: the
    exception's class name only. The record is consensus data, and an exception's text is
    not stable enough for it (a built-in's wording changes between Python versions, a
    module's may quote a set whose order depends on the hash seed); the node logs the
    text and the traceback."""
    return type(error).__name__[:_ERROR_TEXT_MAX]


class Application:
    """The state machine. One instance per store; drivers call it from one thread."""

    def __init__(
        self,
        store: StateStore,
        registry: Registry | None = None,
        *,
        verifier: Verifier = verify_sequentially,
        verified_cache_max: int = 400_000,
    ) -> None:
        self.store = store
        self.registry = registry or default_registry()
        self.verifier = verifier
        # Transactions whose signatures verified, by raw bytes. API threads add to it
        # (``verify_ahead``) beside the driver's thread: every change happens under
        # ``_verified_lock``; lookups (one dict read, atomic) take no lock.
        self._verified: dict[bytes, Tx] = {}
        self._verified_lock = threading.Lock()
        self._verified_cache_max = verified_cache_max
        self._pending: BlockOutcome | None = None
        # The chain's fee schedule (assets genesis ``fees``; None: no fees), fixed at
        # genesis, read once per chain: the hot path pays one attribute check for it.
        self._fees: assets.FeeSchedule | None = None
        self._fees_genesis: bytes | None = None

    # -- info / genesis -------------------------------------------------------------------

    def consensus_versions(self) -> ConsensusVersions:
        """What this process runs: protocol, msgspec, PyNaCl and the composed modules."""
        return local_consensus_versions((m.name, m.version) for m in self.registry.modules)

    def check_consensus_versions(self, genesis: Genesis) -> None:
        """Raise ``ConsensusVersionError`` when ``genesis`` declares other consensus versions
        than this process runs. Drivers call it before they start or join a chain."""
        declared = genesis.consensus_versions
        require_consensus_versions(declared, self.consensus_versions(), genesis.chain_id)

    def info(self) -> AppInfo | None:
        meta = self.store.chain_meta()
        if meta is None:
            return None
        versions = {module.name: module.version for module in self.registry.modules}
        return AppInfo(
            meta.chain_id, meta.height, meta.app_hash, meta.last_hash, meta.time_ms, versions
        )

    def init_chain(
        self,
        genesis_raw: bytes,
        *,
        progress: GenesisProgress | None = None,
        chunk_writes: int = GENESIS_CHUNK_WRITES,
    ) -> bytes:
        """Write each module's genesis state; returns the genesis app hash.

        The import is streamed: a module's long list (accounts, balances) is decoded a few
        thousand records at a time, and every ``chunk_writes`` writes (or events) go to the
        store and its tree, all in one store transaction. The tree's root does not depend
        on the order of writes, so the state root and the events are those of
        ``genesis_outcome`` (the whole genesis block in memory) for the same document.
        """
        if self.store.chain_meta() is not None:
            raise RuntimeError("the chain is already initialized")
        if chunk_writes < 1:
            raise ValueError(f"chunk_writes must be at least 1, got {chunk_writes}")
        genesis = parse_genesis(genesis_raw)
        self.check_consensus_versions(genesis)
        self._check_genesis_modules(genesis)
        with self.store.import_genesis(genesis_raw, genesis.initial_height - 1) as sink:
            state = BlockState(sink)
            events: list[Event] = []
            for step in self._genesis_steps(genesis, state, progress):
                events.extend(step)
                if len(state.writes) >= chunk_writes or len(events) >= chunk_writes:
                    sink.write(state.writes, events)
                    state.writes = {}
                    events = []
            sink.write(state.writes, events)
            header = self._genesis_header(genesis, sink.root_hash())
            sink.finish(header)
        return header.state_root

    def _check_genesis_modules(self, genesis: Genesis) -> None:
        unknown = set(genesis.app_state) - set(self.registry.by_name)
        if unknown:
            raise ValueError(f"genesis: app_state names unknown modules {sorted(unknown)}")

    def _genesis_steps(
        self, genesis: Genesis, state: BlockState, progress: GenesisProgress | None
    ) -> Iterator[list[Event]]:
        """Each module's genesis in composition order, as steps of events (a streamed
        module's one per record of its long list), then the genesis validators."""
        for module in self.registry.modules:
            raw = genesis.app_state.get(module.name)
            # A short section is copied (and ``null`` read as ``{}``); a long one is read
            # where it is, in the genesis document's bytes.
            section: bytes | msgspec.Raw = b"{}" if raw is None else raw
            if len(section) < _SECTION_COPIED_BELOW:
                section = bytes(section)
                if section.strip() == b"null":
                    section = b"{}"
            if module.genesis_init is None or module.genesis_type is None:
                if msgspec.json.decode(section):
                    raise ValueError(f"genesis: module {module.name} takes no genesis section")
                continue
            stream = module.genesis_stream
            if stream is None:
                decoded = from_json(section, module.genesis_type)
                del raw, section
                yield module.genesis_init(state, decoded)
                continue
            rest, long = _split_section(section, module.genesis_type, stream.field)
            del raw, section
            records = _stream_records(long, stream, f"{module.name}.{stream.field}", progress)
            yield from stream.steps(state, rest, records)
        if validators.MODULE.name in self.registry.by_name:
            # The genesis validators (genesis.json's top level) start the module's set.
            height = genesis.initial_height - 1
            yield validators.record_genesis_validators(state, genesis.validators, height)

    @staticmethod
    def _genesis_header(genesis: Genesis, state_root: bytes) -> BlockHeader:
        return BlockHeader(
            chain_id=genesis.chain_id,
            height=genesis.initial_height - 1,
            time_ms=genesis.genesis_time_ms,
            previous_hash=bytes(32),
            tx_root=list_root([]),
            results_root=list_root([]),
            state_root=state_root,
            tx_count=0,
            proposer=b"",
        )

    def genesis_outcome(self, genesis: Genesis, genesis_raw: bytes) -> BlockOutcome:
        """The whole genesis block in memory (each section decoded at once): what
        ``init_chain`` imports in chunks, kept as its reference for tests and tools."""
        state = BlockState(self.store)
        events: list[Event] = []
        unknown = set(genesis.app_state) - set(self.registry.by_name)
        if unknown:
            raise ValueError(f"genesis: app_state names unknown modules {sorted(unknown)}")
        for module in self.registry.modules:
            raw = genesis.app_state.get(module.name)
            section = bytes(raw) if raw is not None else b"{}"
            if section.strip() == b"null":
                section = b"{}"
            if module.genesis_init is None or module.genesis_type is None:
                if msgspec.json.decode(section):
                    raise ValueError(f"genesis: module {module.name} takes no genesis section")
                continue
            decoded = from_json(section, module.genesis_type)
            del raw, section  # the typed section is all that is needed from here
            events.extend(module.genesis_init(state, decoded))
        if validators.MODULE.name in self.registry.by_name:
            # The genesis validators (genesis.json's top level) start the module's set.
            height = genesis.initial_height - 1
            events.extend(validators.record_genesis_validators(state, genesis.validators, height))
        pending = self.store.prepare_root(state.writes)
        header = BlockHeader(
            chain_id=genesis.chain_id,
            height=genesis.initial_height - 1,
            time_ms=genesis.genesis_time_ms,
            previous_hash=bytes(32),
            tx_root=list_root([]),
            results_root=list_root([]),
            state_root=pending.root_hash,
            tx_count=0,
            proposer=b"",
        )
        return BlockOutcome(header, [], events, state.writes, pending)

    # -- mempool path ---------------------------------------------------------------------

    def check_txs(self, raws: Sequence[bytes], now_ms: int) -> list[CheckResult]:
        """Check transactions for the mempool: stateless checks (of the envelope and of each
        message: ``Msg.validate``), signatures (through the verifier, which may use several
        cores), whether they are already committed, and expiry against ``now_ms``, in
        that order: a committed transaction answers ``ALREADY_COMMITTED`` (its first
        outcome) even after its expiry. Messages are not executed here."""
        meta = self._meta()
        fees = self._load_fees(meta)
        decoded: list[Tx | TxResult] = [self._decode(raw, meta.chain_id) for raw in raws]
        bad = self._verify_signatures(decoded)
        txs = [item for item in decoded if isinstance(item, Tx)]
        committed = self._committed(txs, now_ms)
        results: list[CheckResult] = []
        for position, item in enumerate(decoded):
            if isinstance(item, TxResult):
                results.append(CheckResult(None, item))
                continue
            if position in bad:
                results.append(CheckResult(item.hash, TxResult.failure(TxCode.SIGNATURE_INVALID)))
                continue
            failure = self._envelope_failure(item, now_ms, item.hash in committed)
            if failure is None:
                failure = _stateless_failure(item, self.registry.account_checks)
            if failure is None and fees is not None:
                # Over committed state: a payer who cannot pay would write nothing and
                # spend nothing, so an honest proposer never includes it.
                payer = item.signer_addresses[0]
                refusal = assets.fee_refusal(self.store, fees, payer, len(item.messages))
                if refusal is not None:
                    failure = TxResult.failure(TxCode.FEE_UNPAID, refusal)
            if failure is not None:
                results.append(CheckResult(item.hash, failure))
            else:
                results.append(CheckResult(item.hash, TxResult.success(), item))
        return results

    def _load_fees(self, meta: ChainMeta) -> assets.FeeSchedule | None:
        """The fee schedule of the chain in the store (read once per genesis)."""
        if self._fees_genesis != meta.genesis_hash:
            self._fees = assets.fee_schedule(self.store)
            self._fees_genesis = meta.genesis_hash
        return self._fees

    def _committed(self, txs: Sequence[Tx], now_ms: int) -> set[bytes]:
        """The hashes of ``txs`` that committed: spent in state (every transaction inside
        its expiry window), or, for one already expired (its record may be pruned), in
        the store's transaction index."""
        committed = self.store.spent_tx_hashes([tx.hash for tx in txs])
        expired = [
            tx.hash for tx in txs if tx.body.expires_at_ms <= now_ms and tx.hash not in committed
        ]
        if expired:
            committed |= self.store.committed_tx_hashes(expired)
        return committed

    def check_tx(self, raw: bytes, now_ms: int) -> CheckResult:
        return self.check_txs([raw], now_ms)[0]

    def verify_ahead(self, raws: Sequence[bytes]) -> None:
        """Verify the signatures of transactions not verified yet and remember the good
        ones, so that a later ``check_txs`` or ``finalize_block`` finds them verified.
        Safe beside the driver's thread (it only adds to the cache): a driver calls it
        outside its lock, so that blocks need not wait for signature checks."""
        meta = self.store.chain_meta()
        if meta is None:
            return
        decoded = [
            self.registry.tx_decoder.decode(raw, meta.chain_id)
            for raw in raws
            if raw not in self._verified
        ]
        self._verify_signatures(decoded)

    def recheck_txs(self, raws: Sequence[bytes], now_ms: int) -> list[CheckResult]:
        """The light check of transactions still waiting in a mempool after a block: one
        that passed ``check_txs`` before (its decoded form is remembered) stays while it
        has not expired; any other takes the full check. ``commit`` forgets the bytes it
        committed, so bytes that committed meanwhile (alone or in a batch) take the full
        check, which finds them committed; a same-hash copy with other signature bytes
        stays until the proposal's ``check_txs`` drops it."""
        results: list[CheckResult | None] = []
        others: list[int] = []
        for raw in raws:
            tx = self._verified.get(raw)
            if tx is None:
                others.append(len(results))
                results.append(None)
            elif tx.body.expires_at_ms <= now_ms:
                results.append(CheckResult(tx.hash, TxResult.failure(TxCode.EXPIRED)))
            else:
                results.append(CheckResult(tx.hash, TxResult.success(), tx))
        if others:
            checked = self.check_txs([raws[i] for i in others], now_ms)
            for position, check in zip(others, checked, strict=True):
                results[position] = check
        return [result for result in results if result is not None]

    def _decode(self, raw: bytes, chain_id: str) -> Tx | TxResult:
        cached = self._verified.get(raw)
        if cached is not None:
            return cached
        return self.registry.tx_decoder.decode(raw, chain_id)

    def remember_verified(self, txs: Sequence[Tx]) -> None:
        """Take the signatures of ``txs`` as verified (a driver's API worker processes
        verified them: ``server/ingress.py``), so that ``check_txs`` and
        ``finalize_block`` neither decode nor verify them again."""
        self._remember(txs)

    def _remember(self, txs: Sequence[Tx]) -> None:
        cache = self._verified
        limit = self._verified_cache_max
        with self._verified_lock:
            overflow = len(cache) + len(txs) - limit
            if overflow > 0:
                # Drop the oldest (at least half); dicts keep insertion order.
                for key in list(cache)[: max(overflow, limit // 2)]:
                    del cache[key]
            for tx in txs[-limit:]:
                cache[tx.raw] = tx

    def _envelope_failure(
        self, tx: Tx, time_ms: int, committed: bool, state: BlockState | None = None
    ) -> TxResult | None:
        # Committed first: a committed transaction's answer is its first outcome, at any
        # time (a wallet told that a final payment expired might pay twice).
        if committed:
            return TxResult.failure(TxCode.ALREADY_COMMITTED)
        if tx.body.expires_at_ms <= time_ms:
            return TxResult.failure(TxCode.EXPIRED)
        if tx.body.expires_at_ms > time_ms + TX_TTL_MS_MAX:
            return TxResult.failure(TxCode.EXPIRY_TOO_FAR, f"limit {TX_TTL_MS_MAX} ms ahead")
        authorized = tx.signer_addresses  # a few (SIGNERS_PER_TX_MAX): a tuple is searched fast
        for index, message in enumerate(tx.messages):
            for signer in message.required_signers():
                # A key's account signs itself; a multisig account (accounts module) is
                # signed for by enough weight of its members among the signers.
                if signer not in authorized and not accounts.authorizes(
                    self.store if state is None else state, signer, authorized
                ):
                    return TxResult.failure(TxCode.SIGNER_MISSING, str(signer), index)
        return None

    # -- proposals ------------------------------------------------------------------------

    def prepare_proposal(
        self, raws: Sequence[bytes], bytes_max: int = BLOCK_BYTES_MAX
    ) -> list[bytes]:
        """Choose the block's transactions: in order, while they fit and decode."""
        meta = self._meta()
        chosen: list[bytes] = []
        size = 0
        for raw in raws:
            if len(chosen) >= BLOCK_TXS_MAX or size + len(raw) > bytes_max:
                break
            if isinstance(self._decode(raw, meta.chain_id), Tx):
                chosen.append(raw)
                size += len(raw)
        return chosen

    def process_proposal(self, raws: Sequence[bytes]) -> bool:
        """Accept a proposed block when it is within limits. Undecodable transactions are
        allowed (they execute as failures), so the answer depends on the bytes only."""
        return len(raws) <= BLOCK_TXS_MAX and sum(map(len, raws)) <= BLOCK_BYTES_MAX

    # -- execution ------------------------------------------------------------------------

    def finalize_block(self, request: BlockRequest) -> BlockOutcome:
        """Execute a block and compute its app hash. Persists nothing.

        Raises ``InvariantBroken`` (the node must halt) when a block invariant does not
        hold, naming the block, the transaction (or end-of-block hook) and the invariant.
        Any other error of a module's code is contained: see ``_execute``."""
        meta = self._meta()
        if request.height != meta.height + 1:
            raise RuntimeError(
                f"finalize_block at height {request.height}, expected {meta.height + 1}"
            )
        block = BlockContext(meta.chain_id, request.height, request.time_ms, request.proposer)
        self._load_fees(meta)
        decoded = [self._decode(raw, meta.chain_id) for raw in request.txs]
        for position in self._verify_signatures(decoded):
            decoded[position] = TxResult.failure(TxCode.SIGNATURE_INVALID)
        # Spent hashes are looked up for unexpired transactions only: an expired one fails
        # EXPIRED whether or not it committed (its record may be pruned already), so the
        # outcome depends on authenticated state alone (the store's index of its records).
        spent = self.store.spent_tx_hashes(
            [
                item.hash
                for item in decoded
                if isinstance(item, Tx) and item.body.expires_at_ms > request.time_ms
            ]
        )
        self._prefetch(decoded)
        state, outcomes, block_events = self._run_block(block, request.txs, decoded, spent)
        breach = self._block_breach(self.store, state.writes)
        if breach is not None:
            # Find the culprit: execute again, checking each transaction and hook alone.
            self._run_block(block, request.txs, decoded, spent, blame=True)
            raise InvariantBroken(
                f"block {request.height}: invariant {breach} (no single transaction or "
                "end-of-block hook breaks it alone)"
            )
        pending = self.store.prepare_root(state.writes)
        leaves = [
            encode(result_leaf(o.hash, o.result, encoded_list(o.event_encodings))) for o in outcomes
        ]
        header = BlockHeader(
            chain_id=meta.chain_id,
            height=request.height,
            time_ms=request.time_ms,
            previous_hash=meta.last_hash,
            tx_root=list_root([o.hash for o in outcomes]),
            results_root=list_root(leaves),
            state_root=pending.root_hash,
            tx_count=len(outcomes),
            proposer=request.proposer,
        )
        updates = validators.validator_updates(e for o in outcomes for e in o.events)
        self._pending = BlockOutcome(
            header, outcomes, block_events, state.writes, pending, leaves, updates
        )
        return self._pending

    def _prefetch(self, decoded: Sequence[Tx | TxResult]) -> None:
        """Have the store read, in one go, the committed values of the keys the block will
        read: each signer's account and what each message declares (``Module.prefetch``).
        A hint: it changes no result, and a declaration that raises is skipped. The keys
        are listed lazily: a store whose state is all in memory does not ask for them."""
        prefetch = getattr(self.store, "prefetch", None)
        if prefetch is not None:
            prefetch(self._declared_keys(decoded))

    def _declared_keys(self, decoded: Sequence[Tx | TxResult]) -> Iterator[bytes]:
        declared = self.registry.prefetch
        for item in decoded:
            if not isinstance(item, Tx):
                continue
            for address in item.signer_addresses:
                yield account_key(address)
            for message in item.messages:
                for declare in declared.get(type(message), ()):
                    try:
                        keys = tuple(declare(message))
                    except Exception:  # a hint only: execution reads what it needs
                        log.exception("the prefetch of %s raised", type(message).__name__)
                        continue
                    yield from keys

    def _run_block(
        self,
        block: BlockContext,
        raws: Sequence[bytes],
        decoded: Sequence[Tx | TxResult],
        spent: set[bytes],
        *,
        blame: bool = False,
    ) -> tuple[BlockState, list[TxOutcome], list[Event]]:
        """Execute the block's transactions, the end-of-block hooks and the pruning of
        spent hashes. With ``blame``, check the block invariants on each transaction's and
        each hook's writes alone, and raise ``InvariantBroken`` naming the first breach."""
        state = BlockState(self.store)
        seen: set[bytes] = set()
        outcomes: list[TxOutcome] = []
        spent_now: list[tuple[int, bytes]] = []
        for index, (raw, item) in enumerate(zip(raws, decoded, strict=True)):
            if isinstance(item, TxResult):
                outcomes.append(TxOutcome(sha256(raw), index, raw, item, [], []))
                continue
            if item.hash in seen:
                result = TxResult.failure(TxCode.ALREADY_COMMITTED, "twice in one block")
                events: list[Event] = []
            else:
                result, events, tx_state = self._execute(block, state, item, item.hash in spent)
                if tx_state is not None:
                    if blame:
                        where = f"transaction {index} ({item.hash.hex()})"
                        self._blame(block, state, tx_state.writes, where)
                    tx_state.commit()
                if result.spends_hash:
                    seen.add(item.hash)
                    spent_now.append((item.body.expires_at_ms, item.hash))
            encodings = [encode(event) for event in events]
            outcomes.append(TxOutcome(item.hash, index, raw, result, events, encodings))
        block_events: list[Event] = []
        for module in self.registry.modules:
            if module.end_block is None:
                continue
            layer = NestedBlockState(state)  # the hook's writes, kept only if it returns
            try:
                hook_events = module.end_block(block, layer)
            except _NOT_CONTAINED:
                raise
            except Exception as error:
                block_events.append(EndBlockFailed(module.name, recorded_error(error)))
                _log_contained(f"the end-of-block hook of {module.name}", block.height, error)
                continue
            if blame:
                where = f"the end-of-block hook of {module.name}"
                self._blame(block, state, layer.writes, where)
            layer.commit()
            block_events.extend(hook_events)
        for key, value in spent_records(block.height, spent_now).items():
            state.set(key, value)
        self._prune_spent(block, state)
        return state, outcomes, block_events

    def _prune_spent(self, block: BlockContext, state: BlockState) -> None:
        """Delete the records of spent hashes whose transactions all expired (at most
        ``SPENT_PRUNE_MAX`` a block; the rest go at the next): an expired transaction
        fails ``EXPIRED`` before its hash is looked up, so the record protects nothing any
        more. Records this block wrote expire after it: committed state holds every one
        to prune."""
        end = SPENT_PREFIX + (block.time_ms + 1).to_bytes(8, "big")
        for key, _ in self.store.scan_range(SPENT_PREFIX, end, SPENT_PRUNE_MAX):
            state.delete(key)

    def _block_breach(
        self, before: StateGetter, writes: Mapping[bytes, bytes | None]
    ) -> str | None:
        """The first block invariant that ``writes`` over ``before`` breaks, as
        ``module.name: description``; None when all hold."""
        if not writes:
            return None
        for module in self.registry.modules:
            for name, invariant in module.block_invariants.items():
                breach = invariant(before, writes)
                if breach is not None:
                    return f"{module.name}.{name}: {breach}"
        return None

    def _blame(
        self,
        block: BlockContext,
        before: StateGetter,
        writes: Mapping[bytes, bytes | None],
        where: str,
    ) -> None:
        breach = self._block_breach(before, writes)
        if breach is not None:
            raise InvariantBroken(f"block {block.height}, {where}: invariant {breach}")

    def _verify_signatures(self, decoded: Sequence[Tx | TxResult]) -> set[int]:
        """Verify, in one batch through the verifier, the signatures of every decoded
        transaction not verified before; remember the good ones and return the positions
        of the bad ones."""
        verified = self._verified
        checks: list[SignatureCheck] = []
        owners: list[int] = []  # the position of each check's transaction
        for position, item in enumerate(decoded):
            if isinstance(item, Tx) and item.raw not in verified:
                digest = signing_digest(item.body_bytes)
                for key, signature in zip(item.body.signers, item.signatures, strict=True):
                    checks.append((key, digest, signature))
                    owners.append(position)
        if not checks:
            return set()
        verdicts = self.verifier(checks)
        bad = {position for position, ok in zip(owners, verdicts, strict=True) if not ok}
        good: list[Tx] = []
        for position in dict.fromkeys(owners):  # ascending, once each
            item = decoded[position]
            if position not in bad and isinstance(item, Tx):
                good.append(item)
        self._remember(good)
        return bad

    def _execute(
        self, block: BlockContext, state: BlockState, tx: Tx, committed: bool
    ) -> tuple[TxResult, list[Event], TxState | NestedBlockState | None]:
        """Run one transaction over the block's state. Returns its result, its events and
        (when it succeeded) its writes, not yet folded into the block.

        The execution barrier: an exception that a guard, handler or the kernel's own
        account bookkeeping raises fails this transaction only, with ``tx/INTERNAL`` and
        the error's class name (the same on every validator; the text goes to the log);
        its writes and events are dropped. The hash is spent (the transaction was valid
        and new). ``HaltNode`` and the machine-dependent errors are not contained: they
        stop the node.

        On a chain with fees, see ``_execute_paying``."""
        failure = self._envelope_failure(tx, block.time_ms, committed, state)
        if self._fees is not None:
            return self._execute_paying(block, state, tx, failure, self._fees)
        if failure is not None:
            return failure, [], None
        try:
            return self._run_messages(block, state, tx)
        except _NOT_CONTAINED:
            raise
        except Exception as error:
            _log_contained(f"transaction {tx.hash.hex()}", block.height, error)
            return TxResult.failure(TxCode.INTERNAL, recorded_error(error)), [], None

    def _execute_paying(
        self,
        block: BlockContext,
        state: BlockState,
        tx: Tx,
        failure: TxResult | None,
        fees: assets.FeeSchedule,
    ) -> tuple[TxResult, list[Event], NestedBlockState | None]:
        """``_execute`` on a chain with fees. A transaction that would spend its hash
        (it passed the envelope checks up to ``ALREADY_COMMITTED``) first pays its fee
        into a layer of its own, below the messages' layer: the fee stays when a message,
        ``SIGNER_MISSING``, ``TOO_MANY_EVENTS``, monitoring or the execution barrier fails
        the transaction, and the messages' writes join it only when they all succeed. A
        payer who cannot pay fails ``FEE_UNPAID``: nothing is written, the hash is not
        spent."""
        if failure is not None and not failure.spends_hash:
            return failure, [], None
        paid = NestedBlockState(state)
        try:
            unpaid = assets.charge_fee(paid, fees, tx.signer_addresses[0], len(tx.messages))
        except _NOT_CONTAINED:
            raise
        except Exception as error:
            _log_contained(f"the fee of transaction {tx.hash.hex()}", block.height, error)
            return TxResult.failure(TxCode.INTERNAL, recorded_error(error)), [], None
        if unpaid is not None:
            return TxResult.failure(unpaid.code, unpaid.detail), [], None
        if failure is not None:
            return failure, [], paid
        try:
            result, events, tx_state = self._run_messages(block, paid, tx)
        except _NOT_CONTAINED:
            raise
        except Exception as error:
            _log_contained(f"transaction {tx.hash.hex()}", block.height, error)
            return TxResult.failure(TxCode.INTERNAL, recorded_error(error)), [], paid
        if tx_state is not None:
            tx_state.commit()
        return result, events, paid

    def _run_messages(
        self, block: BlockContext, state: BlockState, tx: Tx
    ) -> tuple[TxResult, list[Event], TxState | None]:
        tx_state = TxState(state)
        ctx = TxContext(block, tx.hash, tx.signer_addresses, tx_state)
        for address, public_key in zip(tx.signer_addresses, tx.signers, strict=True):
            created = accounts.note_signer(tx_state, address, public_key, block.height)
            if created is not None:
                ctx.emit(created)
        handlers = self.registry.handlers
        guards = self.registry.guards
        checks = self.registry.account_checks
        for index, message in enumerate(tx.messages):
            kind = type(message)
            rejection = message.validate()
            check = checks.get(kind)
            if rejection is None and check is not None:
                rejection = check(message)
            for guard in guards.get(kind, ()) if rejection is None else ():
                rejection = guard(ctx, message)
                if rejection is not None:
                    break
            if rejection is None:
                rejection = handlers[kind](ctx, message)
            if rejection is not None:
                return TxResult.failure(rejection.code, rejection.detail, index), [], None
        if len(ctx.events) > EVENTS_PER_TX_MAX:
            return (
                TxResult.failure(TxCode.TOO_MANY_EVENTS, f"limit {EVENTS_PER_TX_MAX}"),
                [],
                None,
            )
        if tx_state.movements:
            # Every movement of units the messages made, whichever module made it (the
            # assets move path records them): monitoring sees them all, before commit.
            # A watcher bounds its own events (a full clearing close may raise alerts on
            # top of its own 161 events, and must still close).
            for watch in self.registry.movement_watches:
                rejection = watch(ctx, tx_state.movements, self.registry.module_accounts)
                if rejection is not None:
                    return TxResult.failure(rejection.code, rejection.detail), [], None
        return TxResult.success(), ctx.events, tx_state

    def commit(self, signatures: Sequence[CommitSignature] = ()) -> BlockOutcome:
        """Persist the last finalized block: state, tree, block, transactions, events."""
        if self._pending is None:
            raise RuntimeError("commit without finalize_block")
        outcome, self._pending = self._pending, None
        self.store.commit_block(outcome, signatures)
        with self._verified_lock:  # committed: a resubmission is answered from the store
            for tx in outcome.txs:
                self._verified.pop(tx.raw, None)
        return outcome

    def discard(self) -> None:
        """Forget a finalized block that will not be committed."""
        self._pending = None

    # -- queries and invariants ---------------------------------------------------------

    def query(self, module_name: str, query_name: str, params: Mapping[str, str]) -> Any:
        module = self.registry.by_name.get(module_name)
        if module is None:
            raise QueryError(f"no module {module_name!r}", not_found=True)
        query = module.queries.get(query_name)
        if query is None:
            raise QueryError(f"module {module_name!r} has no query {query_name!r}", not_found=True)
        meta = self._meta()
        return query(self.store, {**params, BLOCK_TIME_PARAMETER: str(meta.time_ms)})

    def check_invariants(self) -> None:
        for module in self.registry.modules:
            for name, invariant in module.invariants.items():
                breach = invariant(self.store)
                if breach is not None:
                    raise InvariantBroken(f"{module.name}.{name}: {breach}")

    def _meta(self) -> ChainMeta:
        meta = self.store.chain_meta()
        if meta is None:
            raise RuntimeError("the chain is not initialized: run init_chain first")
        return meta


def default_consensus_versions() -> ConsensusVersions:
    """The consensus versions of the default composition (what ``origin init`` and
    ``origin net up`` declare in genesis)."""
    return local_consensus_versions((m.name, m.version) for m in DEFAULT_MODULES)


def _stateless_failure(tx: Tx, checks: Mapping[type[Msg], AccountCheck]) -> TxResult | None:
    """The first message of ``tx`` that fails its stateless checks (``validate``, then no
    module account where a counterparty is expected), as a result: the admission check;
    execution checks again."""
    for index, message in enumerate(tx.messages):
        try:
            rejection = message.validate()
            check = checks.get(type(message))
            if rejection is None and check is not None:
                rejection = check(message)
        except _NOT_CONTAINED:
            raise
        except Exception as error:
            return TxResult.failure(TxCode.INTERNAL, recorded_error(error), index)
        if rejection is not None:
            return TxResult.failure(rejection.code, rejection.detail, index)
    return None


def _log_contained(where: str, height: int, error: Exception) -> None:
    log.error(
        "block %d: %s raised %s; contained by the execution barrier",
        height,
        where,
        describe_error(error),
        exc_info=error,
    )


def _split_section(
    section: bytes | msgspec.Raw, kind: type[msgspec.Struct], name: str
) -> tuple[Any, list[msgspec.Raw]]:
    """A streamed section: all but its long list ``name``, decoded into ``kind`` (its checks
    as for the whole section), and the long list's records still as JSON text."""
    fields = from_json(section, dict[str, msgspec.Raw])
    long = fields.pop(name, None)
    rest = b"{" + b",".join(msgspec.json.encode(k) + b":" + bytes(v) for k, v in fields.items())
    decoded = from_json(rest + b"}", kind)
    if long is None:
        return decoded, []
    try:
        return decoded, from_json(long, list[msgspec.Raw])
    except CodecError as error:
        raise CodecError(_located(str(error), name, 0)) from error


_LIST_PATH = re.compile(r"`\$\[(\d+)\]")


def _located(message: str, name: str, offset: int) -> str:
    """A decoding error of records ``offset..`` of the section's list ``name`` (decoded
    apart), with its path in the section (``$.name[i]``) as for the whole section."""
    if " - at `$" not in message:
        return f"{message} - at `$.{name}`"
    located = _LIST_PATH.sub(lambda m: f"`$.{name}[{offset + int(m.group(1))}]", message)
    return located if located != message else message.replace("`$", f"`$.{name}", 1)


def _stream_records(
    raws: list[msgspec.Raw],
    stream: GenesisStream,
    where: str,
    progress: GenesisProgress | None,
) -> Iterator[Any]:
    """The records of a long genesis list, decoded ``GENESIS_DECODE_RECORDS`` at a time;
    ``progress`` hears how many were applied (asked for the next one) so far."""
    kind = list[stream.record_type]  # type: ignore[name-defined]
    total = len(raws)
    if progress is not None:
        progress(where, 0, total)
    for start in range(0, total, GENESIS_DECODE_RECORDS):
        part = raws[start : start + GENESIS_DECODE_RECORDS]
        try:
            records: Iterable[Any] = from_json(b"[" + b",".join(part) + b"]", kind)
        except CodecError as error:
            raise CodecError(_located(str(error), stream.field, start)) from error
        del part
        yield from records
        if progress is not None:
            progress(where, min(total, start + GENESIS_DECODE_RECORDS), total)


def parse_genesis(raw: bytes) -> Genesis:
    try:
        genesis = from_json(raw, Genesis)
    except CodecError as error:
        raise ValueError(f"genesis.json is not valid: {error}") from error
    if not genesis.chain_id or not genesis.validators:
        raise ValueError("genesis.json needs a chain_id and at least one validator")
    if len(genesis.chain_id.encode()) > CHAIN_ID_BYTES_MAX:
        # Transactions could not name a longer chain id: every one would be malformed.
        raise ValueError(f"genesis.json: chain_id is longer than {CHAIN_ID_BYTES_MAX} bytes")
    if genesis.initial_height < 1:
        raise ValueError("genesis.json: initial_height must be at least 1")
    if not 0 <= genesis.genesis_time_ms <= TIME_MS_MAX:
        raise ValueError(f"genesis.json: genesis_time_ms must be in [0, {TIME_MS_MAX}]")
    keys = [validator.public_key for validator in genesis.validators]
    if len(set(keys)) != len(keys):
        raise ValueError("genesis.json: a validator is listed twice")
    for validator in genesis.validators:
        # Header verification sums these powers: a key that is not Ed25519-sized or a power
        # below 1 would make every header unverifiable or let a zero-power key count.
        if len(validator.public_key) != PUBLIC_KEY_BYTES or validator.power < 1:
            raise ValueError(
                "genesis.json: each validator needs a 32-byte public key and a power of 1 or more"
            )
    return genesis


__all__ += [
    "GENESIS_CHUNK_WRITES",
    "ChainMeta",
    "GenesisProgress",
    "GenesisSink",
    "default_consensus_versions",
    "describe_error",
    "parse_genesis",
    "recorded_error",
]
