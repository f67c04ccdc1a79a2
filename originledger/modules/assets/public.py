"""The public face of assets: what other modules may call to read and move units. ``app.py``
hands it to the modules that expect it (their ``expected.py``); no module imports it
directly. The README's protocol table describes each function.

- reading: ``load_asset``, ``agent_of``, ``issuer_in_good_standing``, ``balance_of``,
  ``available_of``, ``load_line``, ``load_hold``, and ``balance_prefix`` (the state key
  prefix of an account's balance lines, for block invariants that watch them);
- moving: ``move`` and ``move_asset`` (a transfer between two accounts, under every control
  of the asset);
- holds: ``place_hold``, ``post_hold``, ``void_hold``, ``derive_hold_id``,
  ``client_hold_id``.

Creating and destroying units is not here: it is the capability of ``supply.py``.
"""

from __future__ import annotations

from originledger.modules.assets.keys import balance_prefix
from originledger.modules.assets.logic import (
    agent_of,
    available_of,
    balance_of,
    client_hold_id,
    derive_hold_id,
    issuer_in_good_standing,
    load_asset,
    load_hold,
    load_line,
    move,
    move_asset,
    place_hold,
    post_hold,
    void_hold,
)

__all__ = [
    "agent_of",
    "available_of",
    "balance_of",
    "balance_prefix",
    "client_hold_id",
    "derive_hold_id",
    "issuer_in_good_standing",
    "load_asset",
    "load_hold",
    "load_line",
    "move",
    "move_asset",
    "place_hold",
    "post_hold",
    "void_hold",
]
