"""The Avro schemas of the contract, loaded once and looked up by name or fingerprint."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

import avro.schema

from schemas.errors import SchemaError
from schemas.fingerprint import fingerprint

ALERT_SCHEMA_FILE = "SmugglingRouteAlert.v1.avsc"
HEADER_SCHEMA_FILE = "EnvelopeHeader.v1.avsc"
INCIDENT_SCHEMA_FILE = "Incident.v1.avsc"
PERSONAL_DATA_SCHEMA_FILE = "PersonalData.v1.avsc"
ATTACHMENT_SCHEMA_FILE = "PersonalDataAttachment.v1.avsc"
RECEIPT_SCHEMA_FILE = "Receipt.v1.avsc"
RECALL_SCHEMA_FILE = "Recall.v1.avsc"
#: An example evolution (docs/wire-format.md 14.1): not a payload schema verifiers accept.
ALERT_V2_EXAMPLE_FILE = "SmugglingRouteAlert.v2.avsc"

#: Field-level property marking personal data (victims, migrants, witnesses).
PERSONAL_DATA_PROPERTY = "corridor.personal_data"
#: Property of an alert field that carries only a commitment to sealed personal data;
#: its value names the schema of the encrypted plaintext.
SEALED_PROPERTY = "corridor.sealed"


@dataclass(frozen=True)
class SchemaInfo:
    """One schema of the contract."""

    schema: Any
    """The parsed ``avro.schema.RecordSchema``."""
    fullname: str
    """Namespace-qualified record name, e.g. ``corridor.v1.SmugglingRouteAlert``."""
    fingerprint: bytes
    """CRC-64-AVRO of the spec's Parsing Canonical Form, 8 bytes little-endian."""
    source: str
    """The schema's JSON text as shipped."""


def _load(filename: str) -> SchemaInfo:
    try:
        text = resources.files("schemas").joinpath("avro", filename).read_text("utf-8")
        schema: Any = avro.schema.parse(text)
    except (OSError, avro.errors.SchemaParseException, json.JSONDecodeError) as exc:
        raise SchemaError(f"cannot load schema {filename}: {exc}") from exc
    return SchemaInfo(
        schema=schema,
        fullname=schema.fullname,
        fingerprint=fingerprint(text),
        source=text,
    )


@functools.cache
def alert_schema() -> SchemaInfo:
    """The SmugglingRouteAlert v1 schema."""
    return _load(ALERT_SCHEMA_FILE)


@functools.cache
def header_schema() -> SchemaInfo:
    """The EnvelopeHeader v1 schema."""
    return _load(HEADER_SCHEMA_FILE)


@functools.cache
def incident_schema() -> SchemaInfo:
    """The Incident v1 schema (published by the task-force hub)."""
    return _load(INCIDENT_SCHEMA_FILE)


@functools.cache
def personal_data_schema() -> SchemaInfo:
    """The PersonalData v1 schema: the plaintext the originator encrypts (never on the wire)."""
    return _load(PERSONAL_DATA_SCHEMA_FILE)


@functools.cache
def attachment_schema() -> SchemaInfo:
    """The PersonalDataAttachment v1 schema: ciphertext and key wraps, in a Kafka header."""
    return _load(ATTACHMENT_SCHEMA_FILE)


@functools.cache
def receipt_schema() -> SchemaInfo:
    """The Receipt v1 schema (signed by a recipient about one delivery)."""
    return _load(RECEIPT_SCHEMA_FILE)


@functools.cache
def recall_schema() -> SchemaInfo:
    """The Recall v1 schema (signed by the hub: a delivered alert is withdrawn)."""
    return _load(RECALL_SCHEMA_FILE)


@functools.cache
def alert_v2_example_schema() -> SchemaInfo:
    """SmugglingRouteAlert v2, the worked example of a compatible evolution (not accepted
    by verifiers until the task force adopts it: section 14)."""
    return _load(ALERT_V2_EXAMPLE_FILE)


@functools.cache
def payload_schemas() -> dict[bytes, SchemaInfo]:
    """Payload schemas a verifier accepts, by fingerprint."""
    return {
        info.fingerprint: info
        for info in (alert_schema(), incident_schema(), receipt_schema(), recall_schema())
    }


def personal_data_fields(schema: Any = None) -> list[str]:
    """Paths of every field marked as personal data in ``schema`` (default: PersonalData).

    Nested records are walked, so ``persons[].full_name`` is found; the alert schema
    itself has none (it carries only the commitment of :data:`SEALED_PROPERTY`).
    """
    record = schema if schema is not None else personal_data_schema().schema
    found: list[str] = []
    _walk_marked(record, "", found, set())
    return found


def sealed_fields(schema: Any = None) -> list[str]:
    """Top-level alert fields that carry a commitment to sealed personal data."""
    record = schema if schema is not None else alert_schema().schema
    return [field.name for field in record.fields if SEALED_PROPERTY in field.other_props]


def _walk_marked(schema: Any, path: str, found: list[str], seen: set[str]) -> None:
    kind = schema.type
    if kind == "union":
        for branch in schema.schemas:
            _walk_marked(branch, path, found, seen)
    elif kind == "array":
        _walk_marked(schema.items, f"{path}[]", found, seen)
    elif kind == "map":
        _walk_marked(schema.values, f"{path}{{}}", found, seen)
    elif kind in ("record", "error"):
        if schema.fullname in seen:
            return
        seen = seen | {schema.fullname}
        for field in schema.fields:
            fpath = f"{path}.{field.name}" if path else field.name
            if field.other_props.get(PERSONAL_DATA_PROPERTY) is True:
                found.append(fpath)
            _walk_marked(field.type, fpath, found, seen)
