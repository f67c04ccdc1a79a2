"""CometBFT's wire format, as Origin speaks it (CometBFT v0.38, pinned).

What crosses between Origin and CometBFT, in bytes, lives here and nowhere else; the node
(which CometBFT drives over ABCI), the API (which proves results against CometBFT's
headers) and the SDK (which checks them offline) all import it. It depends on ``core``
and third-party libraries only.

- ``tools.py``: the pinned version, the tools directory things are built into, running Go.
- ``protos.py``: the protobuf classes, generated from CometBFT's own ``.proto`` files, and
  their loading.
- ``framing.py``: length-delimited messages (the ABCI socket's frames, signed bytes).
- ``results.py``: a transaction's result as ``last_results_hash`` commits to it.
- ``headers.py``: header hashes, the bytes a precommit signs, checking a signed header.
- ``validators.py``: a validator's CometBFT address and genesis entry.

Building the CometBFT binary itself is the node's (``node/toolchain.py``).
"""
