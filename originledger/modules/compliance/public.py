"""The public face of compliance: the holder checks a module that moves units runs on whoever
receives them. ``app.py`` hands it to the modules that expect it (their ``expected.py``);
no module imports it directly.

- ``load_index(state)``: the ``RuleIndex`` (which jurisdictions have active packs): one
  small record, read once per message;
- ``check_receiver(state, asset, index, receiver, amount, now_ms, *, holder_leaves)``: the
  holder rules of the asset's jurisdictions for one receiver; a ``Failure`` or None.
"""

from __future__ import annotations

from originledger.modules.compliance.logic import check_receiver, load_index

__all__ = ["check_receiver", "load_index"]
