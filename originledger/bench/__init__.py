"""``origin bench``: end-to-end benchmarks of a real node.

``transfers.py`` runs ``origin bench transfers`` on one node in its own process;
``network.py`` runs it on a local network of CometBFT validators (``--network``).
Both share ``accounts.py`` (derivable keys, a funded genesis, transfers signed in
parallel before the clock starts), ``load.py`` (submitting, tracking commits,
percentiles, the raw verification rate) and ``process.py`` (the node's process and its
CPU and memory).
"""

from __future__ import annotations

from originledger.bench.transfers import run_transfer_bench

__all__ = ["run_transfer_bench"]
