"""The state layers a transaction reads through (core/context.py), and the cheap forms of
``TxResult.spends_hash`` and ``check_symbol`` that execution uses: same answers as the
plain definitions."""

from __future__ import annotations

from originledger.core.codes import ResultCode, TxCode, TxResult
from originledger.core.context import BlockState, NestedBlockState, TxState
from originledger.modules.assets.codes import AssetsCode
from originledger.modules.assets.types import check_symbol


class Committed:
    def __init__(self, values: dict[bytes, bytes]) -> None:
        self.values = values
        self.reads: list[bytes] = []

    def get(self, key: bytes) -> bytes | None:
        self.reads.append(key)
        return self.values.get(key)


def test_tx_state_reads_its_writes_then_the_block_then_committed_state() -> None:
    committed = Committed({b"a": b"1", b"b": b"1", b"c": b"1", b"d": b"1"})
    block = BlockState(committed)
    block.set(b"b", b"2")
    block.delete(b"c")
    tx = TxState(block)
    tx.set(b"d", b"3")
    assert [tx.get(k) for k in (b"a", b"b", b"c", b"d", b"e")] == [b"1", b"2", None, b"3", None]
    assert committed.reads == [b"a", b"e"]  # what the layers above did not answer
    tx.delete(b"b")
    assert tx.get(b"b") is None and block.get(b"b") == b"2"
    tx.commit()
    assert block.get(b"b") is None and block.get(b"d") == b"3" and tx.writes == {}


def test_tx_state_over_a_nested_layer_sees_all_three_layers() -> None:
    committed = Committed({b"a": b"1", b"b": b"1", b"c": b"1"})
    block = BlockState(committed)
    block.set(b"a", b"2")
    nested = NestedBlockState(block)  # a fee's layer, an end-of-block hook's
    nested.set(b"b", b"3")
    nested.delete(b"c")
    tx = TxState(nested)
    assert [tx.get(k) for k in (b"a", b"b", b"c")] == [b"2", b"3", None]
    tx.set(b"a", b"4")
    tx.commit()
    assert nested.get(b"a") == b"4" and block.get(b"a") == b"2"
    nested.commit()
    assert block.get(b"a") == b"4" and block.get(b"b") == b"3" and block.get(b"c") is None
    # A block's writes made after a transaction's layer was opened are seen by it.
    late = TxState(block)
    block.set(b"z", b"5")
    assert late.get(b"z") == b"5"


def _spends_by_definition(result: TxResult) -> bool:
    if result.codespace != TxCode.codespace:
        return True
    return not (0 < result.code <= TxCode.ALREADY_COMMITTED or result.code == TxCode.FEE_UNPAID)


def test_spends_hash_follows_its_definition_for_every_code() -> None:
    codes: list[ResultCode] = [*TxCode, *AssetsCode]
    for code in codes:
        for result in (TxResult.failure(code), TxResult.failure(code, "detail", 0)):
            assert result.spends_hash == _spends_by_definition(result), code
    assert TxResult.success().spends_hash
    assert TxResult("tx", 99, "unknown").spends_hash
    assert TxResult("assets", 13, "x").spends_hash


def test_check_symbol_remembers_only_valid_symbols() -> None:
    assert check_symbol("USDX") is None
    assert check_symbol("USDX") is None  # remembered
    for bad in ("usdx", "USDX ", "", "A" * 13, "1ABC", "US$"):
        failure = check_symbol(bad)
        assert failure is not None and failure.code == AssetsCode.INVALID_SYMBOL
        assert check_symbol(bad) is not None  # a refusal is never remembered as valid
