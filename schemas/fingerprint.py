"""Avro Parsing Canonical Form and CRC-64-AVRO fingerprints, exactly as the Avro spec says.

python-avro 1.12 keeps ``{"type":"long"}`` for a logical type in its canonical form,
where the specification's [PRIMITIVES] and [STRIP] rules (and Java's
``SchemaNormalization``) give ``"long"``; its fingerprints therefore differ from every
other language's for schemas with logical types. Partners compute fingerprints
with their own libraries, so we compute them from the schema JSON per the spec.
"""

from __future__ import annotations

import json
from typing import Any

PRIMITIVES = frozenset({"null", "boolean", "int", "long", "float", "double", "bytes", "string"})
_EMPTY = 0xC15D213AA4D7A795


def _crc_table() -> list[int]:
    table = []
    for i in range(256):
        fp = i
        for _ in range(8):
            fp = (fp >> 1) ^ (_EMPTY & -(fp & 1))
        table.append(fp)
    return table


_TABLE = _crc_table()


def crc64_avro(data: bytes) -> bytes:
    """CRC-64-AVRO (Rabin) of ``data``, as 8 little-endian bytes."""
    fp = _EMPTY
    for byte in data:
        fp = (fp >> 8) ^ _TABLE[(fp ^ byte) & 0xFF]
    return fp.to_bytes(8, "little")


def _string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _fullname(name: str, namespace: str | None) -> tuple[str, str | None]:
    if "." in name:
        return name, name.rsplit(".", 1)[0]
    return (f"{namespace}.{name}" if namespace else name), namespace


def _canonical(schema: Any, namespace: str | None) -> str:
    if isinstance(schema, str):
        if schema in PRIMITIVES:
            return _string(schema)
        return _string(_fullname(schema, namespace)[0])
    if isinstance(schema, list):
        return "[" + ",".join(_canonical(branch, namespace) for branch in schema) + "]"
    kind = schema["type"]
    if isinstance(kind, list | dict) or (isinstance(kind, str) and kind in PRIMITIVES):
        return _canonical(kind, namespace)  # [PRIMITIVES]/[STRIP]: logicalType etc. dropped
    if kind in ("record", "error", "enum", "fixed"):
        fullname, inner = _fullname(schema["name"], schema.get("namespace", namespace))
        parts = [f'"name":{_string(fullname)}', f'"type":{_string(kind)}']
        if kind in ("record", "error"):
            fields = ",".join(
                f'{{"name":{_string(f["name"])},"type":{_canonical(f["type"], inner)}}}'
                for f in schema["fields"]
            )
            parts.append(f'"fields":[{fields}]')
        elif kind == "enum":
            parts.append(f'"symbols":[{",".join(_string(s) for s in schema["symbols"])}]')
        else:
            parts.append(f'"size":{int(schema["size"])}')
        return "{" + ",".join(parts) + "}"
    if kind == "array":
        return f'{{"type":"array","items":{_canonical(schema["items"], namespace)}}}'
    if kind == "map":
        return f'{{"type":"map","values":{_canonical(schema["values"], namespace)}}}'
    return _string(_fullname(kind, namespace)[0])  # {"type": "SomeNamedType"}


def canonical_form(schema_json: str) -> str:
    """The Parsing Canonical Form of a schema given as JSON text."""
    return _canonical(json.loads(schema_json), None)


def fingerprint(schema_json: str) -> bytes:
    """CRC-64-AVRO of the Parsing Canonical Form, little-endian (single-object encoding)."""
    return crc64_avro(canonical_form(schema_json).encode("utf-8"))
