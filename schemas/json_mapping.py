"""The Corridor JSON mapping: natural JSON <-> Avro datums, driven by the schema.

Unlike the Avro JSON encoding, unions are written as the bare value (``null`` or
the value of the one non-null branch), and ``timestamp-millis`` fields as RFC 3339
strings with an offset (``2026-11-24T08:30:00Z``) or as integers of epoch
milliseconds. Every problem is reported with its field path, so an integrator can
fix a whole file at once. See docs/wire-format.md, "JSON mapping".
"""

from __future__ import annotations

import datetime as dt
import json
import math
import sys
from typing import Any

from schemas.catalog import alert_schema, personal_data_schema, sealed_fields
from schemas.errors import ValidationError

INT_MIN, INT_MAX = -(2**31), 2**31 - 1
LONG_MIN, LONG_MAX = -(2**63), 2**63 - 1
_UTC = dt.UTC
_MAX_DOUBLE = int(sys.float_info.max)


def parse_timestamp(value: Any, path: str, problems: list[str]) -> dt.datetime | None:
    """RFC 3339 string with offset, or epoch milliseconds, to an aware UTC datetime (ms)."""
    if isinstance(value, bool):
        problems.append(f"{path}: expected a timestamp, got a boolean")
        return None
    if isinstance(value, int):
        if not LONG_MIN <= value <= LONG_MAX:
            problems.append(f"{path}: timestamp out of range")
            return None
        try:
            return dt.datetime(1970, 1, 1, tzinfo=_UTC) + dt.timedelta(milliseconds=value)
        except OverflowError:
            problems.append(f"{path}: timestamp out of range")
            return None
    if isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            problems.append(f"{path}: {value!r} is not an RFC 3339 timestamp")
            return None
        if parsed.tzinfo is None:
            problems.append(f"{path}: {value!r} has no UTC offset (add 'Z' or '+05:00')")
            return None
        parsed = parsed.astimezone(_UTC)
        return parsed.replace(microsecond=parsed.microsecond // 1000 * 1000)
    problems.append(f"{path}: expected an RFC 3339 string or epoch milliseconds")
    return None


def format_timestamp(value: dt.datetime) -> str:
    """An aware datetime as ``YYYY-MM-DDTHH:MM:SS.mmmZ``."""
    utc = value.astimezone(_UTC)
    # Not strftime("%Y"): glibc writes year 26 as "26", which is not RFC 3339.
    return (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T{utc.hour:02d}:{utc.minute:02d}:"
        f"{utc.second:02d}.{utc.microsecond // 1000:03d}Z"
    )


def _type_name(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _convert(schema: Any, value: Any, path: str, problems: list[str]) -> Any:
    kind = schema.type
    logical = schema.get_prop("logicalType") if hasattr(schema, "get_prop") else None
    if kind == "union":
        return _convert_union(schema, value, path, problems)
    if kind == "long" and logical == "timestamp-millis":
        return parse_timestamp(value, path, problems)
    if kind == "null":
        if value is not None:
            problems.append(f"{path}: expected null, got {_type_name(value)}")
        return None
    if kind == "boolean":
        if not isinstance(value, bool):
            problems.append(f"{path}: expected true or false, got {_type_name(value)}")
        return value
    if kind in ("int", "long"):
        lo, hi = (INT_MIN, INT_MAX) if kind == "int" else (LONG_MIN, LONG_MAX)
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append(f"{path}: expected an integer, got {_type_name(value)}")
        elif not lo <= value <= hi:
            problems.append(f"{path}: {value} does not fit an Avro {kind}")
        return value
    if kind in ("float", "double"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            problems.append(f"{path}: expected a number, got {_type_name(value)}")
            return value
        # An integer past the double range (JSON allows any length) has no float value.
        if isinstance(value, int) and not -_MAX_DOUBLE <= value <= _MAX_DOUBLE:
            problems.append(
                f"{path}: a {len(str(abs(value)))}-digit integer is out of the range "
                f"of an Avro {kind}"
            )
            return 0.0
        if not math.isfinite(value):
            problems.append(f"{path}: expected a finite number")
        return float(value)
    if kind == "string":
        if not isinstance(value, str):
            problems.append(f"{path}: expected a string, got {_type_name(value)}")
        return value
    if kind == "enum":
        if not isinstance(value, str) or value not in schema.symbols:
            allowed = ", ".join(schema.symbols)
            problems.append(f"{path}: {value!r} is not one of {allowed}")
        return value
    if kind == "array":
        if not isinstance(value, list):
            problems.append(f"{path}: expected a list, got {_type_name(value)}")
            return []
        return [_convert(schema.items, v, f"{path}[{i}]", problems) for i, v in enumerate(value)]
    if kind == "map":
        if not isinstance(value, dict):
            problems.append(f"{path}: expected an object, got {_type_name(value)}")
            return {}
        return {k: _convert(schema.values, v, f"{path}.{k}", problems) for k, v in value.items()}
    if kind in ("record", "error"):
        return _convert_record(schema, value, path, problems)
    if kind in ("bytes", "fixed"):
        return _convert_bytes(schema, value, path, problems)
    problems.append(f"{path}: unsupported schema type {kind}")
    return value


def _convert_union(schema: Any, value: Any, path: str, problems: list[str]) -> Any:
    branches = schema.schemas
    if value is None:
        if any(b.type == "null" for b in branches):
            return None
        problems.append(f"{path}: may not be null")
        return None
    candidates = [b for b in branches if b.type != "null"]
    best: list[str] | None = None
    for branch in candidates:
        attempt: list[str] = []
        converted = _convert(branch, value, path, attempt)
        if not attempt:
            return converted
        if best is None:
            best = attempt
    problems.extend(best or [f"{path}: matches no branch of the union"])
    return None


def _convert_record(schema: Any, value: Any, path: str, problems: list[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        problems.append(f"{path or schema.name}: expected an object, got {_type_name(value)}")
        return {}
    prefix = f"{path}." if path else ""
    known = {f.name for f in schema.fields}
    for extra in sorted(set(value) - known):
        problems.append(f"{prefix}{extra}: unknown field")
    out: dict[str, Any] = {}
    for field in schema.fields:
        fpath = f"{prefix}{field.name}"
        if field.name in value:
            out[field.name] = _convert(field.type, value[field.name], fpath, problems)
        elif field.has_default:
            out[field.name] = _convert(field.type, field.default, fpath, problems)
        else:
            problems.append(f"{fpath}: required field is missing")
    return out


def _convert_bytes(schema: Any, value: Any, path: str, problems: list[str]) -> bytes:
    if not isinstance(value, str):
        problems.append(f"{path}: expected a hex string")
        return b""
    try:
        data = bytes.fromhex(value)
    except ValueError:
        problems.append(f"{path}: expected a hex string")
        return b""
    if schema.type == "fixed" and len(data) != schema.size:
        problems.append(f"{path}: expected {schema.size} bytes, got {len(data)}")
    return data


def from_json(schema: Any, value: Any) -> dict[str, Any]:
    """Convert a decoded JSON object to an Avro datum of ``schema``.

    Raises :class:`ValidationError` listing every problem found.
    """
    problems: list[str] = []
    datum = _convert(schema, value, "", problems)
    if problems:
        raise ValidationError(problems)
    assert isinstance(datum, dict)
    return datum


def alert_from_json(document: Any) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """An alert as the originator's own system writes it, personal data in clear.

    ``personal_data`` in the input is a ``corridor.v1.PersonalData`` object (or null);
    it is returned apart, as a datum to seal, and the alert datum's ``personal_data``
    is null until sealing puts the commitment there. Problems of both are reported
    together, with their paths; values of personal data are never quoted.
    """
    personal: Any = None
    if isinstance(document, dict):
        sealed_names = set(sealed_fields())
        personal = {k: v for k, v in document.items() if k in sealed_names}
        document = {k: v for k, v in document.items() if k not in sealed_names}
    problems: list[str] = []
    datum = _convert(alert_schema().schema, document, "", problems)
    sealed: dict[str, Any] | None = None
    raw = (personal or {}).get("personal_data")
    if raw is not None:
        converted = _convert(personal_data_schema().schema, raw, "personal_data", problems)
        sealed = converted if isinstance(converted, dict) else None
    if problems:
        raise ValidationError(problems)
    assert isinstance(datum, dict)
    return datum, sealed


def to_json(value: Any) -> Any:
    """An Avro datum as plain JSON-serialisable values (the inverse of :func:`from_json`)."""
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_json(v) for v in value]
    if isinstance(value, dt.datetime):
        return format_timestamp(value)
    if isinstance(value, bytes):
        return value.hex()
    return value


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def loads_strict(text: str) -> Any:
    """``json.loads`` that rejects NaN and Infinity, which are not JSON."""
    return json.loads(text, parse_constant=_reject_constant)
