"""Personal data sealed to cleared recipients: AES-256-GCM content, X25519 key wraps.

The originator encrypts; the hub never sees the plaintext. Byte for byte
(docs/wire-format.md, section 6.6)::

    plaintext  = Avro binary of corridor.v1.PersonalData
    K, N       = 32 random bytes (content key), 12 random bytes (nonce)
    aad        = "corridor/personal-data/v1" 00 || utf8(AGENCY ":" alert_id ":" revision)
    ciphertext = AES-256-GCM-Encrypt(K, N, plaintext, aad)            (16-byte tag appended)
    commitment = SealedPersonalData{nonce: N, ciphertext_sha256: SHA-256(ciphertext),
                                    key_commitment: HMAC-SHA256(K, KEY_COMMITMENT_TEXT)}
    per recipient key P (id kid):
        e         = fresh X25519 key pair
        shared    = X25519(e, P)
        wrap_key  = HKDF-SHA256(shared, salt = e_pub || P, info = WRAP_INFO, length 32)
        wrapped   = AES-256-GCM-Encrypt(wrap_key, 12 zero bytes, K, no aad)
        KeyWrap{key_id: kid, ephemeral_public: e_pub, wrapped_key: wrapped}
    attachment = Avro single-object encoding of PersonalDataAttachment{ciphertext, wraps}

The commitment goes into the signed alert; the attachment travels in the Kafka
header :data:`HEADER`, outside the signature, so the hub can keep only a
recipient's own wrap (:func:`headers_for_recipient`) without breaking the signature.

The code is in :mod:`schemas.personal_data.format`, ``sealing``, ``attachment``,
``opening`` and ``recipient_headers``; this module re-exports their public names, so
callers keep writing ``from schemas import personal_data as pd`` and ``pd.seal(...)``.
"""

from __future__ import annotations

from schemas.personal_data.attachment import (
    attachment_of,
    check_attachment,
    decode_attachment,
    encode_attachment,
)
from schemas.personal_data.format import (
    AAD_CONTEXT,
    CONTENT_KEY_LEN,
    ENCRYPTED,
    HEADER,
    KEY_COMMITMENT_TEXT,
    MAX_ATTACHMENT_LEN,
    NONCE_LEN,
    NOT_CLEARED,
    REDACTED,
    WRAP_INFO,
    WRAP_NONCE,
    associated_data,
    key_commitment,
    wrap_key,
)
from schemas.personal_data.opening import open_sealed
from schemas.personal_data.recipient_headers import headers_for_recipient, restrict_attachment
from schemas.personal_data.sealing import (
    RecipientKey,
    Sealed,
    SealRandomness,
    encode_plaintext,
    seal,
)

__all__ = [
    "AAD_CONTEXT",
    "CONTENT_KEY_LEN",
    "ENCRYPTED",
    "HEADER",
    "KEY_COMMITMENT_TEXT",
    "MAX_ATTACHMENT_LEN",
    "NONCE_LEN",
    "NOT_CLEARED",
    "REDACTED",
    "WRAP_INFO",
    "WRAP_NONCE",
    "RecipientKey",
    "SealRandomness",
    "Sealed",
    "associated_data",
    "attachment_of",
    "check_attachment",
    "decode_attachment",
    "encode_attachment",
    "encode_plaintext",
    "headers_for_recipient",
    "key_commitment",
    "open_sealed",
    "restrict_attachment",
    "seal",
    "wrap_key",
]
