"""Kafka headers the hub adds to records it passes on (never signed, never trusted from outside).

The originator's signed headers (``schemas.envelope``) travel unchanged; these
carry what the hub learned on the way, on topics only the hub writes.
"""

from __future__ import annotations

from schemas.envelope import RecordHeaders

REVISION = "corridor-revision"
"""On the verified topic: the verified alert's revision, so deduplication need not decode."""

INBOUND_OFFSET = "corridor-inbound-offset"
"""On the verified topic: ``<partition>:<offset>`` of the inbound record it was verified
from, so deduplication knows which of two revisions the originator published first."""

FEATURES = "corridor-features"
"""On the verified topic: the alert's correlation features (JSON), extracted when it was
verified, so deduplication need not decode the payload a second time."""

REVISION_STATUS = "corridor-revision-status"
"""On the alerts topic and in inboxes: ``new`` (first revision seen), ``update`` or,
rarely, ``superseded`` (an older revision published before one already delivered)."""

RELEASE = "corridor-release"
"""On the incidents topic: who may receive the incident (JSON of :class:`schemas.marking.Release`).
Stripped at delivery: a recipient never learns who else may receive an item."""

STATUS_NEW = b"new"
STATUS_UPDATE = b"update"
STATUS_SUPERSEDED = b"superseded"

_HUB_ONLY = frozenset({REVISION, INBOUND_OFFSET, FEATURES, REVISION_STATUS, RELEASE})


def without_hub_headers(headers: RecordHeaders) -> RecordHeaders:
    """``headers`` minus anything the hub adds, so a stage can set its own."""
    return [(name, value) for name, value in headers if name not in _HUB_ONLY]


def header_value(headers: RecordHeaders, name: str) -> bytes | None:
    """The single value of header ``name``, or None if it is absent."""
    values = [value for header, value in headers if header == name]
    return values[0] if len(values) == 1 else None
