"""Genesis of the assets module: parameters, assets and their opening balances."""

from originledger.modules.assets.logic import genesis_init
from originledger.modules.assets.types import (
    AssetsGenesis,
    AssetsParams,
    GenesisAsset,
    GenesisBalance,
)

__all__ = ["AssetsGenesis", "AssetsParams", "GenesisAsset", "GenesisBalance", "genesis_init"]
