"""How a vector is written down (a record as JSON, a must-fail vector) and altered."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from schemas.envelope import EnvelopeHeader, RecordHeaders, seal
from schemas.json_mapping import to_json
from schemas.signing import SignedRecord


def headers_hex(headers: RecordHeaders) -> list[list[str]]:
    """Record headers as ``[name, value hex]`` pairs."""
    return [[name, value.hex()] for name, value in headers]


def _record_json(record: SignedRecord, expected_name: str, expected: Any) -> dict[str, Any]:
    return {
        "topic": record.topic,
        "key_hex": record.key.hex(),
        "headers": headers_hex(record.headers),
        "value_hex": record.value.hex(),
        "expected_header": to_json(record.header.to_datum()),
        expected_name: expected,
    }


@dataclass(frozen=True)
class MustFail:
    """A record that must fail with ``reason``."""

    name: str
    description: str
    value: bytes
    headers: RecordHeaders
    reason: str
    extra: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        """The vector's JSON object."""
        return {
            "name": self.name,
            "description": self.description,
            **self.extra,
            "headers": headers_hex(self.headers),
            "value_hex": self.value.hex(),
            "expected_reason": self.reason,
        }


def _flip(value: bytes, at: int) -> bytes:
    flipped = bytearray(value)
    flipped[at] ^= 0x01
    return bytes(flipped)


def _resealed(
    record: SignedRecord,
    key: Ed25519PrivateKey,
    *,
    payload: bytes | None = None,
    **changes: Any,
) -> tuple[bytes, RecordHeaders]:
    """The record's header with ``changes`` (and maybe another payload), signed by ``key``."""
    from schemas.envelope import open_envelope

    envelope = open_envelope(record.value)
    header = EnvelopeHeader(**{**envelope.header.to_datum(), **changes})
    body = envelope.payload if payload is None else payload
    return seal(header, body, key), header.record_headers()
