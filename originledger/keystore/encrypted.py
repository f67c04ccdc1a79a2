"""Keystore files: an account key encrypted at rest with a passphrase.

A keystore is JSON: the address and public key in the clear, the 32-byte Ed25519 seed
sealed with XSalsa20-Poly1305 (libsodium's secretbox) under a key derived from the
passphrase with Argon2id (libsodium's pwhash). Both come from PyNaCl, the library that
signs; no other cryptography is involved.

**Key derivation cost.** Keys are saved with libsodium's ``MODERATE`` Argon2id limits by
default (256 MiB, 3 passes: about a second per unlock on a laptop core): an account key may
become an issuer's, an admin's or a validator operator's at any time (roles are granted on
chain, after the file exists), so every key a person creates gets the cost that makes a
stolen keystore slow to guess. ``INTERACTIVE`` (64 MiB, 2 passes) is kept for throwaway
keys only: the dev keys ``origin init --dev`` and ``origin net up`` write (whose
passphrase, ``dev``, is public anyway) and tests that create keys in bulk. The limits are
stored in each file, so either kind loads the same way (:func:`save_dev_keystore` writes
a dev key).

Keystores are written with mode 0600 (``keystore/private.py``).
"""

from __future__ import annotations

import json
from pathlib import Path

import nacl.exceptions
import nacl.pwhash
import nacl.secret
import nacl.utils

from originledger.core.crypto import SigningKey
from originledger.keystore.key import Key
from originledger.keystore.private import write_private_file

__all__ = [
    "DEV_PASSPHRASE",
    "KDF_INTERACTIVE",
    "KDF_MODERATE",
    "KEYSTORE_VERSION",
    "KeystoreError",
    "load_keystore",
    "read_keystore_public",
    "save_dev_keystore",
    "save_keystore",
]

KEYSTORE_VERSION = 1
_KDF = nacl.pwhash.argon2id
# (opslimit, memlimit) pairs of libsodium's named Argon2id strengths.
KDF_MODERATE = (_KDF.OPSLIMIT_MODERATE, _KDF.MEMLIMIT_MODERATE)
KDF_INTERACTIVE = (_KDF.OPSLIMIT_INTERACTIVE, _KDF.MEMLIMIT_INTERACTIVE)
DEV_PASSPHRASE = "dev"  # the passphrase of the dev keystores (`origin init --dev`)


class KeystoreError(ValueError):
    """The keystore cannot be read: wrong passphrase, damaged or unknown format."""


def save_keystore(
    key: Key,
    path: Path,
    passphrase: str,
    *,
    opslimit: int = KDF_MODERATE[0],
    memlimit: int = KDF_MODERATE[1],
) -> None:
    """Encrypt ``key`` under ``passphrase`` into ``path`` (mode 0600). The default cost is
    ``KDF_MODERATE``; pass ``*KDF_INTERACTIVE`` only for throwaway keys (see above)."""
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
    write_private_file(path, json.dumps(document, indent=2) + "\n")


def save_dev_keystore(key: Key, path: Path) -> None:
    """Save a dev key: the public passphrase :data:`DEV_PASSPHRASE`, so the fast
    ``KDF_INTERACTIVE`` derivation (see above)."""
    save_keystore(
        key, path, DEV_PASSPHRASE, opslimit=KDF_INTERACTIVE[0], memlimit=KDF_INTERACTIVE[1]
    )


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
