"""Serving a node: its HTTP API (``api/``) and its indexer (``indexer/``), composed above
the drivers (``node/``), which know neither.

- ``server/serve.py``: ``serve`` (what ``origin start`` and a validator's app process run).
- ``server/ingress.py``, ``server/ingress_worker.py``: an embedded node's API worker
  processes, which accept its connections and check submissions off its interpreter lock.
- ``server/background.py``: ``BackgroundServer``, the API in a thread (demo, benchmarks,
  tests).
- ``server/index.py``: a node's own indexer, wired to its commits.
- ``python -m originledger.server``: run a node without the CLI (``server/__main__.py``).
"""
