"""Life events only the streams worker knows about, for the audit chain (pure).

A verified alert the dedupe stage drops (the same or an older revision) appears on no
topic; the worker appends a ``dropped_duplicate`` event to ``<prefix>.audit-events``
(acknowledged before the offset is committed), which the auditor chains.
"""

from __future__ import annotations

import hashlib

from schemas import audit
from streams.dedupe import Decision


def dedupe_drop_event(
    *,
    key: bytes | None,
    value: bytes,
    revision: int,
    decision: Decision,
    topic: str,
    partition: int,
    offset: int,
    at_ms: int,
    message_id: str | None,
) -> bytes:
    """The audit-events record of one dropped verified alert (ids and digest only)."""
    return audit.audit_event_value(
        audit.DROPPED_DUPLICATE,
        at_ms,
        {
            "alert": None if key is None else key.decode("utf-8", "replace"),
            "revision": revision,
            "decision": decision.value,
            "digest": hashlib.sha256(value).hexdigest(),
            "message_id": message_id,
            "source_topic": topic,
            "source_partition": partition,
            "source_offset": offset,
        },
    )
