"""Avro binary and single-object encoding of contract records.

Single-object encoding (Avro specification, "Single object encoding"):
``C3 01`` + 8-byte little-endian CRC-64-AVRO fingerprint + Avro binary body.
"""

from __future__ import annotations

import io
import json
import struct
from dataclasses import dataclass
from typing import Any

import avro.errors
import avro.io
import fastavro

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


@dataclass(frozen=True)
class _Codecs:
    """The encoders and decoders of one schema, built once."""

    reference_reader: Any
    """``avro.io.DatumReader``: the reference, for whatever the fast path does not accept."""
    reference_writer: Any
    """``avro.io.DatumWriter``: validates the datum before encoding."""
    parsed: Any
    """The schema parsed by fastavro."""


_CODECS: dict[tuple[str, bytes], _Codecs] = {}


def _codecs(info: SchemaInfo) -> _Codecs:
    """Codecs of ``info``, keyed on its name and fingerprint.

    Not keyed on the avro ``Schema`` object itself: its ``__hash__`` recomputes the
    canonical form and a pure-Python CRC-64 on every call, which cost about two
    thirds of every decode while the cache looked like it worked.
    """
    key = (info.fullname, info.fingerprint)
    codecs = _CODECS.get(key)
    if codecs is None:
        codecs = _Codecs(
            reference_reader=avro.io.DatumReader(info.schema),
            reference_writer=avro.io.DatumWriter(info.schema),
            parsed=fastavro.parse_schema(json.loads(info.source)),
        )
        _CODECS[key] = codecs
    return codecs


def encode_binary(info: SchemaInfo, datum: dict[str, Any]) -> bytes:
    """Avro binary encoding of ``datum`` (which must already match the schema)."""
    buf = io.BytesIO()
    try:
        _codecs(info).reference_writer.write(datum, avro.io.BinaryEncoder(buf))
    except avro.errors.AvroException as exc:
        raise EncodeError(f"value does not match schema {info.fullname}: {exc}") from exc
    return buf.getvalue()


def _fast_decode(codecs: _Codecs, data: bytes) -> dict[str, Any] | None:
    """fastavro's decoding of ``data`` if it is the canonical encoding of what it decoded.

    fastavro is lenient where the reference rejects (it reads a negative enum index as
    a symbol counted from the end, for one), so its result is taken only when encoding
    it again gives back exactly ``data``: then ``data`` is the one encoding of a valid
    datum and the reference decodes it to the same value. Anything else (an error, a
    non-canonical or invalid encoding) is left to the reference decoder, so what is
    accepted and rejected is the reference's decision, at a fraction of its cost.
    """
    try:
        buf = io.BytesIO(data)
        datum = fastavro.schemaless_reader(buf, codecs.parsed, None)
        if buf.tell() != len(data):
            return None
        again = io.BytesIO()
        fastavro.schemaless_writer(again, codecs.parsed, datum)
    except Exception:  # hostile bytes: whatever fastavro raises, the reference decides
        return None
    if again.getvalue() != data or not isinstance(datum, dict):
        return None
    return datum


def decode_binary(info: SchemaInfo, data: bytes) -> dict[str, Any]:
    """Decode Avro binary ``data``; every byte must be consumed.

    Raises ``ValueError`` (or an avro error) on malformed input; callers wrap it.
    """
    codecs = _codecs(info)
    fast = _fast_decode(codecs, data)
    if fast is not None:
        return fast
    return reference_decode_binary(info, data)


def reference_decode_binary(info: SchemaInfo, data: bytes) -> dict[str, Any]:
    """Decode with the ``avro`` package alone: the reference the fast path must agree with."""
    buf = io.BytesIO(data)
    datum: dict[str, Any] = _codecs(info).reference_reader.read(avro.io.BinaryDecoder(buf))
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
