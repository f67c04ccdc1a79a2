"""Genesis of the attest module: schemas and trusted attesters."""

from originledger.modules.attest.logic import genesis_init
from originledger.modules.attest.types import AttestGenesis, GenesisSchema, GenesisTrust

__all__ = ["AttestGenesis", "GenesisSchema", "GenesisTrust", "genesis_init"]
