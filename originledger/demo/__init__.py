"""``origin demo``: tokenized money on a fresh node of its own, end to end over HTTP.

``run.py`` runs it; ``node.py`` starts the demo's own node (a free port, a temporary home
removed at the end, also on SIGTERM) and refuses to write to any chain it did not start;
``context.py`` is what every scene shares; ``scenes/`` holds one scene per file: a dollar
stablecoin minted against a custodian's attested reserves and no further; payments; holds
placed, partly posted and voided; a Hong Kong money-market fund approved by the regulator
and sold only to KYC'd buyers; a CNY stablecoin refused under China's policy pack (with
the rule and its citation); a tourist paying a shop's QR code, a refund and the day's
redemption; a hotel authorization; a trade escrow released by a bill of lading; a car
paying a charging station over a channel; three banks netting a day. ``proof.py`` ends it
with balances proven against the validator-signed header and a receipt verified offline.
Later issues add their scenes to ``scenes/``.
"""

from __future__ import annotations

from originledger.demo.run import run_demo

__all__ = ["run_demo"]
