"""Origin: a verifiable ledger for tokenized money and assets."""

__all__ = ["__version__"]

__version__ = "0.1.0"
