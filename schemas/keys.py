"""Agencies' keys: Ed25519 signing keys and X25519 encryption keys; files and key ids."""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from schemas.errors import KeyFileError

PRIVATE_KEY_MODE = 0o600


def generate_private_key() -> Ed25519PrivateKey:
    """A new random Ed25519 signing key."""
    return Ed25519PrivateKey.generate()


def raw_public_key(public_key: Ed25519PublicKey | X25519PublicKey) -> bytes:
    """The 32-byte raw encoding of a public key (RFC 8032 for Ed25519, RFC 7748 for X25519)."""
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(public_key: Ed25519PublicKey) -> str:
    """Key id: the first 8 bytes of SHA-256 over the raw public key, as 16 hex digits."""
    return hashlib.sha256(raw_public_key(public_key)).digest()[:8].hex()


def generate_encryption_key() -> X25519PrivateKey:
    """A new random X25519 key, to which others encrypt personal data for this agency."""
    return X25519PrivateKey.generate()


def encryption_key_id(public_key: X25519PublicKey) -> str:
    """Key id of an X25519 key: first 8 bytes of SHA-256 over its raw bytes, 16 hex digits."""
    return hashlib.sha256(raw_public_key(public_key)).digest()[:8].hex()


def encryption_key_from_b64(text: str) -> X25519PublicKey:
    """Parse a base64 raw X25519 public key; raises ``ValueError`` when invalid."""
    raw = base64.b64decode(text, validate=True)
    if len(raw) != 32:
        raise ValueError(f"an X25519 public key is 32 bytes, got {len(raw)}")
    return X25519PublicKey.from_public_bytes(raw)


def public_key_b64(public_key: Ed25519PublicKey | X25519PublicKey) -> str:
    """Standard base64 of the raw public key, as stored in the trust store."""
    return base64.b64encode(raw_public_key(public_key)).decode("ascii")


def public_key_from_b64(text: str) -> Ed25519PublicKey:
    """Parse a base64 raw Ed25519 public key; raises ``ValueError`` when invalid."""
    raw = base64.b64decode(text, validate=True)
    if len(raw) != 32:
        raise ValueError(f"an Ed25519 public key is 32 bytes, got {len(raw)}")
    return Ed25519PublicKey.from_public_bytes(raw)


def write_private_key(
    path: Path, key: Ed25519PrivateKey | X25519PrivateKey, *, overwrite: bool = False
) -> None:
    """Write ``key`` as unencrypted PKCS#8 PEM, readable by its owner only (0600)."""
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if overwrite else os.O_EXCL)
    try:
        fd = os.open(path, flags, PRIVATE_KEY_MODE)
    except FileExistsError as exc:
        raise KeyFileError(f"{path} already exists; refusing to overwrite a private key") from exc
    except OSError as exc:
        raise KeyFileError(f"cannot write {path}: {exc.strerror}") from exc
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    path.chmod(PRIVATE_KEY_MODE)


def write_public_key(path: Path, public_key: Ed25519PublicKey | X25519PublicKey) -> None:
    """Write ``public_key`` as SubjectPublicKeyInfo PEM."""
    pem = public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    try:
        path.write_bytes(pem)
    except OSError as exc:
        raise KeyFileError(f"cannot write {path}: {exc.strerror}") from exc


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """Load an Ed25519 private key from a PKCS#8 PEM file."""
    key = _load_private(path)
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(f"{path} holds a {type(key).__name__}, not an Ed25519 key")
    return key


def load_decryption_key(path: Path) -> X25519PrivateKey:
    """Load an X25519 private (decryption) key from a PKCS#8 PEM file."""
    key = _load_private(path)
    if not isinstance(key, X25519PrivateKey):
        raise KeyFileError(f"{path} holds a {type(key).__name__}, not an X25519 key")
    return key


def _load_private(path: Path) -> object:
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise KeyFileError(f"private key file {path} does not exist") from exc
    except OSError as exc:
        raise KeyFileError(f"cannot read private key {path}: {exc.strerror}") from exc
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise KeyFileError(f"{path} is not an unencrypted PEM private key: {exc}") from exc
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    """Load an Ed25519 public key from a SubjectPublicKeyInfo PEM file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise KeyFileError(f"cannot read public key {path}: {exc.strerror}") from exc
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise KeyFileError(f"{path} is not a PEM public key: {exc}") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise KeyFileError(f"{path} holds a {type(key).__name__}, not an Ed25519 key")
    return key
