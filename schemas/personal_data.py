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
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from schemas import reasons
from schemas.catalog import attachment_schema, personal_data_schema
from schemas.codec import (
    DECODE_ERRORS,
    decode_binary,
    encode_binary,
    encode_single_object,
    split_single_object,
)
from schemas.envelope import RecordHeaders
from schemas.errors import EncodeError, SealError, VerifyError
from schemas.keys import encryption_key_id, raw_public_key

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


def encode_attachment(datum: dict[str, Any]) -> bytes:
    """Single-object encoding of a PersonalDataAttachment datum."""
    return encode_single_object(attachment_schema(), datum)


def _mismatch(detail: str) -> VerifyError:
    return VerifyError(reasons.PERSONAL_DATA_MISMATCH, detail)


def decode_attachment(data: bytes) -> dict[str, Any]:
    """Decode an attachment header value, or raise ``VerifyError(personal_data_mismatch)``."""
    if len(data) > MAX_ATTACHMENT_LEN:
        raise _mismatch(f"attachment is {len(data)} bytes, max {MAX_ATTACHMENT_LEN}")
    try:
        fingerprint, body = split_single_object(data)
    except VerifyError as exc:
        raise _mismatch("attachment is not Avro single-object encoded") from exc
    info = attachment_schema()
    if fingerprint != info.fingerprint:
        raise _mismatch(f"attachment schema {fingerprint.hex()} is not {info.fullname}")
    try:
        return decode_binary(info, body)
    except DECODE_ERRORS as exc:
        raise _mismatch(f"cannot decode the attachment: {type(exc).__name__}") from exc


def attachment_of(headers: RecordHeaders) -> bytes | None:
    """The attachment header's value; present at most once."""
    values = [value for name, value in headers if name == HEADER]
    if len(values) > 1:
        raise _mismatch(f"Kafka header {HEADER} appears {len(values)} times")
    return values[0] if values else None


def check_attachment(
    commitment: dict[str, Any] | None, headers: RecordHeaders, *, required: bool
) -> dict[str, Any] | None:
    """Check the attachment against the signed commitment; return it decoded, if any.

    Needs no key: anyone (the hub too) can check that the ciphertext is the one the
    originator signed. ``required``: the record must carry an attachment whenever the
    alert has a commitment (true on inbound topics, where nothing was stripped yet).
    """
    data = attachment_of(headers)
    if data is None:
        if commitment is not None and required:
            raise _mismatch("the alert commits to personal data but carries no attachment")
        return None
    if commitment is None:
        raise _mismatch("an attachment came with an alert that commits to no personal data")
    attachment = decode_attachment(data)
    digest = hashlib.sha256(attachment["ciphertext"]).digest()
    if not hmac.compare_digest(digest, commitment["ciphertext_sha256"]):
        raise _mismatch("the attachment's ciphertext is not the one the originator signed")
    return attachment


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


def restrict_attachment(data: bytes, key_ids: Collection[str]) -> bytes | None:
    """The attachment with only the wraps for ``key_ids``; None if none remains.

    The ciphertext is kept byte for byte, so the signed commitment still matches.
    """
    attachment = decode_attachment(data)
    wraps = [w for w in attachment["wraps"] if w["key_id"] in key_ids]
    if not wraps:
        return None
    return encode_attachment({"ciphertext": attachment["ciphertext"], "wraps": wraps})


def headers_for_recipient(
    headers: RecordHeaders, *, cleared: bool, key_ids: Collection[str]
) -> RecordHeaders:
    """The record headers one recipient gets (pure): its own wrap only, or no attachment.

    A recipient cleared for personal data keeps the attachment with only the wraps
    for its own encryption keys (it never learns who else can decrypt); anyone else,
    or a cleared recipient without a wrap, gets no attachment at all: the alert's
    signed commitment still shows that personal data exists. A malformed attachment
    is dropped (the hub verified it on the way in, so that cannot happen unnoticed).
    """
    kept: RecordHeaders = []
    for name, value in headers:
        if name != HEADER:
            kept.append((name, value))
            continue
        if not cleared:
            continue
        try:
            restricted = restrict_attachment(value, key_ids)
        except VerifyError:
            continue
        if restricted is not None:
            kept.append((name, restricted))
    return kept
