"""The indexer follows money moved by the payments and clearing modules: after every
flow (requests, refunds, authorizations and captures, escrow, channels, swaps, a netted
cycle), the index's balances equal the ledger's, module accounts included."""

from __future__ import annotations

from sqlalchemy import select

from originledger.indexer import Indexer, StoreSource, open_engine, schema
from originledger.modules.assets import load_line
from originledger.modules.clearing import CLEARING_ACCOUNT
from originledger.modules.payments import PAYMENTS_ACCOUNT
from tests.conftest import ALICE, BOB, CAROL
from tests.modules.payments_replay import OPERATOR, scenario_chain


def test_index_balances_equal_ledger_after_every_payment_flow() -> None:
    for chain in scenario_chain():
        indexer = Indexer(open_engine("sqlite://"), StoreSource(chain.store, chain.app.registry))
        assert indexer.catch_up() == chain.height + 1  # the genesis too
        table = schema.balances
        for address in (
            ALICE.address, BOB.address, CAROL.address, OPERATOR.address,
            PAYMENTS_ACCOUNT, CLEARING_ACCOUNT,
        ):  # fmt: skip
            with indexer.engine.connect() as connection:
                rows = connection.execute(
                    select(table.c.symbol, table.c.amount, table.c.held).where(
                        table.c.address == str(address)
                    )
                ).all()
            indexed = {row.symbol: (row.amount, row.held) for row in rows if row.amount or row.held}
            ledger = {}
            for symbol in ("USD", "EUR", "BOND"):
                line = load_line(chain.store, address, symbol)
                if line is not None and (line.amount or line.held):
                    ledger[symbol] = (int(line.amount), int(line.held))
            assert indexed == ledger, str(address)
