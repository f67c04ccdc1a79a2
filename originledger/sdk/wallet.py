"""Keys and keystore files, encrypted at rest with a passphrase.

A keystore is JSON: the address and public key in the clear, the 32-byte Ed25519 seed
sealed with XSalsa20-Poly1305 (libsodium's secretbox) under a key derived from the
passphrase with Argon2id (libsodium's pwhash). Both come from PyNaCl, the library that
signs; no other cryptography is involved. Files are written with mode 0600.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import nacl.exceptions
import nacl.pwhash
import nacl.secret
import nacl.utils

from originledger.core.address import Address, account_address
from originledger.core.crypto import SigningKey

__all__ = [
    "KEYSTORE_VERSION",
    "Key",
    "KeystoreError",
    "generate_key",
    "load_keystore",
    "save_keystore",
]

KEYSTORE_VERSION = 1
_KDF = nacl.pwhash.argon2id


class KeystoreError(ValueError):
    """The keystore cannot be read: wrong passphrase, damaged or unknown format."""


class Key:
    """A signing key with its account address and a name."""

    def __init__(self, signing_key: SigningKey, name: str = "") -> None:
        self.signing_key = signing_key
        self.name = name
        self.public_key = signing_key.public_key
        self.address: Address = account_address(signing_key.public_key)

    def sign(self, message: bytes) -> bytes:
        return self.signing_key.sign(message)

    def __repr__(self) -> str:
        return f"Key(name={self.name!r}, address={self.address})"


def generate_key(name: str = "") -> Key:
    return Key(SigningKey(nacl.utils.random(32)), name)


def save_keystore(
    key: Key,
    path: Path,
    passphrase: str,
    *,
    opslimit: int = _KDF.OPSLIMIT_INTERACTIVE,
    memlimit: int = _KDF.MEMLIMIT_INTERACTIVE,
) -> None:
    salt = nacl.utils.random(_KDF.SALTBYTES)
    secret = _KDF.kdf(
        nacl.secret.SecretBox.KEY_SIZE,
        passphrase.encode(),
        salt,
        opslimit=opslimit,
        memlimit=memlimit,
    )
    nonce = nacl.utils.random(nacl.secret.SecretBox.NONCE_SIZE)
    sealed = nacl.secret.SecretBox(secret).encrypt(key.signing_key.seed, nonce).ciphertext
    document = {
        "version": KEYSTORE_VERSION,
        "name": key.name,
        "address": str(key.address),
        "public_key": key.public_key.hex(),
        "crypto": {
            "kdf": "argon2id",
            "opslimit": opslimit,
            "memlimit": memlimit,
            "salt": salt.hex(),
            "cipher": "xsalsa20poly1305",
            "nonce": nonce.hex(),
            "ciphertext": sealed.hex(),
        },
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(path.suffix + ".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump(document, handle, indent=2)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def read_keystore_public(path: Path) -> dict[str, str]:
    """The clear part of a keystore (name, address, public key), without the passphrase."""
    try:
        document = json.loads(path.read_text())
        return {
            "name": document.get("name", ""),
            "address": document["address"],
            "public_key": document["public_key"],
        }
    except (OSError, ValueError, KeyError) as error:
        raise KeystoreError(f"{path}: not a keystore ({error})") from error


def load_keystore(path: Path, passphrase: str) -> Key:
    try:
        document = json.loads(path.read_text())
        if document.get("version") != KEYSTORE_VERSION:
            raise KeystoreError(f"{path}: unknown keystore version {document.get('version')!r}")
        crypto = document["crypto"]
        if crypto["kdf"] != "argon2id" or crypto["cipher"] != "xsalsa20poly1305":
            raise KeystoreError(f"{path}: unknown kdf or cipher")
        secret = _KDF.kdf(
            nacl.secret.SecretBox.KEY_SIZE,
            passphrase.encode(),
            bytes.fromhex(crypto["salt"]),
            opslimit=int(crypto["opslimit"]),
            memlimit=int(crypto["memlimit"]),
        )
        seed = nacl.secret.SecretBox(secret).decrypt(
            bytes.fromhex(crypto["ciphertext"]), bytes.fromhex(crypto["nonce"])
        )
    except nacl.exceptions.CryptoError:
        raise KeystoreError(f"{path}: wrong passphrase or damaged keystore") from None
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise KeystoreError(f"{path}: not a keystore ({error})") from error
    key = Key(SigningKey(seed), document.get("name", ""))
    if str(key.address) != document["address"]:
        raise KeystoreError(f"{path}: the key does not match the address in the file")
    return key


__all__ += ["read_keystore_public"]
