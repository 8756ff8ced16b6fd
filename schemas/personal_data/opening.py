"""A recipient's side: unwrap its content key and decrypt the personal data."""

from __future__ import annotations

import hmac
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from schemas.catalog import personal_data_schema
from schemas.codec import DECODE_ERRORS, decode_binary
from schemas.keys import encryption_key_id, raw_public_key
from schemas.personal_data.attachment import _mismatch
from schemas.personal_data.format import (
    CONTENT_KEY_LEN,
    WRAP_NONCE,
    associated_data,
    key_commitment,
    wrap_key,
)


def open_sealed(
    commitment: dict[str, Any],
    attachment: dict[str, Any],
    *,
    agency: str,
    alert_id: str,
    revision: int,
    private_key: X25519PrivateKey,
) -> dict[str, Any] | None:
    """Decrypt with ``private_key``: the PersonalData datum, or None if no wrap is for it.

    ``attachment`` must have passed :func:`check_attachment`. A wrap for this key that
    does not yield the committed content key, or a ciphertext that does not decrypt
    and decode, raises ``VerifyError(personal_data_mismatch)``.
    """
    public = private_key.public_key()
    kid = encryption_key_id(public)
    wraps = [w for w in attachment["wraps"] if w["key_id"] == kid]
    if not wraps:
        return None
    content_key = _unwrap(wraps, private_key, raw_public_key(public))
    if not hmac.compare_digest(key_commitment(content_key), commitment["key_commitment"]):
        raise _mismatch("the unwrapped key is not the one the originator committed to")
    try:
        plaintext = AESGCM(content_key).decrypt(
            commitment["nonce"],
            attachment["ciphertext"],
            associated_data(agency, alert_id, revision),
        )
    except InvalidTag as exc:
        raise _mismatch("the personal data does not decrypt for this alert") from exc
    try:
        return decode_binary(personal_data_schema(), plaintext)
    except DECODE_ERRORS as exc:
        raise _mismatch(f"decrypted personal data does not decode: {type(exc).__name__}") from exc


def _unwrap(wraps: list[dict[str, Any]], private_key: X25519PrivateKey, public: bytes) -> bytes:
    for wrap in wraps:
        try:
            shared = private_key.exchange(
                X25519PublicKey.from_public_bytes(wrap["ephemeral_public"])
            )
            key = wrap_key(shared, wrap["ephemeral_public"], public)
            content_key = AESGCM(key).decrypt(WRAP_NONCE, wrap["wrapped_key"], None)
        except (InvalidTag, ValueError):  # ValueError: low-order point, all-zero secret
            continue
        if len(content_key) == CONTENT_KEY_LEN:
            return content_key
    raise _mismatch("the key wrap for this recipient does not open")
