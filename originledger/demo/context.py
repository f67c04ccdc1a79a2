"""What every scene of ``origin demo`` shares: the client of the demo's own node, the dev
keys, the parties scenes create, and the helpers that submit a step and print it."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from originledger.core.amounts import Amount, format_units, parse_units
from originledger.keystore import generate_key
from originledger.modules.compliance import rule_id_of
from originledger.sdk import Client, Key, TxBuilder

__all__ = ["DECIMALS", "SYMBOL", "DemoContext", "Scene"]

SYMBOL = "USDO"
DECIMALS = 2


@dataclass
class DemoContext:
    """One run of the demo: scenes submit through ``step`` (must pass) and ``refused``
    (must be refused), and note what the summary reports in ``summary``."""

    client: Client
    builder: TxBuilder
    keys: dict[str, Key]  # the dev accounts of the home: admin, alice, bob, carol
    say: Callable[..., None]
    show_qr: bool = True
    summary: dict[str, Any] = field(default_factory=lambda: {"steps": []})
    parties: dict[str, Key] = field(default_factory=dict)

    # -- people -----------------------------------------------------------------------

    @property
    def admin(self) -> Key:
        return self.keys["admin"]

    @property
    def alice(self) -> Key:
        return self.keys["alice"]

    @property
    def bob(self) -> Key:
        return self.keys["bob"]

    @property
    def carol(self) -> Key:
        return self.keys["carol"]

    def party(self, name: str) -> Key:
        """A party a scene brings in (a fresh key, the same one for the rest of the run)."""
        key = self.parties.get(name)
        if key is None:
            key = self.parties[name] = generate_key(name)
        return key

    # -- submitting -------------------------------------------------------------------

    def submit(self, signer: Key, messages: tuple[Any, ...]) -> tuple[Any, float]:
        started = time.perf_counter()
        result = self.client.submit(self.builder.build(list(messages), [signer]), wait_ms=10_000)
        return result, (time.perf_counter() - started) * 1000

    def record(self, title: str, result: Any, elapsed_ms: float, expected: bool) -> None:
        self.summary["steps"].append(
            {
                "step": title,
                "hash": result.hash,
                "status": result.status,
                "codespace": result.codespace,
                "code": result.code,
                "height": result.height,
                "ms": round(elapsed_ms, 1),
            }
        )
        if result.ok != expected:
            raise RuntimeError(f"demo step went wrong: {title}: {result.message}")

    def step(self, title: str, signer: Key, *messages: Any) -> Any:
        """A step that must pass."""
        result, elapsed_ms = self.submit(signer, messages)
        mark = "[green]✓[/]" if result.ok else "[red]✗[/]"
        self.say(
            f"{mark} {title}: {result.status} in block {result.height} "
            f"({elapsed_ms:.0f} ms, code {result.code}: {result.message})"
        )
        self.record(title, result, elapsed_ms, expected=True)
        return result

    def refused(self, title: str, signer: Key, *messages: Any) -> Any:
        """A step that the ledger must refuse, changing nothing."""
        result, elapsed_ms = self.submit(signer, messages)
        self.say(
            f"[yellow]✗[/] {title}: refused as it should be, "
            f"{result.codespace} code {result.code} ({result.message})"
        )
        self.record(title, result, elapsed_ms, expected=False)
        return result

    def explain(self, result: Any) -> None:
        """What ``origin compliance explain`` says of a refusal by a pack rule."""
        rule_id = rule_id_of(result.message)
        if result.codespace != "compliance" or rule_id is None:
            return
        rule = self.client.query("compliance", "rule", id=rule_id)["result"]
        cites = rule["rule"]["cites"]
        self.say(
            f"  rule {rule_id} of the {rule['jurisdiction']} pack: "
            f"{rule['rule']['summary']}\n  cites {cites['document']}, "
            f"{cites['section']}: “{cites['quote']}”"
        )

    # -- reading ----------------------------------------------------------------------

    @staticmethod
    def units(text: str) -> Amount:
        return parse_units(text, DECIMALS)

    @staticmethod
    def money(amount: int) -> str:
        return f"{format_units(Amount(amount), DECIMALS)} {SYMBOL}"

    def balance(self, key: Key, symbol: str = SYMBOL) -> int:
        answer = self.client.query("assets", "balance", account=str(key.address), symbol=symbol)
        return int(answer["result"]["amount"])

    def available(self, key: Key) -> str:
        line = self.client.query("assets", "balance", account=str(key.address), symbol=SYMBOL)
        return format_units(Amount(int(line["result"]["available"])), DECIMALS)

    def now_ms(self) -> int:
        return int(self.client.status()["time_ms"])

    @property
    def timings(self) -> dict[str, float]:
        """Times to finality the payment scenes measure (the summary's ``timings_ms``)."""
        timings: dict[str, float] = self.summary.setdefault("timings_ms", {})
        return timings


Scene = Callable[[DemoContext], None]
