"""Schema evolution: is a new schema version a compatible evolution of an old one? (pure)

The rules are Avro's own schema resolution (specification, "Schema Resolution"), as
implemented by the ``avro`` package we already decode with (``avro.compatibility``, a
port of the Java library's ``SchemaCompatibility``), so the check and the decoder
can never disagree:

* ``BACKWARD``: a reader of the new schema decodes data written with the old one;
* ``FORWARD``: a reader of the old schema decodes data written with the new one;
* ``FULL``: both.

One rule is added, because the ``avro`` package's decoder is stricter than the
specification: a named type (record, enum, fixed) present in both schemas must keep
its *full* name (the decoder matches by full name, the specification by unqualified
name). An evolution therefore stays in the namespace ``corridor.v1`` (the contract's
major version) and is told apart by its fingerprint.

A schema file under ``schemas/avro/`` claims to evolve another with the properties
``"corridor.evolves": "<file name of the older schema>"`` and
``"corridor.compatibility": "BACKWARD" | "FORWARD" | "FULL"`` (docs/wire-format.md
section 14.1). Properties are not part of the Parsing Canonical Form, so the claim
does not change a fingerprint.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import avro.errors
import avro.io
import avro.schema
from avro.compatibility import ReaderWriterCompatibilityChecker, SchemaCompatibilityType

from schemas.errors import SchemaError

BACKWARD = "BACKWARD"
FORWARD = "FORWARD"
FULL = "FULL"
MODES = (BACKWARD, FORWARD, FULL)
EVOLVES_PROPERTY = "corridor.evolves"
COMPATIBILITY_PROPERTY = "corridor.compatibility"


@dataclass(frozen=True)
class Incompatibility:
    """Why a reader cannot decode a writer's data (one per direction that fails).

    Avro's checker reports the kinds, places and details of a failing pair as three
    sets, not as pairs, so they are kept as such.
    """

    direction: str
    """``new reads old`` (backward) or ``old reads new`` (forward)."""
    kinds: tuple[str, ...]
    """Avro's incompatibility types, e.g. ``reader_field_missing_default_value``."""
    locations: tuple[str, ...]
    """Paths in the reader schema, e.g. ``/fields/3``."""
    messages: tuple[str, ...]
    """Avro's details: the reader fields without a default, the symbols missing, the types."""

    def describe(self) -> str:
        """Lines for the command's output."""
        return (
            f"{self.direction}: {', '.join(self.kinds)}\n"
            f"    details: {'; '.join(self.messages)}\n"
            f"    at: {' '.join(self.locations)}"
        )


@dataclass(frozen=True)
class SchemaFile:
    """A schema file as read: parsed, and its JSON (for the evolution claim)."""

    path: Path
    """Where it was read."""
    schema: Any
    """The parsed ``avro.schema.Schema``."""
    document: Any
    """The decoded JSON."""

    @property
    def claim(self) -> tuple[str, str] | None:
        """``(older file name, mode)`` if the schema claims to evolve another."""
        if not isinstance(self.document, dict) or EVOLVES_PROPERTY not in self.document:
            return None
        older = self.document[EVOLVES_PROPERTY]
        mode = self.document.get(COMPATIBILITY_PROPERTY, FULL)
        if not isinstance(older, str) or mode not in MODES:
            raise SchemaError(
                f"{self.path}: {EVOLVES_PROPERTY} must name a schema file and "
                f"{COMPATIBILITY_PROPERTY} be one of {', '.join(MODES)}"
            )
        return older, mode


def load_schema_file(path: Path) -> SchemaFile:
    """Read and parse an Avro schema file; :class:`SchemaError` names the file and why."""
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError as exc:
        raise SchemaError(f"schema file {path} does not exist") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise SchemaError(f"cannot read schema file {path}: {exc}") from exc
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SchemaError(
            f"{path}:{exc.lineno}: not valid JSON: {exc.msg} (column {exc.colno})"
        ) from exc
    try:
        schema = avro.schema.parse(text)
    except (avro.errors.AvroException, TypeError, ValueError) as exc:
        raise SchemaError(f"{path}: not a valid Avro schema: {exc}") from exc
    return SchemaFile(path=path, schema=schema, document=document)


def _reads(reader: Any, writer: Any, direction: str) -> list[Incompatibility]:
    checker: Any = ReaderWriterCompatibilityChecker()  # type: ignore[no-untyped-call]
    result = checker.get_compatibility(reader, writer)
    if result.compatibility is SchemaCompatibilityType.compatible:
        return []
    return [
        Incompatibility(
            direction,
            tuple(sorted({i.value for i in result.incompatibilities})) or ("incompatible",),
            tuple(sorted(result.locations, key=lambda x: (len(x), x))),
            tuple(sorted(result.messages)),
        )
    ]


def _named_types(schema: Any, found: dict[str, str]) -> dict[str, str]:
    """Unqualified name -> full name of every named type in ``schema``."""
    if isinstance(schema, avro.schema.NamedSchema):
        if schema.name in found:
            return found
        found[schema.name] = schema.fullname
    if isinstance(schema, avro.schema.RecordSchema):
        for field in schema.fields:
            _named_types(field.type, found)
    elif isinstance(schema, avro.schema.ArraySchema):
        _named_types(schema.items, found)
    elif isinstance(schema, avro.schema.MapSchema):
        _named_types(schema.values, found)
    elif isinstance(schema, avro.schema.UnionSchema):
        for branch in schema.schemas:
            _named_types(branch, found)
    return found


def _full_names(old: Any, new: Any) -> list[Incompatibility]:
    before, after = _named_types(old, {}), _named_types(new, {})
    moved = sorted(
        f"{before[name]} is now {after[name]}"
        for name in before.keys() & after.keys()
        if before[name] != after[name]
    )
    if not moved:
        return []
    return [Incompatibility("names", ("full_name_changed",), ("/",), tuple(moved))]


def check(old: Any, new: Any, mode: str = FULL) -> list[Incompatibility]:
    """Why ``new`` is not a ``mode`` evolution of ``old`` (empty: it is)."""
    if mode not in MODES:
        raise SchemaError(f"compatibility {mode!r} is not one of {', '.join(MODES)}")
    problems = _full_names(old, new)
    if mode in (BACKWARD, FULL):
        problems += _reads(new, old, "new reads old")
    if mode in (FORWARD, FULL):
        problems += _reads(old, new, "old reads new")
    return problems


def claimed_evolutions(directory: Path) -> list[tuple[SchemaFile, SchemaFile, str]]:
    """Every ``(older, newer, mode)`` that a schema file in ``directory`` claims."""
    found = []
    for path in sorted(directory.glob("*.avsc")):
        newer = load_schema_file(path)
        claim = newer.claim
        if claim is None:
            continue
        older_name, mode = claim
        found.append((load_schema_file(directory / older_name), newer, mode))
    return found


def resolve(writer: Any, reader: Any, body: bytes) -> dict[str, Any]:
    """Decode Avro binary ``body`` written with ``writer`` as ``reader`` sees it."""
    decoder = avro.io.BinaryDecoder(io.BytesIO(body))
    datum: Any = avro.io.DatumReader(writer, reader).read(decoder)
    return dict(datum)
