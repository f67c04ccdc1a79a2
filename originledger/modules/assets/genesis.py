"""Genesis of the assets module: parameters, assets and their opening balances."""

from collections.abc import Iterable, Iterator

from originledger.core.context import BlockState, Event
from originledger.core.module import GenesisStream
from originledger.modules.assets import logic
from originledger.modules.assets.fees import genesis_fees
from originledger.modules.assets.types import (
    AssetsGenesis,
    AssetsParams,
    FeeSchedule,
    GenesisAsset,
    GenesisBalance,
)

__all__ = [
    "GENESIS_STREAM",
    "AssetsGenesis",
    "AssetsParams",
    "FeeSchedule",
    "GenesisAsset",
    "GenesisBalance",
    "genesis_init",
    "genesis_steps",
]


def genesis_init(state: BlockState, genesis: AssetsGenesis) -> list[Event]:
    """The assets and balances, then the fee schedule when the chain charges fees (it
    names a genesis asset). Without ``fees`` nothing of fees is written."""
    events = logic.genesis_init(state, genesis)
    if genesis.fees is not None:
        genesis_fees(state, genesis.fees)
    return events


def genesis_steps(
    state: BlockState, genesis: AssetsGenesis, balances: Iterable[GenesisBalance]
) -> Iterator[list[Event]]:
    """``genesis_init`` in steps, ``balances`` given apart (the app's streamed import)."""
    yield from logic.genesis_steps(state, genesis, balances)
    if genesis.fees is not None:
        genesis_fees(state, genesis.fees)


# The balances list, imported in chunks by the app's streamed genesis import.
GENESIS_STREAM = GenesisStream("balances", GenesisBalance, genesis_steps)
