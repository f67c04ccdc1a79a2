"""Drivers of the Application: the embedded single-validator node (and, later, CometBFT)."""

__all__: list[str] = []
