"""Genesis of the accounts module: accounts and the roles they start with."""

from originledger.core.module import GenesisStream
from originledger.modules.accounts.logic import genesis_init, genesis_steps
from originledger.modules.accounts.types import AccountsGenesis, GenesisAccount

__all__ = ["GENESIS_STREAM", "AccountsGenesis", "GenesisAccount", "genesis_init"]

# The accounts list, imported in chunks by the app's streamed genesis import.
GENESIS_STREAM = GenesisStream("accounts", GenesisAccount, genesis_steps)
