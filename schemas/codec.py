"""Avro binary and single-object encoding of contract records.

Single-object encoding (Avro specification, "Single object encoding"):
``C3 01`` + 8-byte little-endian CRC-64-AVRO fingerprint + Avro binary body.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import avro.errors
import avro.io
import fastavro
import fastavro.validation

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
    strict_shapes: Callable[[Any], bool]
    """Whether a datum's arrays and timestamps are of the types the reference requires."""


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
        parsed = fastavro.parse_schema(json.loads(info.source))
        codecs = _Codecs(
            reference_reader=avro.io.DatumReader(info.schema),
            reference_writer=avro.io.DatumWriter(info.schema),
            parsed=parsed,
            strict_shapes=_shape_check(parsed, {}) or _anything,
        )
        _CODECS[key] = codecs
    return codecs


def _anything(_: Any) -> bool:
    return True


def _nothing(_: Any) -> bool:
    return False


_TIMESTAMPS = frozenset({"timestamp-millis", "timestamp-micros"})


def _shape_check(schema: Any, named: dict[str, Any]) -> Callable[[Any], bool] | None:
    """A check of what fastavro lets through and the reference does not, or ``None``.

    Arrays must be lists and timestamps datetimes. A union or map that holds either is
    not checked but always left to the reference (no schema of ours has one).
    """
    if isinstance(schema, str):
        return _shape_check(named[schema], named) if schema in named else None
    if isinstance(schema, list):
        return _nothing if any(_shape_check(b, named) for b in schema) else None
    kind = schema["type"]
    if schema.get("logicalType") in _TIMESTAMPS:
        return lambda value: isinstance(value, dt.datetime)
    if kind == "record":
        named[schema["name"]] = schema
        fields = [(f["name"], _shape_check(f["type"], named)) for f in schema["fields"]]
        checked = [(name, check) for name, check in fields if check is not None]
        if not checked:
            return None
        return lambda value: (
            isinstance(value, dict) and all(check(value.get(name)) for name, check in checked)
        )
    if kind == "array":
        items = _shape_check(schema["items"], named)
        if items is None:
            return lambda value: isinstance(value, list)
        return lambda value: isinstance(value, list) and all(items(v) for v in value)
    if kind == "map":
        return _nothing if _shape_check(schema["values"], named) else None
    if isinstance(kind, (dict, list)):
        return _shape_check(kind, named)
    return None


def encode_binary(info: SchemaInfo, datum: dict[str, Any]) -> bytes:
    """Avro binary encoding of ``datum`` (which must already match the schema)."""
    buf = io.BytesIO()
    try:
        _codecs(info).reference_writer.write(datum, avro.io.BinaryEncoder(buf))
    except avro.errors.AvroException as exc:
        raise EncodeError(f"value does not match schema {info.fullname}: {exc}") from exc
    return buf.getvalue()


def encode_binary_fast(info: SchemaInfo, datum: dict[str, Any]) -> bytes:
    """:func:`encode_binary` by fastavro, for data the hub assembles itself (incidents).

    fastavro writes the same canonical bytes as the reference at about a fifth of its
    cost. It is taken only for a datum its validation accepts; anything else goes to
    the reference, which encodes it or raises the ``EncodeError``. Its validation
    fills a missing field from the schema's default where the reference rejects the
    datum: of the incident schema only ``merged_into`` has one (``null``, which the
    reference accepts as missing too), so incidents get the same bytes or error either
    way (the tests compare the two over many incidents). Where fastavro's validation
    is more lenient than the reference (any sequence as an array, a number as a
    timestamp), :func:`_shape_check` holds the datum to the reference's rule first.
    """
    codecs = _codecs(info)
    buf = io.BytesIO()
    try:
        valid = codecs.strict_shapes(datum) and fastavro.validation.validate(
            datum, codecs.parsed, raise_errors=False
        )
        if valid:
            fastavro.schemaless_writer(buf, codecs.parsed, datum)
    except Exception:  # whatever fastavro makes of it, the reference decides
        valid = False
    return buf.getvalue() if valid else encode_binary(info, datum)


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


def encode_single_object(info: SchemaInfo, datum: dict[str, Any], *, fast: bool = False) -> bytes:
    """Avro single-object encoding of ``datum`` (``fast``: by :func:`encode_binary_fast`)."""
    body = encode_binary_fast(info, datum) if fast else encode_binary(info, datum)
    return SINGLE_OBJECT_MAGIC + info.fingerprint + body


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
