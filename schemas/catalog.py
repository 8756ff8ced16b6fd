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
RECEIPT_SCHEMA_FILE = "Receipt.v1.avsc"

#: Field-level property marking personal data (victims, migrants, witnesses).
PERSONAL_DATA_PROPERTY = "corridor.personal_data"


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
def receipt_schema() -> SchemaInfo:
    """The Receipt v1 schema (signed by a recipient about one delivery)."""
    return _load(RECEIPT_SCHEMA_FILE)


@functools.cache
def payload_schemas() -> dict[bytes, SchemaInfo]:
    """Payload schemas a verifier accepts, by fingerprint."""
    return {
        info.fingerprint: info for info in (alert_schema(), incident_schema(), receipt_schema())
    }


def personal_data_fields(schema: Any = None) -> list[str]:
    """Top-level field names of the alert schema marked as personal data."""
    record = schema if schema is not None else alert_schema().schema
    return [
        field.name
        for field in record.fields
        if field.other_props.get(PERSONAL_DATA_PROPERTY) is True
    ]
