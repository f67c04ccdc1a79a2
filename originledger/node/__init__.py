"""The drivers of the Application: the embedded single-validator node and the validator
CometBFT drives (ABCI). Both satisfy the driver protocol (``originledger.driver``); serving
them over HTTP with their indexer is ``originledger.server``, which node/ does not know."""

__all__: list[str] = []
