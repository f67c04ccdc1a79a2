"""Genesis of the assets module: assets and their opening balances."""

from originledger.modules.assets.logic import genesis_init
from originledger.modules.assets.types import AssetsGenesis, GenesisAsset, GenesisBalance

__all__ = ["AssetsGenesis", "GenesisAsset", "GenesisBalance", "genesis_init"]
