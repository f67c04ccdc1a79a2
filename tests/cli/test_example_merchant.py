"""examples/cross_border_merchant.py runs end to end on its own node."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from .helpers import free_port

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "cross_border_merchant.py"


def test_cross_border_merchant_example_runs(capsys) -> None:
    spec = importlib.util.spec_from_file_location("cross_border_merchant", EXAMPLE)
    assert spec is not None and spec.loader is not None
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    result = example.run(f"127.0.0.1:{free_port()}")
    # $200 - $50 + $5 refunded; the shop redeemed everything it kept.
    assert (result["consumer"], result["merchant"]) == ("155.00", "0.00")
    assert (result["gross"], result["net"], result["saved_bps"]) == ("340000", "50000", 8529)
    assert "the consumer scans and pays" in result["timings_ms"]
    assert "origin:pay?v=1&chain=origin-merchant" in capsys.readouterr().out
