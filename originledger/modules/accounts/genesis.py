"""Genesis of the accounts module: accounts and the roles they start with."""

from originledger.modules.accounts.logic import genesis_init
from originledger.modules.accounts.types import AccountsGenesis, GenesisAccount

__all__ = ["AccountsGenesis", "GenesisAccount", "genesis_init"]
