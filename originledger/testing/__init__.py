"""A deterministic, seeded swarm simulator for the whole Application (see docs/simulator.md).

Shell code: it may import the app, the store and the node; core and modules never import
it. Modules give it their message generators (``originledger/modules/<name>/simulation.py``,
see ``originledger/core/simulation.py``).
"""

from __future__ import annotations

from originledger.testing.engine import Finding, RunReport, SimConfig, run_seed, run_seeds

__all__ = ["Finding", "RunReport", "SimConfig", "run_seed", "run_seeds"]
