"""Genesis of the assets module: parameters, assets and their opening balances."""

from originledger.core.context import BlockState, Event
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
    "AssetsGenesis",
    "AssetsParams",
    "FeeSchedule",
    "GenesisAsset",
    "GenesisBalance",
    "genesis_init",
]


def genesis_init(state: BlockState, genesis: AssetsGenesis) -> list[Event]:
    """The assets and balances, then the fee schedule when the chain charges fees (it
    names a genesis asset). Without ``fees`` nothing of fees is written."""
    events = logic.genesis_init(state, genesis)
    if genesis.fees is not None:
        genesis_fees(state, genesis.fees)
    return events
