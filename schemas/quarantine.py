"""Quarantine records: what was rejected, why, and the original bytes.

Written as UTF-8 JSON to the quarantine topic (format ``corridor-quarantine/1``),
keyed like the original record, so operators can inspect and replay them.

A quarantine record is bounded (:data:`MAX_RECORD_BYTES`) whatever it quarantines:
one that would not fit whole keeps the digest, size and a bounded prefix of the
value (and of an oversized key or header) instead, so it can always be written and
no single record of any size stops a stage that quarantines it.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from schemas.envelope import RecordHeaders
from schemas.header_names import printable
from schemas.json_mapping import format_timestamp

FORMAT = "corridor-quarantine/1"

#: Largest quarantine record written (bytes of JSON): under the producers' default
#: ``max_request_size`` and the brokers' default ``message.max.bytes`` (both 1 MiB),
#: with room for the record's key and framing.
MAX_RECORD_BYTES = 768 * 1024
#: Bytes of the value kept in a truncated record (``value_prefix_b64``).
VALUE_PREFIX_BYTES = 4096
#: Bytes of the key, and of each header value, kept in a truncated record.
FIELD_PREFIX_BYTES = 1024
#: Characters of a header name, and of ``detail``, kept in any record.
TEXT_LIMIT = 1024
#: Headers listed in a truncated record (the rest are only counted).
MAX_HEADERS = 64


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


@dataclass(frozen=True)
class QuarantineValue:
    """A quarantine record ready to send."""

    data: bytes
    """The JSON record, at most :data:`MAX_RECORD_BYTES`."""
    truncated: bool
    """True when the original did not fit whole (digest, size and prefix instead)."""


def quarantine_record(
    source: SourceRecord, *, stage: str, reason: str, detail: str, at: dt.datetime
) -> bytes:
    """The JSON quarantine record for ``source``: whole if it fits, else truncated.

    Never longer than :data:`MAX_RECORD_BYTES`, whatever the size of ``source``.
    """
    return build_quarantine(source, stage=stage, reason=reason, detail=detail, at=at).data


def build_quarantine(
    source: SourceRecord, *, stage: str, reason: str, detail: str, at: dt.datetime
) -> QuarantineValue:
    """:func:`quarantine_record`, telling whether it had to be truncated (to count it)."""
    document: dict[str, Any] = {
        "format": FORMAT,
        "stage": stage,
        "reason": reason,
        "detail": detail[:TEXT_LIMIT],
        "quarantined_at": format_timestamp(at),
        "source": {
            "topic": source.topic[:TEXT_LIMIT],
            "partition": source.partition,
            "offset": source.offset,
            "key_b64": _b64(source.key),
            "headers": [
                [printable(name)[:TEXT_LIMIT], _b64(value)] for name, value in source.headers
            ],
        },
        "value_b64": _b64(source.value),
        "value_sha256": None if source.value is None else _sha256(source.value),
        "value_size": None if source.value is None else len(source.value),
        "truncated": False,
    }
    whole = _dumps(document)
    if len(whole) <= MAX_RECORD_BYTES:
        return QuarantineValue(whole, truncated=False)
    return QuarantineValue(_dumps(_truncated(document, source)), truncated=True)


def _truncated(document: dict[str, Any], source: SourceRecord) -> dict[str, Any]:
    """``document`` with the value, the key and long headers cut to digest, size and prefix."""
    headers = source.headers[:MAX_HEADERS]
    document["truncated"] = True
    document["value_b64"] = None
    document["value_prefix_b64"] = _b64(
        None if source.value is None else source.value[:VALUE_PREFIX_BYTES]
    )
    described = document["source"]
    if source.key is not None and len(source.key) > FIELD_PREFIX_BYTES:
        described["key_b64"] = _b64(source.key[:FIELD_PREFIX_BYTES])
        described["key_sha256"] = _sha256(source.key)
        described["key_size"] = len(source.key)
    described["headers"] = [
        [printable(name)[:TEXT_LIMIT], _b64(value[:FIELD_PREFIX_BYTES])] for name, value in headers
    ]
    described["header_digests"] = [
        [index, _sha256(value), len(value)]
        for index, (_, value) in enumerate(headers)
        if len(value) > FIELD_PREFIX_BYTES
    ]
    described["headers_count"] = len(source.headers)
    return document


def _dumps(document: dict[str, Any]) -> bytes:
    return json.dumps(document, separators=(",", ":")).encode()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def parse_quarantine_record(data: bytes) -> dict[str, Any]:
    """Decode a quarantine record (for tools and tests)."""
    document: dict[str, Any] = json.loads(data)
    return document


def original_value(document: dict[str, Any]) -> bytes | None:
    """The rejected record's value bytes (None: a tombstone, or a truncated record)."""
    encoded = document["value_b64"]
    return None if encoded is None else base64.b64decode(encoded)


def _b64(data: bytes | None) -> str | None:
    return None if data is None else base64.b64encode(data).decode("ascii")
