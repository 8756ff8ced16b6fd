"""The originator's side: encrypt personal data once, wrap its key for every recipient key."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from schemas.catalog import personal_data_schema
from schemas.codec import encode_binary
from schemas.errors import EncodeError, SealError
from schemas.keys import encryption_key_id, raw_public_key
from schemas.personal_data.attachment import encode_attachment
from schemas.personal_data.format import (
    NONCE_LEN,
    WRAP_NONCE,
    associated_data,
    key_commitment,
    wrap_key,
)


@dataclass(frozen=True)
class RecipientKey:
    """A cleared recipient's X25519 public key, as the trust store lists it."""

    key_id: str
    """Its key id (:func:`schemas.keys.encryption_key_id`)."""
    public_key: X25519PublicKey
    """The X25519 public key."""

    @classmethod
    def of(cls, public_key: X25519PublicKey) -> RecipientKey:
        """The recipient key of ``public_key`` with its derived id."""
        return cls(key_id=encryption_key_id(public_key), public_key=public_key)


@dataclass(frozen=True)
class SealRandomness:
    """Fixed random values, injected ONLY to build reproducible test vectors."""

    content_key: bytes
    """The 32-byte content key K."""
    nonce: bytes
    """The 12-byte content nonce N."""
    ephemeral_keys: tuple[X25519PrivateKey, ...]
    """One ephemeral key per recipient key, in order."""


@dataclass(frozen=True)
class Sealed:
    """Sealed personal data: what is signed and what travels beside the signature."""

    commitment: dict[str, Any]
    """The ``SealedPersonalData`` datum that replaces ``personal_data`` in the alert."""
    attachment: bytes
    """The value of the :data:`HEADER` Kafka header."""


def encode_plaintext(personal_data: dict[str, Any]) -> bytes:
    """Avro binary of a PersonalData datum (the error never quotes the data)."""
    try:
        return encode_binary(personal_data_schema(), personal_data)
    except EncodeError:
        raise EncodeError("personal_data does not match corridor.v1.PersonalData") from None


def seal(
    personal_data: dict[str, Any],
    *,
    agency: str,
    alert_id: str,
    revision: int,
    recipients: Sequence[RecipientKey],
    randomness: SealRandomness | None = None,
) -> Sealed:
    """Encrypt ``personal_data`` once and wrap its key for every recipient key."""
    if not recipients:
        raise SealError("personal data can only be sealed for at least one recipient key")
    if randomness is None:
        randomness = SealRandomness(
            content_key=AESGCM.generate_key(bit_length=256),
            nonce=os.urandom(NONCE_LEN),
            ephemeral_keys=tuple(X25519PrivateKey.generate() for _ in recipients),
        )
    if len(randomness.ephemeral_keys) != len(recipients):
        raise ValueError("one ephemeral key per recipient")
    content_key, nonce = randomness.content_key, randomness.nonce
    ciphertext = AESGCM(content_key).encrypt(
        nonce, encode_plaintext(personal_data), associated_data(agency, alert_id, revision)
    )
    wraps = [
        _wrap(content_key, recipient, ephemeral)
        for recipient, ephemeral in zip(recipients, randomness.ephemeral_keys, strict=True)
    ]
    return Sealed(
        commitment={
            "nonce": nonce,
            "ciphertext_sha256": hashlib.sha256(ciphertext).digest(),
            "key_commitment": key_commitment(content_key),
        },
        attachment=encode_attachment({"ciphertext": ciphertext, "wraps": wraps}),
    )


def _wrap(
    content_key: bytes, recipient: RecipientKey, ephemeral: X25519PrivateKey
) -> dict[str, Any]:
    ephemeral_public = raw_public_key(ephemeral.public_key())
    shared = ephemeral.exchange(recipient.public_key)
    key = wrap_key(shared, ephemeral_public, raw_public_key(recipient.public_key))
    return {
        "key_id": recipient.key_id,
        "ephemeral_public": ephemeral_public,
        "wrapped_key": AESGCM(key).encrypt(WRAP_NONCE, content_key, None),
    }
