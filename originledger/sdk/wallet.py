"""Keys and keystore files, encrypted at rest with a passphrase.

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
stored in each file, so either kind loads the same way.

**Files** are written with mode 0600, whatever a previous file at the path (or a stale
temporary file) had: a fresh temporary file is created exclusively with 0600, set to 0600
again (``fchmod``, in case a umask or a filesystem widened it), written, synced, then renamed
over the target (:func:`write_private_file`).
"""

from __future__ import annotations

import contextlib
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
    "KDF_INTERACTIVE",
    "KDF_MODERATE",
    "KEYSTORE_VERSION",
    "Key",
    "KeystoreError",
    "generate_key",
    "load_keystore",
    "pop_environment_passphrase",
    "save_keystore",
    "write_private_file",
]

KEYSTORE_VERSION = 1
_KDF = nacl.pwhash.argon2id
# (opslimit, memlimit) pairs of libsodium's named Argon2id strengths.
KDF_MODERATE = (_KDF.OPSLIMIT_MODERATE, _KDF.MEMLIMIT_MODERATE)
KDF_INTERACTIVE = (_KDF.OPSLIMIT_INTERACTIVE, _KDF.MEMLIMIT_INTERACTIVE)


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


def write_private_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically with mode 0600, never reusing the mode of an
    earlier file: opening an existing file with ``O_TRUNC`` keeps its old mode, so the
    text goes to a new temporary file (created exclusively) that replaces ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()  # a stale one from a crash: never write through its mode
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(descriptor, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        raise


PASSPHRASE_ENV = "ORIGIN_PASSPHRASE"


def pop_environment_passphrase() -> str | None:
    """``$ORIGIN_PASSPHRASE``, taken out of this process's environment, so that no child
    process started later inherits it (None when it is not set)."""
    return os.environ.pop(PASSPHRASE_ENV, None)


def child_environment() -> dict[str, str]:
    """This process's environment for a child process, without the passphrase."""
    return {name: value for name, value in os.environ.items() if name != PASSPHRASE_ENV}


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


__all__ += ["PASSPHRASE_ENV", "child_environment", "read_keystore_public"]
