"""The ``origin`` command line (Typer + Rich), a thin layer over the SDK and the node.

What the commands share:

- ``options.py``: the options and arguments many commands take, each declared once;
- ``command.py``: ``OriginTyper`` (every command reports expected errors with their exit
  code) and ``NodeCommand``, the one parameter that stands for ``--home --node --json``;
- ``signing.py``: ``SignedCommand``, the same plus ``--passphrase-file --wait-ms``, and the
  one sequence that signs, submits and reports a transaction;
- ``errors.py`` and ``exit_codes.py``, ``output.py`` (Rich or ``--json``), ``home.py`` (keys
  and passphrases), ``connection.py`` (the node's URL, the client, --prove's trust),
  ``parsing.py`` (amounts and ids).

One file per area for the commands themselves: ``transactions.py`` and ``controls.py``
(``asset``, ``transfer``, ``account``, ``hold``), ``requests.py``, ``pay.py``,
``escrow.py``, ``channels.py``, ``clearing.py``, ``compliance.py``, ``query.py``,
``keys.py``, ``node.py``, ``net.py``, ``indexer.py``, ``sim.py``; ``main.py`` assembles them.
"""

from originledger.cli.exit_codes import ExitCode
from originledger.cli.main import app, main

__all__ = ["ExitCode", "app", "main"]
