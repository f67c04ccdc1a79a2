"""``origin verify-chain``: replay every stored block from genesis and compare.

The replay runs the stored transactions through a fresh Application over an in-memory
store, checks each header's signatures, its link to the previous header, and that the
replayed tx root, results root and state root equal the stored ones; then that the final
state root equals the node's committed one. Any difference names the first block where
it appears.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from originledger.app import Application, BlockRequest
from originledger.core.block import Genesis, header_hash, verify_signed_header
from originledger.core.codec import from_json
from originledger.core.module import InvariantBroken
from originledger.store.sqlite import SqliteStore

__all__ = ["ReplayReport", "verify_chain"]


@dataclass
class ReplayReport:
    ok: bool
    blocks: int = 0
    txs: int = 0
    height: int = 0
    state_root: bytes = b""
    problems: list[str] = field(default_factory=list)


def _check_invariants(app: Application, report: ReplayReport, height: int) -> None:
    try:
        app.check_invariants()
    except InvariantBroken as error:
        report.problems.append(f"after block {height}: invariant broken: {error}")


def verify_chain(
    store: SqliteStore,
    *,
    check_invariants_every: int = 0,
    progress: Callable[[int], None] | None = None,
) -> ReplayReport:
    genesis_raw = store.genesis()
    meta = store.chain_meta()
    if genesis_raw is None or meta is None:
        return ReplayReport(False, problems=["the store holds no chain"])
    genesis = from_json(genesis_raw, Genesis)
    powers = {validator.public_key: validator.power for validator in genesis.validators}
    replica = SqliteStore(None)
    app = Application(replica)
    app.init_chain(genesis_raw)
    report = ReplayReport(True)
    previous = replica.chain_meta()
    for stored, raws in store.all_blocks(genesis.initial_height):
        stored_header = stored.signed_header.header
        if not verify_signed_header(stored.signed_header, powers):
            report.problems.append(f"block {stored_header.height}: signatures do not verify")
        if previous is not None and stored_header.previous_hash != previous.last_hash:
            report.problems.append(f"block {stored_header.height}: does not link to its parent")
        outcome = app.finalize_block(
            BlockRequest(stored_header.height, stored_header.time_ms, stored_header.proposer, raws)
        )
        if header_hash(outcome.header) != header_hash(stored_header):
            for name in ("tx_root", "results_root", "state_root", "tx_count"):
                if getattr(outcome.header, name) != getattr(stored_header, name):
                    report.problems.append(f"block {stored_header.height}: {name} differs")
        app.commit()
        previous = replica.chain_meta()
        report.blocks += 1
        report.txs += len(raws)
        if check_invariants_every and report.blocks % check_invariants_every == 0:
            _check_invariants(app, report, stored_header.height)
        if progress is not None:
            progress(stored_header.height)
        if report.problems:
            break
    final = replica.chain_meta()
    if final is None or final.height != meta.height:
        report.problems.append(
            f"replayed to height {final and final.height}, store at {meta.height}"
        )
    elif final.app_hash != meta.app_hash:
        report.problems.append("the replayed state root differs from the committed one")
    if not report.problems:
        _check_invariants(app, report, report.height if final is None else final.height)
    report.ok = not report.problems
    report.height = final.height if final else 0
    report.state_root = final.app_hash if final else b""
    return report
