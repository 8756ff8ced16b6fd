"""The personal-data format's constants and derivations: AAD, key commitment, wrap key."""

from __future__ import annotations

import hashlib
import hmac

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

#: Kafka record header carrying the attachment (at most once per record).
HEADER = "corridor-personal-data"
#: Prefix of the associated data of the content encryption.
AAD_CONTEXT = b"corridor/personal-data/v1\x00"
#: HKDF ``info`` of a wrap key.
WRAP_INFO = b"corridor/personal-data/v1 wrap"
#: HMAC-SHA256 message of the key commitment (keyed with the content key).
KEY_COMMITMENT_TEXT = b"corridor/personal-data/v1 key commitment"
#: A wrap key encrypts exactly one content key, so its nonce is fixed.
WRAP_NONCE = bytes(12)
CONTENT_KEY_LEN = 32
NONCE_LEN = 12
#: Largest attachment a verifier decodes (the payload limit, as for the envelope).
MAX_ATTACHMENT_LEN = 1_048_576

#: What a recipient's copy of the alert shows instead of the personal data.
REDACTED = "redacted"
"""The alert names persons, but the hub delivered no attachment: not cleared."""
NOT_CLEARED = "not_cleared"
"""An attachment came, but none of its wraps is for the recipient's decryption key."""
ENCRYPTED = "encrypted"
"""An attachment came, but the reader supplied no decryption key."""


def associated_data(agency: str, alert_id: str, revision: int) -> bytes:
    """The AAD binding the ciphertext to one revision of one alert."""
    return AAD_CONTEXT + f"{agency}:{alert_id}:{revision}".encode()


def key_commitment(content_key: bytes) -> bytes:
    """HMAC-SHA256 of :data:`KEY_COMMITMENT_TEXT` keyed with the content key."""
    return hmac.new(content_key, KEY_COMMITMENT_TEXT, hashlib.sha256).digest()


def wrap_key(shared: bytes, ephemeral_public: bytes, recipient_public: bytes) -> bytes:
    """HKDF-SHA256 of the X25519 shared secret, salted with both public keys."""
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=ephemeral_public + recipient_public,
        info=WRAP_INFO,
    ).derive(shared)
