"""The public face of accounts: what other modules may call. ``app.py`` hands it to the
modules that expect it (their ``expected.py``); no module imports it directly.

- ``has_role(state, address, role)``: whether the account holds the role;
- ``load_account(state, address)``: the ``AccountRecord`` or None.
"""

from __future__ import annotations

from originledger.modules.accounts.logic import has_role, load_account

__all__ = ["has_role", "load_account"]
