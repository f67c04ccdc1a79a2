#!/usr/bin/env python3
"""Mutation testing of the money paths: does the test suite notice a plausible bug?

For each file given, every *mutation point* (see ``OPERATORS``) yields one mutant: the
file with that one change. The mutant is written into a private copy of the tree (the
working tree is never touched), a narrow pytest subset runs against it with a timeout,
and the mutant is *killed* when a test fails (or errors, or times out) and *survives*
when every test passes. The score of a file is killed / mutants. Surviving mutants are
listed with their line and change: each is a test to write, or a change that cannot
alter behaviour (say why in the report).

    python3 tools/mutation.py --paths originledger/modules/payments/logic.py
    python3 tools/mutation.py --paths originledger/core/codec.py --tests tests/core/test_codec.py
    python3 tools/mutation.py --paths originledger/core/amounts.py --list      # mutants only

Each file has a default test subset (``DEFAULT_TESTS``); ``--tests`` overrides it. The
run is sequential (the machine is shared): the parent imports the test tooling once, and
each mutant runs in a forked child that imports the project afresh from the copy, so a
mutant costs the tests' own time, not an interpreter start. See docs/testing.md.
"""

from __future__ import annotations

import argparse
import ast
import copy
import importlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The test subset that exercises each file, narrow enough to run once per mutant.
DEFAULT_TESTS: dict[str, list[str]] = {
    "originledger/modules/payments/logic.py": [
        "tests/modules/test_payments.py",
        "tests/modules/test_payments_edges.py",
    ],
    "originledger/core/amounts.py": ["tests/core/test_amounts.py"],
    "originledger/core/codec.py": ["tests/core/test_codec.py"],
    "originledger/modules/clearing/netting.py": ["tests/modules/test_clearing.py"],
    "originledger/modules/assets/logic.py": [
        "tests/modules/test_assets_edges.py",
        "tests/modules/test_assets.py",
        "tests/modules/test_assets_holds.py",
        "tests/modules/test_assets_controls.py",
        "tests/modules/test_assets_policy.py",
        "tests/modules/test_assets_peg_jurisdiction.py",
        "tests/modules/test_value_movement.py",
        "tests/modules/test_module_accounts.py",
        "tests/modules/test_revoked_issuer.py",
        "tests/modules/test_ledger_machine.py",
    ],
    "originledger/modules/clearing/logic.py": [
        "tests/modules/test_clearing_edges.py",
        "tests/modules/test_clearing.py",
        "tests/modules/test_value_movement.py",
        "tests/modules/test_module_accounts.py",
        "tests/modules/test_time_bounds.py",
    ],
    "originledger/modules/compliance/logic.py": [
        "tests/modules/test_compliance_holders.py",
        "tests/modules/test_value_movement.py",
    ],
}

OPERATORS = {
    "compare": "a comparison flipped at its boundary or negated (< <=, > >=, == !=, in, is)",
    "arith": "an arithmetic or bitwise operator swapped (+ -, * //, << >>, & |), also in +=",
    "const": "an integer constant n -> n + 1 (0 -> 1, 1 -> 2), True <-> False",
    "bool": "and <-> or; `not x` -> `x`",
    "return": "an `if ...: return x` guard deleted (the step's failure is not returned)",
    "call": "a statement that is only a call deleted (a write, an event, a check)",
}

_COMPARE_SWAPS: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
_ARITH_SWAPS: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.FloorDiv,
    ast.FloorDiv: ast.Mult,
    ast.Mod: ast.FloorDiv,
    ast.LShift: ast.RShift,
    ast.RShift: ast.LShift,
    ast.BitAnd: ast.BitOr,
    ast.BitOr: ast.BitAnd,
    ast.BitXor: ast.BitAnd,
}
_SYMBOLS = {
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.In: "in",
    ast.NotIn: "not in",
    ast.Is: "is",
    ast.IsNot: "is not",
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitAnd: "&",
    ast.BitOr: "|",
    ast.BitXor: "^",
}


@dataclass(frozen=True)
class Mutant:
    path: str
    number: int  # the n-th mutation point of the file, from 0
    line: int
    operator: str
    change: str
    source: str  # the mutated file


@dataclass
class FileReport:
    path: str
    tests: list[str]
    killed: int = 0
    survived: list[Mutant] = field(default_factory=list)
    timeouts: int = 0
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return self.killed + len(self.survived)

    @property
    def score(self) -> float:
        return 100.0 * self.killed / self.total if self.total else 100.0


class _Points(ast.NodeTransformer):
    """Walks a module in a fixed order, numbering every mutation point; when ``target``
    is set, applies that one and records what it did."""

    def __init__(self, operators: set[str], target: int | None = None) -> None:
        self.operators = operators
        self.target = target
        self.count = 0
        self.applied: tuple[int, str, str] | None = None

    def _hit(self, node: ast.AST, operator: str, change: str) -> bool:
        """Count one mutation point; True when it is the one to apply."""
        number = self.count
        self.count += 1
        if number == self.target:
            self.applied = (getattr(node, "lineno", 0), operator, change)
            return True
        return False

    # Subtrees that are not behaviour: docstrings, messages, annotations, raising.
    def visit_JoinedStr(self, node: ast.JoinedStr) -> ast.AST:
        return node

    def visit_Raise(self, node: ast.Raise) -> ast.AST:
        return node

    def visit_AnnAssign(self, node: ast.AnnAssign) -> ast.AST:
        if node.value is not None:
            node.value = self.visit(node.value)
        return node

    def visit_arguments(self, node: ast.arguments) -> ast.AST:
        node.defaults = [self.visit(d) for d in node.defaults]
        node.kw_defaults = [None if d is None else self.visit(d) for d in node.kw_defaults]
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        node.args = self.visit(node.args)
        node.body = self._body(node.body)
        return node

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST:
        node.body = self._body(node.body)
        return node

    def visit_Assign(self, node: ast.Assign) -> ast.AST:
        names = [t.id for t in node.targets if isinstance(t, ast.Name)]
        if names == ["__all__"]:
            return node
        return self.generic_visit(node)

    def _body(self, body: list[ast.stmt]) -> list[ast.stmt]:
        start = 0
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            start = 1  # the docstring
        visited: list[ast.stmt] = body[:start]
        for statement in body[start:]:
            result = self.visit(statement)
            if isinstance(result, ast.stmt):
                visited.append(result)
        return visited or [ast.Pass()]

    def generic_visit(self, node: ast.AST) -> ast.AST:
        for name, value in ast.iter_fields(node):
            if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
                setattr(node, name, self._body(value))
            elif isinstance(value, list):
                setattr(node, name, [self.visit(v) if isinstance(v, ast.AST) else v for v in value])
            elif isinstance(value, ast.AST):
                setattr(node, name, self.visit(value))
        return node

    # Statements ----------------------------------------------------------------------

    def visit_If(self, node: ast.If) -> ast.AST:
        if (
            "return" in self.operators
            and not node.orelse
            and len(node.body) == 1
            and isinstance(node.body[0], ast.Return)
            and self._hit(node, "return", f"delete `if {ast.unparse(node.test)}: return ...`")
        ):
            return ast.copy_location(ast.Pass(), node)
        return self.generic_visit(node)

    def visit_Expr(self, node: ast.Expr) -> ast.AST:
        if (
            "call" in self.operators
            and isinstance(node.value, ast.Call)
            and self._hit(node, "call", f"delete `{ast.unparse(node.value)[:60]}`")
        ):
            return ast.copy_location(ast.Pass(), node)
        return self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.AST:
        swap = _ARITH_SWAPS.get(type(node.op))
        if "arith" in self.operators and swap is not None:
            change = f"{_SYMBOLS[type(node.op)]}= -> {_SYMBOLS[swap]}="
            if self._hit(node, "arith", change):
                node.op = swap()
                return node
        return self.generic_visit(node)

    # Expressions ---------------------------------------------------------------------

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        self.generic_visit(node)
        if "compare" in self.operators:
            for index, op in enumerate(node.ops):
                swap = _COMPARE_SWAPS.get(type(op))
                if swap is None:
                    continue
                change = f"{_SYMBOLS[type(op)]} -> {_SYMBOLS[swap]}"
                if self._hit(node, "compare", change):
                    node.ops[index] = swap()
                    return node
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        swap = _ARITH_SWAPS.get(type(node.op))
        if "arith" in self.operators and swap is not None:
            change = f"{_SYMBOLS[type(node.op)]} -> {_SYMBOLS[swap]}"
            if self._hit(node, "arith", change):
                node.op = swap()
        return node

    def visit_BoolOp(self, node: ast.BoolOp) -> ast.AST:
        self.generic_visit(node)
        if "bool" in self.operators:
            swap: ast.boolop = ast.Or() if isinstance(node.op, ast.And) else ast.And()
            name = "and" if isinstance(node.op, ast.And) else "or"
            if self._hit(node, "bool", f"{name} -> {'or' if name == 'and' else 'and'}"):
                node.op = swap
        return node

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        self.generic_visit(node)
        if (
            "bool" in self.operators
            and isinstance(node.op, ast.Not)
            and self._hit(node, "bool", "not x -> x")
        ):
            return node.operand
        return node

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        if "const" not in self.operators:
            return node
        value = node.value
        if isinstance(value, bool):
            if self._hit(node, "const", f"{value} -> {not value}"):
                return ast.copy_location(ast.Constant(not value), node)
        elif isinstance(value, int) and self._hit(node, "const", f"{value} -> {value + 1}"):
            return ast.copy_location(ast.Constant(value + 1), node)
        return node


def mutants(path: str, operators: set[str]) -> Iterator[Mutant]:
    """Every mutant of ``path`` (relative to the tree), in a fixed order."""
    text = (ROOT / path).read_text()
    tree = ast.parse(text)
    counter = _Points(operators)
    counter.visit(copy.deepcopy(tree))
    original = ast.unparse(tree)
    for number in range(counter.count):
        applier = _Points(operators, number)
        mutated = ast.fix_missing_locations(applier.visit(copy.deepcopy(tree)))
        if applier.applied is None:
            continue
        source = ast.unparse(mutated)
        if source == original:
            continue
        line, operator, change = applier.applied
        yield Mutant(path, number, line, operator, change, source)


# Running ---------------------------------------------------------------------------------


def _copy_tree(destination: Path) -> None:
    ignore = shutil.ignore_patterns(
        "__pycache__", ".git", ".mypy_cache", ".ruff_cache", ".pytest_cache", ".hypothesis"
    )
    for name in ("originledger", "tests", "examples"):
        if (ROOT / name).exists():
            shutil.copytree(ROOT / name, destination / name, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, destination / name)
    if (ROOT / "docs").exists():
        shutil.copytree(ROOT / "docs", destination / "docs", ignore=ignore)


def _preload(tree: Path, tests: Sequence[str]) -> None:
    """Import in this (parent) process the third-party modules the tests import, so that
    each forked child only imports the project itself: collect the tests once in a
    subprocess and list what it imported outside the project."""
    script = (
        "import sys, io, contextlib, pytest\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    pytest.main(['--collect-only', '-q', '-p', 'no:cacheprovider', *sys.argv[1:]])\n"
        "print('\\n'.join(m for m in sorted(sys.modules)"
        " if not m.startswith(('originledger', 'tests', '__main__', 'conftest'))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, *tests],
        cwd=tree,
        env={**os.environ, "PYTHONPATH": str(tree)},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    for name in result.stdout.split():
        if name in sys.modules:
            continue
        try:
            importlib.import_module(name)
        except Exception:
            continue


def _run_tests(tree: Path, tests: Sequence[str], timeout_s: float) -> str:
    """Run ``tests`` in a forked child against ``tree``: ``passed``, ``failed`` or
    ``timeout``."""
    pid = os.fork()
    if pid == 0:  # the child: import the project afresh from the copy
        code = 3
        try:
            os.chdir(tree)
            sys.path.insert(0, str(tree))
            os.environ["PYTHONPATH"] = str(tree)
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            import pytest

            code = int(
                pytest.main(
                    ["-x", "-q", "-p", "no:cacheprovider", "--no-header", *tests],
                )
            )
        finally:
            os._exit(code)
    deadline = time.monotonic() + timeout_s
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return "passed" if os.waitstatus_to_exitcode(status) == 0 else "failed"
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return "timeout"
        time.sleep(0.02)


def run_file(
    path: str,
    tests: Sequence[str],
    operators: set[str],
    timeout_s: float | None,
    limit: int | None,
    log: bool,
    only: set[int] | None = None,
) -> FileReport:
    report = FileReport(path, list(tests))
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="origin-mutation-") as scratch:
        tree = Path(scratch)
        _copy_tree(tree)
        _preload(tree, tests)
        baseline_started = time.monotonic()
        if _run_tests(tree, tests, 1_800) != "passed":
            raise SystemExit(f"the tests fail without any mutant: {' '.join(tests)}")
        baseline = time.monotonic() - baseline_started
        timeout = timeout_s if timeout_s is not None else max(10.0, 4 * baseline)
        if log:
            print(f"{path}: baseline {baseline:.1f} s, timeout {timeout:.0f} s", flush=True)
        target = tree / path
        original = target.read_text()
        try:
            chosen = (m for m in mutants(path, operators) if only is None or m.number in only)
            for index, mutant in enumerate(chosen):
                if limit is not None and index >= limit:
                    break
                target.write_text(mutant.source)
                outcome = _run_tests(tree, tests, timeout)
                if outcome == "passed":
                    report.survived.append(mutant)
                else:
                    report.killed += 1
                    report.timeouts += outcome == "timeout"
                if log:
                    mark = "SURVIVED" if outcome == "passed" else outcome
                    print(
                        f"  #{mutant.number:<4} line {mutant.line:<5} {mutant.operator:<8} "
                        f"{mutant.change[:70]:<70} {mark}",
                        flush=True,
                    )
        finally:
            target.write_text(original)
    report.seconds = time.monotonic() - started
    return report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--paths", nargs="+", required=True, help="files to mutate")
    parser.add_argument("--tests", nargs="+", help="the pytest subset (default: per file)")
    parser.add_argument(
        "--operators",
        default=",".join(OPERATORS),
        help=f"comma-separated, of: {', '.join(OPERATORS)}",
    )
    parser.add_argument("--timeout", type=float, help="seconds per mutant (default 4x baseline)")
    parser.add_argument("--limit", type=int, help="at most this many mutants per file")
    parser.add_argument(
        "--mutants",
        help="only these mutant numbers (comma-separated, as listed): re-check survivors",
    )
    parser.add_argument("--list", action="store_true", help="list the mutants, run nothing")
    parser.add_argument("--json", type=Path, help="write the report as JSON here")
    parser.add_argument("--quiet", action="store_true", help="only the summary")
    parser.add_argument(
        "--min-score", type=float, default=0.0, help="exit 1 when a file scores below this (%%)"
    )
    args = parser.parse_args(argv)
    operators = {name.strip() for name in args.operators.split(",") if name.strip()}
    unknown = operators - set(OPERATORS)
    if unknown:
        parser.error(f"unknown operators: {sorted(unknown)}")
    paths = [
        str(Path(p).resolve().relative_to(ROOT)) if Path(p).is_absolute() else p for p in args.paths
    ]
    if args.list:
        for path in paths:
            found = list(mutants(path, operators))
            for mutant in found:
                print(f"{path}:{mutant.line}: #{mutant.number} {mutant.operator}: {mutant.change}")
            print(f"{path}: {len(found)} mutants")
        return 0
    reports: list[FileReport] = []
    for path in paths:
        tests = args.tests or DEFAULT_TESTS.get(path)
        if not tests:
            parser.error(f"no default tests for {path}: pass --tests")
        only = {int(n) for n in args.mutants.split(",")} if args.mutants else None
        reports.append(
            run_file(path, tests, operators, args.timeout, args.limit, not args.quiet, only)
        )
    print()
    print(f"{'file':<45} {'mutants':>8} {'killed':>7} {'survived':>9} {'score':>7} {'time':>7}")
    for report in reports:
        print(
            f"{report.path:<45} {report.total:>8} {report.killed:>7} {len(report.survived):>9} "
            f"{report.score:>6.1f}% {report.seconds:>6.0f}s"
        )
    for report in reports:
        for mutant in report.survived:
            print(f"survived: {mutant.path}:{mutant.line}: {mutant.operator}: {mutant.change}")
    if args.json:
        args.json.write_text(
            json.dumps(
                [
                    {
                        "path": r.path,
                        "tests": r.tests,
                        "mutants": r.total,
                        "killed": r.killed,
                        "timeouts": r.timeouts,
                        "score": round(r.score, 1),
                        "seconds": round(r.seconds),
                        "survived": [
                            {"line": m.line, "operator": m.operator, "change": m.change}
                            for m in r.survived
                        ],
                    }
                    for r in reports
                ],
                indent=2,
            )
            + "\n"
        )
    return 1 if any(r.score < args.min_score for r in reports) else 0


if __name__ == "__main__":
    sys.exit(main())
