"""The driver seam: what a node offers to those who serve or index it.

``LedgerNode`` (a driver: submit, listen to commits, prove) and ``ChainView`` (the committed
chain, to read) are protocols (``driver/protocol.py``); their answers are plain data
(``driver/answers.py``). The drivers themselves are in ``node/``; the API (``api/``), the
indexer (``indexer/``) and the server (``server/``) depend on this seam only.
"""

from originledger.driver.answers import (
    AppInfo,
    BlockOutcome,
    ChainMeta,
    EventRow,
    NodeOverloaded,
    ProvenValue,
    StoredBlock,
    StoredTx,
    SubmitAnswer,
)
from originledger.driver.protocol import BlockRecords, ChainView, LedgerNode, MempoolView

__all__ = [
    "AppInfo",
    "BlockOutcome",
    "BlockRecords",
    "ChainMeta",
    "ChainView",
    "EventRow",
    "LedgerNode",
    "MempoolView",
    "NodeOverloaded",
    "ProvenValue",
    "StoredBlock",
    "StoredTx",
    "SubmitAnswer",
]
