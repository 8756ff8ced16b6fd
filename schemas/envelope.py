"""The Corridor signed envelope, version 1: framing, sealing and opening.

Byte layout of a Kafka record value (all lengths big-endian)::

    0      4   magic "CRD" + version 0x01
    4      2   H: length of the protected header
    6      H   header: Avro binary of corridor.envelope.v1.EnvelopeHeader
    6+H    4   P: length of the payload
    10+H   P   payload: Avro single-object encoding (C3 01, fingerprint, body)
    10+H+P 64  Ed25519 signature over SIGNING_CONTEXT + bytes[0 : 10+H+P]

The signature covers the exact bytes that travel; a verifier checks it over the
received bytes and never re-encodes anything. See docs/wire-format.md.
"""

from __future__ import annotations

import datetime as dt
import struct
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from schemas import reasons
from schemas.catalog import header_schema
from schemas.codec import DECODE_ERRORS, decode_binary, encode_binary
from schemas.errors import EncodeError, VerifyError

MAGIC = b"CRD\x01"
SIGNING_CONTEXT = b"corridor/envelope/v1\x00"
SIGNATURE_LEN = 64
MAX_HEADER_LEN = 4096
MAX_PAYLOAD_LEN = 1_048_576
_FIXED_LEN = len(MAGIC) + 2 + 4 + SIGNATURE_LEN

#: Kafka record headers every envelope travels with; each must equal its signed value.
HEADER_ENVELOPE = "corridor-envelope"
HEADER_KIND = "corridor-kind"
HEADER_AGENCY = "corridor-agency"
HEADER_KEY_ID = "corridor-key-id"
HEADER_MESSAGE_ID = "corridor-message-id"

RecordHeaders = list[tuple[str, bytes]]


@dataclass(frozen=True)
class EnvelopeHeader:
    """The protected header: what the signature binds besides the payload."""

    kind: str
    """Message kind, e.g. ``alert``."""
    topic: str
    """The inbound topic the originator published to."""
    agency: str
    """The signing agency."""
    key_id: str
    """The signing key's id."""
    message_id: str
    """Random UUID of this message."""
    produced_at: dt.datetime
    """When the message was signed (aware, UTC, millisecond precision)."""
    schema_name: str
    """Full name of the payload schema."""
    schema_fingerprint: bytes
    """8-byte CRC-64-AVRO fingerprint of the payload schema."""

    def to_datum(self) -> dict[str, Any]:
        """The Avro datum of this header."""
        return {
            "kind": self.kind,
            "topic": self.topic,
            "agency": self.agency,
            "key_id": self.key_id,
            "message_id": self.message_id,
            "produced_at": self.produced_at,
            "schema_name": self.schema_name,
            "schema_fingerprint": self.schema_fingerprint,
        }

    @classmethod
    def from_datum(cls, datum: dict[str, Any]) -> EnvelopeHeader:
        """Build from a decoded Avro datum."""
        return cls(**datum)

    def record_headers(self) -> RecordHeaders:
        """The Kafka record headers that must accompany this envelope."""
        return [
            (HEADER_ENVELOPE, b"1"),
            (HEADER_KIND, self.kind.encode()),
            (HEADER_AGENCY, self.agency.encode()),
            (HEADER_KEY_ID, self.key_id.encode()),
            (HEADER_MESSAGE_ID, self.message_id.encode()),
        ]


@dataclass(frozen=True)
class Envelope:
    """A structurally valid envelope whose signature has not been checked yet."""

    header: EnvelopeHeader
    """The decoded protected header (untrusted until verified)."""
    payload: bytes
    """The single-object encoded payload, exactly as received."""
    signed: bytes
    """The bytes the signature covers, without the signing context."""
    signature: bytes
    """The 64-byte Ed25519 signature."""

    def verify_signature(self, public_key: Ed25519PublicKey) -> None:
        """Raise ``VerifyError(bad_signature)`` unless ``public_key`` signed these bytes."""
        try:
            public_key.verify(self.signature, SIGNING_CONTEXT + self.signed)
        except InvalidSignature as exc:
            raise VerifyError(
                reasons.BAD_SIGNATURE,
                f"signature does not verify with key {self.header.key_id} of {self.header.agency}",
            ) from exc


def seal(header: EnvelopeHeader, payload: bytes, private_key: Ed25519PrivateKey) -> bytes:
    """Frame ``header`` and ``payload`` and append the signature: the record value."""
    header_bytes = encode_binary(header_schema(), header.to_datum())
    if len(header_bytes) > MAX_HEADER_LEN:
        raise EncodeError(f"envelope header is {len(header_bytes)} bytes, max {MAX_HEADER_LEN}")
    if len(payload) > MAX_PAYLOAD_LEN:
        raise EncodeError(f"payload is {len(payload)} bytes, max {MAX_PAYLOAD_LEN}")
    signed = b"".join(
        (
            MAGIC,
            struct.pack(">H", len(header_bytes)),
            header_bytes,
            struct.pack(">I", len(payload)),
            payload,
        )
    )
    return signed + private_key.sign(SIGNING_CONTEXT + signed)


def open_envelope(value: bytes) -> Envelope:
    """Parse the framing and decode the header; does not check the signature."""
    if len(value) < _FIXED_LEN or value[: len(MAGIC)] != MAGIC:
        raise VerifyError(reasons.MALFORMED_ENVELOPE, "not a Corridor v1 envelope (bad magic)")
    (header_len,) = struct.unpack_from(">H", value, 4)
    if header_len > MAX_HEADER_LEN or 6 + header_len + 4 + SIGNATURE_LEN > len(value):
        raise VerifyError(reasons.MALFORMED_ENVELOPE, f"header length {header_len} out of range")
    header_bytes = value[6 : 6 + header_len]
    (payload_len,) = struct.unpack_from(">I", value, 6 + header_len)
    payload_start = 10 + header_len
    expected_len = payload_start + payload_len + SIGNATURE_LEN
    if payload_len > MAX_PAYLOAD_LEN or expected_len != len(value):
        raise VerifyError(
            reasons.MALFORMED_ENVELOPE,
            f"lengths do not add up: header {header_len}, payload {payload_len}, "
            f"record {len(value)} bytes",
        )
    try:
        header = EnvelopeHeader.from_datum(decode_binary(header_schema(), header_bytes))
    except DECODE_ERRORS as exc:
        raise VerifyError(
            reasons.MALFORMED_HEADER, f"cannot decode envelope header: {exc}"
        ) from exc
    return Envelope(
        header=header,
        payload=value[payload_start : payload_start + payload_len],
        signed=value[: payload_start + payload_len],
        signature=value[payload_start + payload_len :],
    )


def check_record_headers(header: EnvelopeHeader, record_headers: RecordHeaders) -> None:
    """Every required Kafka header must be present once and equal its signed value."""
    received: dict[str, list[bytes]] = {}
    for name, val in record_headers:
        received.setdefault(name, []).append(val)
    for name, expected in header.record_headers():
        values = received.get(name)
        if values is None:
            raise VerifyError(reasons.HEADER_MISMATCH, f"Kafka header {name} is missing")
        if values != [expected]:
            raise VerifyError(
                reasons.HEADER_MISMATCH, f"Kafka header {name} does not match the signed header"
            )
