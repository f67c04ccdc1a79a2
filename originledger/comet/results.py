"""CometBFT's encoding of a block's results: what ``last_results_hash`` is the root of.

``last_results_hash`` of header H + 1 is the RFC 6962 Merkle root of block H's
deterministic results, one per CometBFT transaction, each the protobuf
``ExecTxResult{code, data}``. Origin puts as ``data`` the Merkle root of the result leaves
of the Origin transactions a CometBFT transaction carried (``core.batch``); it uses no gas.
The node answers them (``node/abci.py``), the API proves them, the SDK checks them.
"""

from __future__ import annotations

from originledger.comet.headers import checking_types

__all__ = ["exec_result_bytes"]


def exec_result_bytes(code: int, data: bytes) -> bytes:
    """A transaction's leaf of ``last_results_hash``: the deterministic ``ExecTxResult``
    (code and data; Origin uses no gas) as protobuf."""
    return bytes(checking_types().abci.ExecTxResult(code=code, data=data).SerializeToString())
