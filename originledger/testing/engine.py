"""The simulator's engine: generate blocks from a seed, execute them, check, replay, shrink.

One seed decides everything (VOPR's rule: a failure is its seed). A run:

1. *Swarm*: the seed enables a random subset of the message types, each with a random
   weight, so that different seeds stress different mixes (rare paths get a turn).
2. *Blocks*: each block gets a time a random step after the last (now and then a jump of
   hours or weeks, so that deadlines and expiries pass), and a random number of
   transactions of one to a few messages drawn from the modules' generators. Signers are
   usually the messages' required signers; sometimes someone else, sometimes a missing
   one, sometimes a bad signature; sometimes a transaction is resubmitted.
3. *Checks after every block*: no exception escaped ``finalize_block``, ``commit`` or
   ``check_txs``; no transaction failed with ``tx`` code 20 (an unexpected exception the
   kernel caught); every module invariant holds.
4. *Replays* of the same blocks (at the end of the run; the first height that differs is
   reported): a fresh store in this process; the ABCI handlers (``FinalizeBlock`` and
   ``Commit`` with protobuf requests, in-process); the embedded driver's block production;
   and fresh interpreters under other ``PYTHONHASHSEED`` values. All must give the same
   block hashes (which commit to the state root, the transactions and their results).
5. *Shrinking*: a failing run is cut down (blocks, then transactions, then messages) while
   it still fails the same way, and printed as JSON with the command that re-runs it.
"""

from __future__ import annotations

import importlib
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Union

import msgspec

from originledger.app import (
    DEFAULT_MODULES,
    Application,
    BlockOutcome,
    BlockRequest,
    Registry,
)
from originledger.core.address import module_address
from originledger.core.codec import from_json, to_builtins
from originledger.core.codes import TxCode
from originledger.core.crypto import sha256
from originledger.core.limits import MESSAGES_PER_TX_MAX, TX_TTL_MS_MAX
from originledger.core.module import InvariantBroken, Module
from originledger.core.simulation import Generator
from originledger.core.tx import Msg, Tx, build_body, build_signed, signing_digest
from originledger.modules.accounts.types import RevokeRole
from originledger.store import SqliteStore
from originledger.testing.exclusions import KNOWN_BUGS, excluded
from originledger.testing.world import (
    CHAIN_ID,
    GENESIS_TIME_MS,
    REVOKED_ROLES,
    VALIDATOR,
    World,
)

__all__ = [
    "INTERNAL_CODE",
    "Finding",
    "RunReport",
    "SimConfig",
    "discover_generators",
    "run_seed",
    "run_seeds",
]

INTERNAL_CODE = 20  # TxCode.INTERNAL: an unexpected exception inside execution
HASH_SEEDS = ("0", "1", "4294967295")


@dataclass(frozen=True)
class SimConfig:
    seed: int
    blocks: int = 40
    txs_per_block_max: int = 12
    extra_modules: tuple[str, ...] = ()  # "package.module:ATTRIBUTE" of test-only modules
    exclude_known_bugs: bool = False
    replay: bool = True  # the fresh-store replay
    drivers: bool = True  # the ABCI and embedded drivers' replays
    hash_seeds: tuple[str, ...] = HASH_SEEDS  # subprocess replays; () for none
    shrink: bool = True
    shrink_seconds: float = 60.0
    focus: tuple[str, ...] = ()  # tag prefixes always enabled, with a high weight
    interpreters: tuple[str, ...] = ()  # other Pythons to replay under (Unicode versions)
    fees: bool = False  # a world whose chain charges transaction fees (World.genesis)


@dataclass(frozen=True)
class Finding:
    kind: str  # exception, internal, invariant, replay, abci, embedded, hash-seed, check
    height: int
    detail: str
    message_type: str = ""  # the failing message's tag, when one is known
    cause: str = ""  # the exception's type, or the invariant's name

    def same_as(self, other: Finding) -> bool:
        """Whether ``other`` (from a shrunk run) is the same failure as this one."""
        if self.kind != other.kind or self.cause != other.cause:
            return False
        return not self.message_type or self.message_type == other.message_type

    def describe(self) -> str:
        where = f" ({self.message_type})" if self.message_type else ""
        return f"{self.kind} at height {self.height}{where}: {self.detail}"


@dataclass(frozen=True)
class TxSpec:
    """A transaction, kept re-signable so that shrinking can drop messages."""

    messages: tuple[Msg, ...]
    signers: tuple[str, ...]  # party names
    client_id: int
    expires_at_ms: int
    bad_signature: bool = False

    def raw(self, world: World) -> bytes:
        keys = [world.named(name).key for name in self.signers]
        body = build_body(
            chain_id=world.chain_id,
            client_id=self.client_id,
            expires_at_ms=self.expires_at_ms,
            signers=[key.public_key for key in keys],
            messages=self.messages,
        )
        digest = signing_digest(body)
        if self.bad_signature:
            digest = sha256(b"not the body" + digest)
        return build_signed(body, [key.sign(digest) for key in keys])


@dataclass(frozen=True)
class BlockSpec:
    time_ms: int
    txs: tuple[TxSpec, ...]
    probes: tuple[bytes, ...] = ()  # checked by check_txs only (see Generation.probes)


@dataclass
class Stats:
    blocks: int = 0
    txs: int = 0
    messages: int = 0
    seconds: float = 0.0
    # message tag -> outcome ("ok", "codespace/code", "rolled back") -> count
    outcomes: dict[str, Counter[str]] = field(default_factory=dict)

    def add(self, other: Stats) -> None:
        self.blocks += other.blocks
        self.txs += other.txs
        self.messages += other.messages
        self.seconds += other.seconds
        for tag, counts in other.outcomes.items():
            self.outcomes.setdefault(tag, Counter()).update(counts)


@dataclass
class RunReport:
    seeds: list[int] = field(default_factory=list)
    stats: Stats = field(default_factory=Stats)
    findings: list[tuple[int, Finding, str]] = field(default_factory=list)  # seed, finding, repro
    notes: list[str] = field(default_factory=list)
    wall_seconds: float = 0.0  # everything: runs, replays, subprocesses, shrinking

    @property
    def failed(self) -> bool:
        return bool(self.findings)

    def render(self, per_type: bool = True) -> str:
        stats = self.stats
        rate = stats.messages / stats.seconds if stats.seconds else 0.0
        lines = [
            f"seeds tried: {len(self.seeds)} ({', '.join(map(str, self.seeds[:20]))}"
            + (", ..." if len(self.seeds) > 20 else "")
            + ")",
            f"blocks: {stats.blocks}, transactions: {stats.txs}, messages: {stats.messages}"
            f" ({rate:.0f} messages/s over {stats.seconds:.1f} s of generation and execution;"
            f" {self.wall_seconds:.1f} s in all with replays and shrinking)",
        ]
        if per_type:
            lines.append("messages by type (outcome: count):")
            for tag in sorted(stats.outcomes):
                counts = stats.outcomes[tag]
                shown = ", ".join(f"{key}: {value}" for key, value in counts.most_common())
                lines.append(f"  {tag}: {shown}")
        lines.extend(f"note: {note}" for note in self.notes)
        lines.append(f"failures: {len(self.findings)}")
        for seed, finding, repro in self.findings:
            lines.append(f"- seed {seed}: {finding.describe()}")
            if repro:
                lines.append(repro)
        return "\n".join(lines)


# -- modules and generators ---------------------------------------------------------------


def load_object(path: str) -> Any:
    module_name, _, attribute = path.partition(":")
    return getattr(importlib.import_module(module_name), attribute)


def registry_for(extra_modules: Sequence[str]) -> Registry:
    modules: tuple[Module, ...] = DEFAULT_MODULES
    if extra_modules:
        modules = (*modules, *(load_object(path) for path in extra_modules))
    return Registry(modules)


def discover_generators(registry: Registry) -> tuple[dict[type[Msg], list[Generator]], list[str]]:
    """Every module's generators: ``originledger.modules.<name>.simulation.GENERATORS``, or
    for a module defined elsewhere, ``SIM_GENERATORS`` in the module that defines its
    ``Module`` object's handlers. Returns them with the message tags nothing generates."""
    found: dict[type[Msg], list[Generator]] = {}
    for module in registry.modules:
        generators = None
        try:
            source = importlib.import_module(f"originledger.modules.{module.name}.simulation")
            generators = source.GENERATORS
        except ModuleNotFoundError:
            for kind in module.handlers:
                home = importlib.import_module(kind.__module__)
                generators = getattr(home, "SIM_GENERATORS", None)
                if generators is not None:
                    break
        for kind, functions in (generators or {}).items():
            found.setdefault(kind, []).extend(functions)
    missing = sorted(
        str(kind.__struct_config__.tag) for kind in registry.handlers if not found.get(kind)
    )
    return found, missing


def _tag(message: Msg) -> str:
    return str(type(message).__struct_config__.tag)


# -- generation ---------------------------------------------------------------------------


class Generation:
    """Draws blocks for one seed; the world learns from what committed between blocks."""

    def __init__(self, config: SimConfig, registry: Registry, world: World) -> None:
        self.rng = random.Random(config.seed)
        self.config = config
        self.world = world
        generators, _ = discover_generators(registry)
        kinds = sorted(generators, key=lambda kind: str(kind.__struct_config__.tag))
        # Swarm testing: each seed enables a random subset of the types, with weights.
        enabled = [kind for kind in kinds if self.rng.randrange(100) < 80] or kinds
        focused = [
            kind for kind in kinds if str(kind.__struct_config__.tag).startswith(config.focus)
        ]
        if config.focus:
            enabled = [*focused, *(kind for kind in enabled if kind not in focused)]
        self.choices: list[tuple[Generator, int]] = []
        for kind in enabled:
            weight = 1 + self.rng.randrange(10)
            if kind in focused:
                weight *= 10
            for generator in generators[kind]:
                self.choices.append((generator, weight))
        self.total_weight = sum(weight for _, weight in self.choices)
        # Locality: generators by module, so that a message may follow up on what its
        # module just did (create, then fund, claim, settle) more often than chance would.
        self.by_module: dict[str, list[Generator]] = {}
        for kind in enabled:
            module_name = str(kind.__struct_config__.tag).split("/")[0]
            self.by_module.setdefault(module_name, []).extend(generators[kind])
        self.recent_modules: list[str] = []
        self.client_id = 0
        self.history: list[TxSpec] = []
        self.decoder = registry.tx_decoder
        self.undecodable: list[bytes] = []

    def note_successes(self, outcome: BlockOutcome, spec: BlockSpec) -> None:
        for tx_outcome, tx_spec in zip(outcome.txs, spec.txs, strict=True):
            if tx_outcome.result.ok:
                for message in tx_spec.messages:
                    self.recent_modules.append(_tag(message).split("/")[0])
        del self.recent_modules[:-20]

    def _generator(self) -> Generator:
        if self.recent_modules and self.rng.randrange(100) < 35:
            related = self.by_module.get(self.rng.choice(self.recent_modules))
            if related:
                return self.rng.choice(related)
        roll = self.rng.randrange(self.total_weight)
        for generator, weight in self.choices:
            if roll < weight:
                return generator
            roll -= weight
        return self.choices[-1][0]

    def message(self) -> Msg:
        for _ in range(20):
            message = self._generator()(self.rng, self.world)
            if not (self.config.exclude_known_bugs and excluded(message)):
                return message
        return self._generator()(self.rng, self.world)  # give up excluding (rare)

    def block_time(self, previous: int) -> int:
        roll = self.rng.randrange(100)
        if roll < 85:
            return previous + 1 + self.rng.randrange(3_000)
        if roll < 95:
            return previous + self.rng.randrange(60_000, 4 * 3_600_000)
        return previous + self.rng.randrange(2, 40) * 24 * 3_600_000

    def tx(self, time_ms: int) -> TxSpec:
        rng = self.rng
        if self.history and rng.randrange(100) < 3:
            return rng.choice(self.history)  # a resubmission (same hash)
        roll = rng.randrange(1000)
        count = 1 if roll < 880 else 2 if roll < 960 else 3 if roll < 997 else MESSAGES_PER_TX_MAX
        messages = tuple(self.message() for _ in range(count))
        signers: list[str] = []
        for message in messages:
            for address in message.required_signers():
                member = self.world.party_of(address)
                if member is not None and member.name not in signers:
                    signers.append(member.name)
        roll = rng.randrange(100)
        names = [member.name for member in self.world.parties]
        if not signers or roll < 6:  # someone else signs (or nobody with a key could)
            signers = [rng.choice(names)]
        elif roll < 9 and len(signers) > 1:
            signers.pop(rng.randrange(len(signers)))
        elif roll < 12:
            extra = rng.choice(names)
            if extra not in signers:
                signers.append(extra)
        self.client_id += 1
        lifetime = 1 + rng.randrange(120_000)
        if rng.randrange(100) < 3:
            lifetime = TX_TTL_MS_MAX + rng.randrange(2)  # at the limit, and one past
        spec = TxSpec(
            messages,
            tuple(signers[:8]),
            self.client_id,
            time_ms + lifetime,
            bad_signature=rng.randrange(100) < 2,
        )
        self.history.append(spec)
        if len(self.history) > 200:
            self.history.pop(0)
        return spec

    def block(self, previous_time_ms: int) -> BlockSpec:
        """A block of transactions an honest proposer could include: they decode (a
        message beyond a type's bounds does not) and have not expired (a resubmission may
        have); the others go to ``check_txs`` only."""
        time_ms = self.block_time(previous_time_ms)
        self.world.time_ms = time_ms
        count = self.rng.randrange(self.config.txs_per_block_max + 1)
        txs: list[TxSpec] = []
        if self.client_id == 0:
            txs.append(self.revocations(time_ms))
        self.undecodable = []
        for _ in range(count):
            spec = self.tx(time_ms)
            try:
                raw = spec.raw(self.world)
            except (OverflowError, ValueError, TypeError) as error:  # a generator's bug
                raise RuntimeError(f"a generator made an unencodable message: {error}") from error
            decoded = self.decoder.decode(raw, self.world.chain_id)
            if isinstance(decoded, Tx) and spec.expires_at_ms > time_ms:
                txs.append(spec)
            else:
                self.undecodable.append(raw)
        return BlockSpec(time_ms, tuple(txs))

    def revocations(self, time_ms: int) -> TxSpec:
        """The first transaction of a run: the admin revokes the roles that genesis gave
        the ``revoked`` accounts (so that revoked issuers, custodians and attesters act)."""
        admin = self.world.named("admin").address
        messages = tuple(
            RevokeRole(admin, member.address, role)
            for member in self.world.parties
            if member.kind == "revoked"
            for role in REVOKED_ROLES
        )
        self.client_id += 1
        return TxSpec(messages, ("admin",), self.client_id, time_ms + 60_000)

    def probes(self, time_ms: int) -> list[bytes]:
        """Transactions for ``check_txs`` only (an honest proposer drops them): expired
        ones, at exactly the block time, and bytes that are not transactions."""
        probe = self.tx(time_ms)
        self.history.pop()
        expired = replace(probe, expires_at_ms=time_ms - self.rng.randrange(2))
        junk = self.rng.getrandbits(8 * 40).to_bytes(40, "big")
        return [expired.raw(self.world), junk, b"", b"\x90", *self.undecodable]


# -- execution ----------------------------------------------------------------------------


@dataclass
class Execution:
    """The result of executing blocks on the main path."""

    raws: list[tuple[int, list[bytes]]]  # (time, raw txs) per block executed
    hashes: list[str]  # header hash per block
    roots: list[str]  # state root per block
    finding: Finding | None
    stats: Stats
    specs: list[BlockSpec]  # the blocks drawn, up to and including a failing one


def _first_failure(outcome: BlockOutcome, spec: BlockSpec) -> Finding | None:
    for tx_outcome, tx_spec in zip(outcome.txs, spec.txs, strict=True):
        result = tx_outcome.result
        if result.codespace == TxCode.codespace and result.code == INTERNAL_CODE:
            index = result.message_index
            tag = _tag(tx_spec.messages[index]) if 0 <= index < len(tx_spec.messages) else ""
            cause = result.message.split(":", 2)[-1].strip().split("(")[0][:60]
            return Finding("internal", outcome.header.height, result.message, tag, cause)
    return None


def _count(stats: Stats, outcome: BlockOutcome, spec: BlockSpec) -> None:
    for tx_outcome, tx_spec in zip(outcome.txs, spec.txs, strict=True):
        result = tx_outcome.result
        stats.txs += 1
        for index, message in enumerate(tx_spec.messages):
            stats.messages += 1
            counts = stats.outcomes.setdefault(_tag(message), Counter())
            if result.ok:
                counts["ok"] += 1
            elif result.message_index in (-1, index):
                counts[f"{result.codespace}/{result.code}"] += 1
            else:
                counts["rolled back or not reached"] += 1


def execute(
    config: SimConfig,
    registry: Registry,
    world: World,
    blocks: Sequence[BlockSpec] | None,
    generation: Generation | None,
) -> Execution:
    """Run blocks on a fresh in-memory chain with the per-block checks. With a generation,
    blocks are drawn as the run goes (the world learns from each); with ``blocks``, those
    are replayed (shrinking)."""
    started = time.perf_counter()
    stats = Stats()
    store = SqliteStore(None)
    app = Application(store, registry)
    app.init_chain(world.genesis())
    run = Execution([], [], [], None, stats, [])
    previous = GENESIS_TIME_MS
    total = config.blocks if blocks is None else len(blocks)
    try:
        for index in range(total):
            spec = _next_spec(index, world, blocks, generation, previous)
            previous = spec.time_ms
            run.specs.append(spec)
            run.finding = _play_block(app, world, generation, run, index + 1)
            if run.finding is not None:
                break
    finally:
        store.close()
    stats.seconds = time.perf_counter() - started
    return run


def _next_spec(
    index: int,
    world: World,
    blocks: Sequence[BlockSpec] | None,
    generation: Generation | None,
    previous: int,
) -> BlockSpec:
    """The block at ``index``: replayed from ``blocks`` (the world's clock set to its
    time), or drawn from ``generation`` a step after ``previous``, with its probes."""
    if blocks is not None:
        spec = blocks[index]
        world.time_ms = spec.time_ms
        return spec
    if generation is not None:
        spec = generation.block(previous)
        return replace(spec, probes=tuple(generation.probes(spec.time_ms)))
    raise ValueError("execute needs blocks or a generation")


def _play_block(
    app: Application,
    world: World,
    generation: Generation | None,
    run: Execution,
    height: int,
) -> Finding | None:
    """Check, propose, finalize and commit the last block drawn (``run.specs[-1]``),
    recording it in ``run``, then run the per-block checks and let the world (and the
    generation) learn from it. Returns the finding that stops the run, if any."""
    spec = run.specs[-1]
    block_raws = [tx.raw(world) for tx in spec.txs]
    try:
        checks = block_raws + list(spec.probes)
        app.check_txs(checks, spec.time_ms)
    except Exception as error:
        cause = type(error).__name__
        return Finding("check", height, f"check_txs raised {error!r}", cause=cause)
    spec, block_raws = _propose(app, spec, block_raws)
    run.specs[-1] = spec
    outcome = _finalize(app, spec, block_raws, height)
    if isinstance(outcome, Finding):
        return outcome
    app.commit()
    run.raws.append((spec.time_ms, block_raws))
    run.hashes.append(outcome.hash.hex())
    run.roots.append(outcome.app_hash.hex())
    finding = _check_committed(app, run.stats, outcome, spec, height)
    if finding is not None:
        return finding
    if generation is not None:
        generation.note_successes(outcome, spec)
    for tx_outcome in outcome.txs:
        for event in tx_outcome.events:
            world.learn(event)
    for event in outcome.block_events:
        world.learn(event)
    return None


def _propose(
    app: Application, spec: BlockSpec, block_raws: list[bytes]
) -> tuple[BlockSpec, list[bytes]]:
    """The block an honest proposer makes of the transactions (the drivers propose through
    ``prepare_proposal``, so every path executes the same block): its spec, cut down to
    the transactions kept, and their raw bytes."""
    chosen = app.prepare_proposal(block_raws)
    if chosen == block_raws:
        return spec, block_raws
    kept = _kept(block_raws, chosen)
    return replace(spec, txs=tuple(spec.txs[i] for i in kept)), chosen


def _finalize(
    app: Application, spec: BlockSpec, block_raws: list[bytes], height: int
) -> BlockOutcome | Finding:
    """Execute the block with ``finalize_block``; an exception out of it is a finding."""
    request = BlockRequest(height, spec.time_ms, VALIDATOR.key.public_key, block_raws)
    try:
        return app.finalize_block(request)
    except InvariantBroken as error:
        # A live block invariant (run inside finalize_block) halted the node: the
        # right halt, and a bug the run found.
        text = str(error)
        return Finding("invariant", height, text, _only_tag(spec), "InvariantBroken")
    except Exception as error:
        detail = f"finalize_block raised {error!r}"
        return Finding("exception", height, detail, _only_tag(spec), type(error).__name__)


def _check_committed(
    app: Application, stats: Stats, outcome: BlockOutcome, spec: BlockSpec, height: int
) -> Finding | None:
    """Count a committed block into ``stats`` and check it: no transaction failed on an
    unexpected error, and every module invariant holds."""
    stats.blocks += 1
    _count(stats, outcome, spec)
    finding = _first_failure(outcome, spec)
    if finding is not None:
        return finding
    try:
        app.check_invariants()
    except Exception as error:
        text = str(error)
        return Finding("invariant", height, text, cause=text.split(":")[0][:60])
    return None


def _kept(raws: Sequence[bytes], chosen: Sequence[bytes]) -> list[int]:
    """The positions in ``raws`` of the subsequence ``chosen`` (in order)."""
    kept: list[int] = []
    position = 0
    for index, raw in enumerate(raws):
        if position < len(chosen) and chosen[position] == raw:
            kept.append(index)
            position += 1
    if position != len(chosen):
        raise RuntimeError("prepare_proposal reordered or invented transactions")
    return kept


def _only_tag(spec: BlockSpec) -> str:
    """The message type, when the block holds one message only (a shrunk block)."""
    if len(spec.txs) == 1 and len(spec.txs[0].messages) == 1:
        return _tag(spec.txs[0].messages[0])
    return ""


# -- replays ------------------------------------------------------------------------------

Raws = Sequence[tuple[int, Sequence[bytes]]]


def replay_chain(genesis_raw: bytes, raws: Raws, registry: Registry) -> tuple[list[str], list[str]]:
    """Header hashes and state roots of the blocks replayed on a fresh in-memory store."""
    store = SqliteStore(None)
    try:
        app = Application(store, registry)
        app.init_chain(genesis_raw)
        hashes, roots = [], []
        for height, (time_ms, txs) in enumerate(raws, start=1):
            request = BlockRequest(height, time_ms, VALIDATOR.key.public_key, list(txs))
            outcome = app.finalize_block(request)
            app.commit()
            hashes.append(outcome.hash.hex())
            roots.append(outcome.app_hash.hex())
        return hashes, roots
    finally:
        store.close()


def abci_roots(genesis_raw: bytes, raws: Raws, registry: Registry) -> list[str]:
    """App hashes answered by the ABCI handlers of ``node/abci.py`` for the blocks, called
    in-process with protobuf requests (InitChain, then FinalizeBlock and Commit)."""
    from originledger.comet.validators import validator_address
    from originledger.node.abci import AbciApp

    store = SqliteStore(None)
    try:
        handler = AbciApp(Application(store, registry), store, clock_ms=lambda: GENESIS_TIME_MS)
        pb = handler.pb

        def call(kind: str, request: Any) -> Any:
            wrapped = pb.Request()
            getattr(wrapped, kind).CopyFrom(request)
            response = handler.handle(wrapped)
            if response.WhichOneof("value") == "exception":
                raise RuntimeError(f"ABCI {kind}: {response.exception.error}")
            return getattr(response, kind)

        init = pb.RequestInitChain(chain_id=CHAIN_ID, app_state_bytes=genesis_raw)
        init.initial_height = 1
        init.time.FromMilliseconds(GENESIS_TIME_MS)
        update = init.validators.add(power=1)
        update.pub_key.ed25519 = VALIDATOR.key.public_key
        call("init_chain", init)
        roots = []
        proposer = validator_address(VALIDATOR.key.public_key)
        for height, (time_ms, txs) in enumerate(raws, start=1):
            request = pb.RequestFinalizeBlock(
                txs=list(txs), height=height, proposer_address=proposer
            )
            request.time.FromMilliseconds(time_ms)
            answer = call("finalize_block", request)
            call("commit", pb.RequestCommit())
            roots.append(bytes(answer.app_hash).hex())
        return roots
    finally:
        store.close()


class _FixedMempool:
    """Stands in for the embedded node's mempool: hands over exactly one block's txs."""

    def __init__(self) -> None:
        self.txs: list[Any] = []

    def take(self, txs_max: int, bytes_max: int) -> list[Any]:
        taken, self.txs = self.txs, []
        return taken

    def done(self, txs: list[Any]) -> None:
        pass


def embedded_roots(genesis_raw: bytes, raws: Raws, registry: Registry) -> list[str]:
    """State roots of the blocks produced by the embedded driver (``produce_block``) with
    its clock at each block's time and its mempool holding exactly that block's txs."""
    from originledger.node.embedded import EmbeddedNode, NodeSettings

    clock = [GENESIS_TIME_MS]
    store = SqliteStore(None)
    node = EmbeddedNode(
        store,
        genesis_raw,
        VALIDATOR.key,
        NodeSettings(verify_workers=1),
        clock_ms=lambda: clock[0],
    )
    node.app.registry = registry
    mempool = _FixedMempool()
    node.mempool = mempool  # type: ignore[assignment]
    roots = []
    try:
        for time_ms, txs in raws:
            clock[0] = time_ms
            mempool.txs = [registry.tx_decoder.decode(raw, CHAIN_ID) for raw in txs]
            if not txs:
                # The embedded driver never makes an empty block; finalize one directly.
                meta = store.chain_meta()
                height = 1 if meta is None else meta.height + 1
                node.app.finalize_block(BlockRequest(height, time_ms, VALIDATOR.key.public_key, []))
                roots.append(node.app.commit().app_hash.hex())
                continue
            outcome = node.produce_block()
            if outcome is None:
                raise RuntimeError(f"the embedded node produced no block at {time_ms}")
            if [tx.raw for tx in outcome.txs] != list(txs):
                raise RuntimeError("the embedded node's block holds other transactions")
            roots.append(outcome.app_hash.hex())
        return roots
    finally:
        node.stop()
        store.close()


def _first_difference(name: str, ours: Sequence[str], theirs: Sequence[str]) -> Finding | None:
    for height, (a, b) in enumerate(zip(ours, theirs, strict=False), start=1):
        if a != b:
            return Finding(name, height, f"{name} gives {b[:16]}..., the run {a[:16]}...")
    if len(ours) != len(theirs):
        return Finding(name, min(len(ours), len(theirs)) + 1, f"{name} stopped early")
    return None


def replay_file(genesis_raw: bytes, raws: Raws, extra: Sequence[str]) -> bytes:
    return msgspec.msgpack.encode(
        {"genesis": genesis_raw, "blocks": [[t, list(txs)] for t, txs in raws], "extra": extra}
    )


def _path_for(python: str) -> str:
    """What the replaying interpreter imports from: this one's whole path for this
    interpreter (test-only modules included); the working directory and the given
    ``PYTHONPATH`` for another one (its own site-packages must win)."""
    cwd = os.getcwd()
    if python == sys.executable:
        return os.pathsep.join(entry or cwd for entry in sys.path)
    given = os.environ.get("PYTHONPATH", "")
    return os.pathsep.join(entry for entry in (given, cwd) if entry)


def subprocess_hashes(
    genesis_raw: bytes, raws: Raws, extra: Sequence[str], runs: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], list[str] | str]:
    """Header hashes from fresh interpreters, one per ``(executable, PYTHONHASHSEED)``, run
    at once; or the error text of one that failed."""
    with tempfile.TemporaryDirectory(prefix="origin-sim-") as directory:
        path = Path(directory) / "blocks.msgpack"
        path.write_bytes(replay_file(genesis_raw, raws, extra))
        processes = {
            run: subprocess.Popen(
                [run[0], "-m", "originledger.testing.replay", str(path)],
                env={**os.environ, "PYTHONHASHSEED": run[1], "PYTHONPATH": _path_for(run[0])},
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            for run in runs
        }
        answers: dict[tuple[str, str], list[str] | str] = {}
        for run, process in processes.items():
            out, err = process.communicate(timeout=600)
            if process.returncode != 0:
                answers[run] = err.decode(errors="replace")[-400:]
            else:
                answers[run] = list(json.loads(out)["hashes"])
        return answers


def compare_replays(
    config: SimConfig, registry: Registry, genesis_raw: bytes, execution: Execution
) -> tuple[Finding | None, list[str]]:
    """Replay the executed blocks every configured way; the first difference, and notes."""
    notes: list[str] = []
    raws = execution.raws
    if config.replay:
        hashes, _ = replay_chain(genesis_raw, raws, registry)
        finding = _first_difference("replay", execution.hashes, hashes)
        if finding:
            return finding, notes
    if config.drivers:
        try:
            roots: list[str] | None = abci_roots(genesis_raw, raws, registry)
        except Exception as error:
            if type(error).__name__ in ("ToolchainError", "ImportError"):
                notes.append(f"ABCI replay skipped: {error}")
                roots = None
            else:
                detail = f"the ABCI path raised {error!r}"
                return Finding("abci", 0, detail, cause=type(error).__name__), notes
        if roots is not None:
            finding = _first_difference("abci", execution.roots, roots)
            if finding:
                return finding, notes
        try:
            roots = embedded_roots(genesis_raw, raws, registry)
        except Exception as error:
            detail = f"the embedded path raised {error!r}"
            return Finding("embedded", 0, detail, cause=type(error).__name__), notes
        finding = _first_difference("embedded", execution.roots, roots)
        if finding:
            return finding, notes
    runs = [(sys.executable, seed) for seed in config.hash_seeds]
    runs += [(python, "0") for python in config.interpreters]
    if runs:
        answers = subprocess_hashes(genesis_raw, raws, config.extra_modules, runs)
        for (python, seed), answer in answers.items():
            kind = "hash-seed" if python == sys.executable else "interpreter"
            name = f"PYTHONHASHSEED={seed}" if kind == "hash-seed" else python
            if isinstance(answer, str):
                return Finding(kind, 0, f"{name} failed: {answer}"), notes
            finding = _first_difference(name, execution.hashes, answer)
            if finding:
                return replace(finding, kind=kind), notes
    return None, notes


# -- one seed, shrinking, reproduction ----------------------------------------------------


def new_world(config: SimConfig, registry: Registry) -> World:
    users = random.Random(config.seed * 7919 + 1).randrange(6, 17)
    return World.build(users, [module.name for module in registry.modules], fees=config.fees)


def _fails(
    config: SimConfig, registry: Registry, blocks: Sequence[BlockSpec], original: Finding
) -> bool:
    world = new_world(config, registry)
    execution = execute(config, registry, world, blocks, None)
    finding = execution.finding
    if finding is None and original.kind in (
        "replay",
        "abci",
        "embedded",
        "hash-seed",
        "interpreter",
    ):
        only = replace(
            config,
            replay=original.kind == "replay",
            drivers=original.kind in ("abci", "embedded"),
            hash_seeds=config.hash_seeds if original.kind == "hash-seed" else (),
            interpreters=config.interpreters if original.kind == "interpreter" else (),
        )
        finding, _ = compare_replays(only, registry, world.genesis(), execution)
    return finding is not None and original.same_as(finding)


def _without(items: Sequence[Any], start: int, size: int) -> list[Any]:
    return [*items[:start], *items[start + size :]]


def shrink(
    config: SimConfig, registry: Registry, blocks: list[BlockSpec], original: Finding
) -> list[BlockSpec]:
    """Drop blocks, then transactions, then messages, while the run still fails the same
    way (chunks first, halving down to one); stops when ``shrink_seconds`` run out."""
    deadline = time.monotonic() + config.shrink_seconds

    def fails(candidate: list[BlockSpec]) -> bool:
        return time.monotonic() < deadline and _fails(config, registry, candidate, original)

    # 0. The check_txs probes, all at once (they matter only to check_txs findings).
    without_probes = [replace(block, probes=()) for block in blocks]
    if fails(without_probes):
        blocks = without_probes
    # 1. Blocks.
    size = max(1, len(blocks) // 2)
    while size >= 1:
        start = 0
        while start < len(blocks):
            candidate = _without(blocks, start, size)
            if candidate and fails(candidate):
                blocks = candidate
            else:
                start += size
        size //= 2
    # 2. Transactions, block by block.
    for index in range(len(blocks)):
        txs = list(blocks[index].txs)
        size = max(1, len(txs) // 2)
        while size >= 1:
            start = 0
            while start < len(txs):
                trial_txs = _without(txs, start, size)
                candidate = [
                    *blocks[:index],
                    replace(blocks[index], txs=tuple(trial_txs)),
                    *blocks[index + 1 :],
                ]
                if fails(candidate):
                    txs, blocks = trial_txs, candidate
                else:
                    start += size
            size //= 2
    # 3. Messages, transaction by transaction.
    for index in range(len(blocks)):
        for position in range(len(blocks[index].txs)):
            tx = blocks[index].txs[position]
            start = 0
            while start < len(tx.messages) and len(tx.messages) > 1:
                trial = replace(tx, messages=tuple(_without(tx.messages, start, 1)))
                txs = list(blocks[index].txs)
                txs[position] = trial
                candidate = [
                    *blocks[:index],
                    replace(blocks[index], txs=tuple(txs)),
                    *blocks[index + 1 :],
                ]
                if fails(candidate):
                    tx, blocks = trial, candidate
                else:
                    start += 1
    # Empty blocks that remain are kept only where they matter (times between blocks).
    return blocks


def rerun_command(config: SimConfig) -> str:
    parts = [
        "python3 -m originledger.testing.sim",
        f"--seed {config.seed}",
        f"--blocks {config.blocks}",
    ]
    parts += [f"--txs-per-block {config.txs_per_block_max}"]
    parts += [f"--module {path}" for path in config.extra_modules]
    parts += [f"--focus {prefix}" for prefix in config.focus]
    parts += [f"--python {python}" for python in config.interpreters]
    if config.exclude_known_bugs:
        parts.append("--exclude-known-bugs")
    return " ".join(parts)


def reproduction(
    config: SimConfig, registry: Registry, blocks: Sequence[BlockSpec], finding: Finding
) -> dict[str, Any]:
    """The shrunk run as JSON (messages in their API form, with a legend naming the
    accounts they mention), and how to re-run the seed."""
    world = new_world(config, registry)
    names = {str(member.address): member.name for member in world.parties}
    names.update({str(a): "module account" for a in world.accounts("module")})
    for module in registry.modules:
        names[str(module_address(module.name))] = f"module account of {module.name}"
    names.update({str(a): "unknown (never seen)" for a in world.accounts("unknown")})
    mentioned = json.dumps([[to_builtins(m) for t in b.txs for m in t.messages] for b in blocks])
    legend = {address: name for address, name in names.items() if address in mentioned}
    document = {
        "finding": finding.describe(),
        "genesis": "World.genesis() of originledger/testing/world.py (see re-run)",
        "accounts": legend,
        "blocks": [
            {
                "time_ms": block.time_ms,
                **({"probes": [raw.hex() for raw in block.probes]} if block.probes else {}),
                "txs": [
                    {
                        "signers": list(tx.signers),
                        "client_id": tx.client_id,
                        "expires_at_ms": tx.expires_at_ms,
                        **({"bad_signature": True} if tx.bad_signature else {}),
                        "messages": [to_builtins(message) for message in tx.messages],
                    }
                    for tx in block.txs
                ],
            }
            for block in blocks
        ],
    }
    return document


def render_reproduction(config: SimConfig, document: dict[str, Any]) -> str:
    text = json.dumps(document, indent=2, default=str)
    return f"  reproduction (shrunk):\n{_indent(text)}\n  re-run: {rerun_command(config)}"


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())


def load_reproduction(
    config: SimConfig, registry: Registry, document: dict[str, Any]
) -> list[BlockSpec]:
    """The blocks of a printed reproduction (its JSON), to execute again."""
    union: Any = Union[tuple(registry.handlers)]  # noqa: UP007
    blocks = []
    for block in document["blocks"]:
        txs = []
        for tx in block["txs"]:
            messages = tuple(
                from_json(json.dumps(message).encode(), union) for message in tx["messages"]
            )
            spec = TxSpec(
                messages,
                tuple(tx["signers"]),
                int(tx["client_id"]),
                int(tx["expires_at_ms"]),
                bool(tx.get("bad_signature", False)),
            )
            txs.append(spec)
        probes = tuple(bytes.fromhex(raw) for raw in block.get("probes", ()))
        blocks.append(BlockSpec(int(block["time_ms"]), tuple(txs), probes))
    return blocks


def run_reproduction(config: SimConfig, document: dict[str, Any]) -> SeedResult:
    """Execute a printed reproduction again, with every check."""
    registry = registry_for(config.extra_modules)
    world = new_world(config, registry)
    blocks = load_reproduction(config, registry, document)
    execution = execute(config, registry, world, blocks, None)
    finding = execution.finding
    notes: list[str] = []
    if finding is None:
        finding, notes = compare_replays(config, registry, world.genesis(), execution)
    if finding is not None and blocks and not finding.message_type:
        finding = replace(finding, message_type=_only_tag(blocks[-1]))
    return SeedResult(execution.stats, finding, "", notes)


@dataclass
class SeedResult:
    stats: Stats
    finding: Finding | None
    repro: str
    notes: list[str]
    document: dict[str, Any] | None = None  # the reproduction, as printed


def run_seed(config: SimConfig) -> SeedResult:
    registry = registry_for(config.extra_modules)
    world = new_world(config, registry)
    generation = Generation(config, registry, world)
    execution = execute(config, registry, world, None, generation)
    finding = execution.finding
    notes: list[str] = []
    if finding is None:
        finding, notes = compare_replays(config, registry, world.genesis(), execution)
    repro = ""
    document = None
    if finding is not None:
        blocks = list(execution.specs)
        if finding.height > 0:
            blocks = blocks[: finding.height]
        if config.shrink:
            blocks = shrink(config, registry, blocks, finding)
            if blocks and not finding.message_type:
                # The failing block, shrunk to one message, names the type.
                finding = replace(finding, message_type=_only_tag(blocks[-1]))
        document = reproduction(config, registry, blocks, finding)
        repro = render_reproduction(config, document)
    return SeedResult(execution.stats, finding, repro, notes, document)


def run_seeds(
    base: SimConfig,
    seeds: Sequence[int] | None = None,
    seconds: float | None = None,
    progress: Callable[[str], None] | None = None,
) -> RunReport:
    """Run ``seeds`` (or consecutive seeds from ``base.seed`` until ``seconds`` pass)."""
    report = RunReport()
    started = time.monotonic()
    seen: list[Finding] = []
    seed = base.seed
    queue = list(seeds) if seeds is not None else None
    while True:
        if queue is not None:
            if not queue:
                break
            seed = queue.pop(0)
        elif report.seeds and (seconds is None or time.monotonic() - started >= seconds):
            break
        config = replace(base, seed=seed)
        result = run_seed(config)
        report.seeds.append(seed)
        report.stats.add(result.stats)
        for note in result.notes:
            if note not in report.notes:
                report.notes.append(note)
        if result.finding is not None:
            known = any(
                result.finding.same_as(other) or other.same_as(result.finding) for other in seen
            )
            seen.append(result.finding)
            if not known:
                report.findings.append((seed, result.finding, result.repro))
            if progress:
                progress(
                    f"seed {seed}: {result.finding.describe()}"
                    + (" (seen before)" if known else "")
                )
        elif progress:
            progress(f"seed {seed}: ok ({result.stats.messages} messages)")
        seed += 1
    report.wall_seconds = time.monotonic() - started
    return report


__all__ += ["KNOWN_BUGS", "BlockSpec", "TxSpec", "shrink"]
