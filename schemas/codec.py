"""Avro binary and single-object encoding of contract records.

Single-object encoding (Avro specification, "Single object encoding"):
``C3 01`` + 8-byte little-endian CRC-64-AVRO fingerprint + Avro binary body.
"""

from __future__ import annotations

import functools
import io
import struct
from typing import Any

import avro.errors
import avro.io

from schemas.catalog import SchemaInfo, payload_schemas
from schemas.errors import EncodeError, VerifyError
from schemas.reasons import MALFORMED_PAYLOAD, UNKNOWN_SCHEMA

SINGLE_OBJECT_MAGIC = b"\xc3\x01"
SINGLE_OBJECT_PREFIX_LEN = len(SINGLE_OBJECT_MAGIC) + 8

#: What the avro library raises on bytes that do not decode: callers turn these
#: into a reasoned VerifyError instead of letting hostile input crash a worker.
DECODE_ERRORS = (
    ValueError,
    EOFError,
    IndexError,
    OverflowError,
    UnicodeDecodeError,
    struct.error,
    avro.errors.AvroException,
)


@functools.cache
def _writer(schema: Any) -> Any:
    return avro.io.DatumWriter(schema)


@functools.cache
def _reader(schema: Any) -> Any:
    return avro.io.DatumReader(schema)


def encode_binary(info: SchemaInfo, datum: dict[str, Any]) -> bytes:
    """Avro binary encoding of ``datum`` (which must already match the schema)."""
    buf = io.BytesIO()
    try:
        _writer(info.schema).write(datum, avro.io.BinaryEncoder(buf))
    except avro.errors.AvroException as exc:
        raise EncodeError(f"value does not match schema {info.fullname}: {exc}") from exc
    return buf.getvalue()


def decode_binary(info: SchemaInfo, data: bytes) -> dict[str, Any]:
    """Decode Avro binary ``data``; every byte must be consumed.

    Raises ``ValueError`` (or an avro error) on malformed input; callers wrap it.
    """
    buf = io.BytesIO(data)
    datum: dict[str, Any] = _reader(info.schema).read(avro.io.BinaryDecoder(buf))
    if buf.tell() != len(data):
        raise ValueError(f"{len(data) - buf.tell()} trailing bytes after the record")
    return datum


def encode_single_object(info: SchemaInfo, datum: dict[str, Any]) -> bytes:
    """Avro single-object encoding of ``datum``."""
    return SINGLE_OBJECT_MAGIC + info.fingerprint + encode_binary(info, datum)


def split_single_object(data: bytes) -> tuple[bytes, bytes]:
    """Return ``(fingerprint, body)`` of a single-object encoded value."""
    if len(data) < SINGLE_OBJECT_PREFIX_LEN or data[:2] != SINGLE_OBJECT_MAGIC:
        raise VerifyError(MALFORMED_PAYLOAD, "payload is not Avro single-object encoded")
    return data[2:SINGLE_OBJECT_PREFIX_LEN], data[SINGLE_OBJECT_PREFIX_LEN:]


def decode_single_object(data: bytes) -> tuple[SchemaInfo, dict[str, Any]]:
    """Decode a single-object encoded payload with whichever known schema it names."""
    fingerprint, body = split_single_object(data)
    info = payload_schemas().get(fingerprint)
    if info is None:
        raise VerifyError(UNKNOWN_SCHEMA, f"no known schema has fingerprint {fingerprint.hex()}")
    try:
        return info, decode_binary(info, body)
    except DECODE_ERRORS as exc:
        raise VerifyError(MALFORMED_PAYLOAD, f"cannot decode {info.fullname}: {exc}") from exc
