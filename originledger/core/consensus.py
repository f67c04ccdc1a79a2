"""The versions a chain's validators must share, declared in genesis and checked at start.

Two validators agree on a block only if they run the same state machine bit for bit:
the same protocol (message encodings, signing digests, state layout), the same modules at
the same versions, and the same libraries where a library's answer is consensus: msgspec
(what decodes, what is canonical, what is hashed) and PyNaCl with the libsodium it bundles
(which Ed25519 signatures verify). ``pyproject.toml`` pins both exactly; genesis declares
them in ``consensus_versions``; a node whose own versions differ refuses to start or join
with an error that lists every difference, instead of forking at the first message the
versions disagree on.

A genesis without ``consensus_versions`` (older chains, quick tests) is not checked.
"""

from __future__ import annotations

from collections.abc import Iterable

import msgspec
import nacl

__all__ = [
    "PROTOCOL_VERSION",
    "ConsensusVersionError",
    "ConsensusVersions",
    "local_consensus_versions",
    "require_consensus_versions",
    "version_differences",
]

PROTOCOL_VERSION = 1
"""The state machine's protocol: encodings, digests, key layout, envelope rules. Raised
on any change that makes a block execute differently (a hard fork)."""


class ConsensusVersions(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """``genesis.json``'s ``consensus_versions``: what every validator runs."""

    protocol: int
    msgspec: str
    pynacl: str
    modules: dict[str, int] = {}


class ConsensusVersionError(ValueError):
    """This node's consensus versions differ from what the chain declares (a ``ValueError``:
    the genesis is input this node cannot accept)."""


def local_consensus_versions(modules: Iterable[tuple[str, int]]) -> ConsensusVersions:
    """This process's versions, for the composed ``(module name, version)`` pairs."""
    return ConsensusVersions(
        protocol=PROTOCOL_VERSION,
        msgspec=str(msgspec.__version__),
        pynacl=str(nacl.__version__),
        modules=dict(sorted(modules)),
    )


def version_differences(declared: ConsensusVersions, local: ConsensusVersions) -> list[str]:
    """Each difference as ``"what: the chain declares X, this node runs Y"``."""
    differences: list[str] = []
    for name in ("protocol", "msgspec", "pynacl"):
        theirs, ours = getattr(declared, name), getattr(local, name)
        if theirs != ours:
            differences.append(f"{name}: the chain declares {theirs}, this node runs {ours}")
    for module in sorted(set(declared.modules) | set(local.modules)):
        theirs_version = declared.modules.get(module)
        ours_version = local.modules.get(module)
        if theirs_version != ours_version:
            theirs_text = "absent" if theirs_version is None else str(theirs_version)
            ours_text = "absent" if ours_version is None else str(ours_version)
            differences.append(
                f"module {module}: the chain declares {theirs_text}, this node runs {ours_text}"
            )
    return differences


def require_consensus_versions(
    declared: ConsensusVersions | None, local: ConsensusVersions, chain_id: str = ""
) -> None:
    """Raise ``ConsensusVersionError`` when the chain declares other versions than
    ``local``; a chain that declares none is accepted."""
    if declared is None:
        return
    differences = version_differences(declared, local)
    if differences:
        chain = f"chain {chain_id!r}" if chain_id else "the chain"
        raise ConsensusVersionError(
            f"this node cannot validate {chain}: its consensus versions differ from the "
            f"chain's genesis ({'; '.join(differences)}). Install the declared versions "
            "(pyproject.toml pins msgspec and PyNaCl exactly) or join another chain."
        )
