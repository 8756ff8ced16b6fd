"""Quarantine records: what was rejected, why, and the original bytes.

Written as UTF-8 JSON to the quarantine topic (format ``corridor-quarantine/1``),
keyed like the original record, so operators can inspect and replay them.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from schemas.envelope import RecordHeaders
from schemas.json_mapping import format_timestamp

FORMAT = "corridor-quarantine/1"


@dataclass(frozen=True)
class SourceRecord:
    """Where a rejected record was read."""

    topic: str
    """Topic it was read from."""
    partition: int
    """Partition it was read from."""
    offset: int
    """Its offset."""
    key: bytes | None
    """Its key, as received."""
    value: bytes | None
    """Its value, as received."""
    headers: RecordHeaders
    """Its Kafka headers, as received."""

    @classmethod
    def of(cls, record: Any, headers: RecordHeaders) -> SourceRecord:
        """From a consumed record (kafka-python ``ConsumerRecord`` or Faust ``Message``)."""
        return cls(
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            key=record.key,
            value=record.value,
            headers=headers,
        )


def quarantine_record(
    source: SourceRecord, *, stage: str, reason: str, detail: str, at: dt.datetime
) -> bytes:
    """The JSON quarantine record for ``source``."""
    document: dict[str, Any] = {
        "format": FORMAT,
        "stage": stage,
        "reason": reason,
        "detail": detail,
        "quarantined_at": format_timestamp(at),
        "source": {
            "topic": source.topic,
            "partition": source.partition,
            "offset": source.offset,
            "key_b64": _b64(source.key),
            "headers": [[name, _b64(value)] for name, value in source.headers],
        },
        "value_b64": _b64(source.value),
    }
    return json.dumps(document, separators=(",", ":")).encode()


def parse_quarantine_record(data: bytes) -> dict[str, Any]:
    """Decode a quarantine record (for tools and tests)."""
    document: dict[str, Any] = json.loads(data)
    return document


def original_value(document: dict[str, Any]) -> bytes | None:
    """The rejected record's value bytes."""
    encoded = document["value_b64"]
    return None if encoded is None else base64.b64decode(encoded)


def _b64(data: bytes | None) -> str | None:
    return None if data is None else base64.b64encode(data).decode("ascii")
