"""Keys on disk: account keys, their encrypted keystore files, and private files.

Below both the node (which writes validator and dev keys) and the SDK (whose users load
and sign with keys); it depends on ``core`` and PyNaCl only.

- ``key.py``: :class:`Key`, an Ed25519 signing key with its account address.
- ``encrypted.py``: keystore files (Argon2id + XSalsa20-Poly1305), their costs, dev keys.
- ``private.py``: files written with mode 0600, the passphrase's environment variable.
"""

from originledger.keystore.encrypted import (
    DEV_PASSPHRASE,
    KDF_INTERACTIVE,
    KDF_MODERATE,
    KEYSTORE_VERSION,
    KeystoreError,
    load_keystore,
    read_keystore_public,
    save_dev_keystore,
    save_keystore,
)
from originledger.keystore.key import Key, generate_key
from originledger.keystore.private import (
    PASSPHRASE_ENV,
    child_environment,
    pop_environment_passphrase,
    write_private_file,
)

__all__ = [
    "DEV_PASSPHRASE",
    "KDF_INTERACTIVE",
    "KDF_MODERATE",
    "KEYSTORE_VERSION",
    "PASSPHRASE_ENV",
    "Key",
    "KeystoreError",
    "child_environment",
    "generate_key",
    "load_keystore",
    "pop_environment_passphrase",
    "read_keystore_public",
    "save_dev_keystore",
    "save_keystore",
    "write_private_file",
]
