"""Creating and destroying units: a capability, not part of the public face. ``app.py``
hands it only to a module that declares it in its ``expected.py`` and needs it (a lending
pool minting receipts, a bridge burning what leaves); in today's composition, none.

- ``mint_to(state, asset, recipient, amount, *, time_ms)``: every check of ``assets/mint``
  after the issuer's (the recipient's freeze and authorization, the maximum supply, the
  reserves); returns the updated ``AssetRecord`` and a ``Failure`` or None;
- ``burn_from(state, asset, holder, amount)``: the holder's available units, destroyed.
"""

from __future__ import annotations

from originledger.modules.assets.logic import burn_from, mint_to

__all__ = ["burn_from", "mint_to"]
