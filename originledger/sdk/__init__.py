"""The Python SDK: keys and keystores, transaction building, an HTTP client, and offline
verification of proofs and receipts against validator-signed headers.

Keys and keystores are ``originledger.keystore``'s (the node writes them too); they are
part of the SDK's surface, so they are importable from here."""

from originledger.keystore import (
    Key,
    KeystoreError,
    generate_key,
    load_keystore,
    read_keystore_public,
    save_keystore,
)
from originledger.sdk.builder import SignedTransaction, TxBuilder
from originledger.sdk.client import Client, ClientError, SubmitResult
from originledger.sdk.verify import (
    TrustedValidators,
    VerificationError,
    VerifiedReceipt,
    verify_proven_value,
    verify_receipt,
)

__all__ = [
    "Client",
    "ClientError",
    "Key",
    "KeystoreError",
    "SignedTransaction",
    "SubmitResult",
    "TrustedValidators",
    "TxBuilder",
    "VerificationError",
    "VerifiedReceipt",
    "generate_key",
    "load_keystore",
    "read_keystore_public",
    "save_keystore",
    "verify_proven_value",
    "verify_receipt",
]
