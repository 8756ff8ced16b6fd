"""An alert's whole path through the pipeline, from the audit chain (pure).

The chain records each event with the ids the topic it came from shows; the trace
joins them: the alert's own events (by ``AGENCY:alert_id``), the events of the same
bytes (by digest: a received or quarantined record whose unsigned key named another
id), its deliveries (by delivery id: receipts, webhook outcomes, recalls) and the
incidents it was correlated into (and their deliveries).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from schemas import audit
from schemas.errors import CorridorError


class UnknownAlert(CorridorError):
    """No audit record names the alert (or the bare id is ambiguous)."""


@dataclass(frozen=True)
class Step:
    """One line of a trace."""

    record: audit.AuditRecord
    """The audit record."""
    since_received_ms: int
    """Milliseconds since the alert was first received (negative: before)."""
    text: str
    """What happened, in English."""

    def to_json(self) -> dict[str, Any]:
        """For ``--json``."""
        return {
            "at": format_ms(self.record.at),
            "since_received_ms": self.since_received_ms,
            "kind": self.record.kind,
            "seq": self.record.seq,
            "text": self.text,
            "subject": dict(self.record.subject),
            "source": None if self.record.source is None else self.record.source.to_json(),
        }


def format_ms(at: int) -> str:
    """UTC milliseconds as RFC 3339 with milliseconds and Z."""
    instant = dt.datetime.fromtimestamp(at / 1000, dt.UTC)
    return instant.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at % 1000:03d}Z"


def resolve_alert(records: Iterable[audit.AuditRecord], query: str) -> str:
    """``AGENCY:alert_id`` of ``query`` (which may omit the agency if that is unambiguous)."""
    known = {alert for r in records for alert in r.alerts()}
    if query in known:
        return query
    matches = sorted(a for a in known if a.split(":", 1)[-1] == query)
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise UnknownAlert(f"alert id {query!r} is ambiguous: {', '.join(matches)}")
    raise UnknownAlert(f"no audit record names alert {query!r}")


def _values(records: Iterable[audit.AuditRecord], name: str) -> set[str]:
    return {v for r in records if isinstance(v := r.subject.get(name), str)}


def path(records: Sequence[audit.AuditRecord], alert: str) -> list[audit.AuditRecord]:
    """Every event record about ``alert``, in time order (then chain order)."""
    own = [r for r in records if r.kind != audit.CHECKPOINT and alert in r.alerts()]
    digests = _values(own, "digest")
    same_bytes = [
        r
        for r in records
        if r.kind in (audit.RECEIVED, audit.QUARANTINED) and r.subject.get("digest") in digests
    ]
    selected = {r.seq: r for r in (*own, *same_bytes)}
    incidents = _values((r for r in own if r.kind == audit.CORRELATED), "incident")
    for r in records:
        if r.kind == audit.DELIVERED and r.subject.get("incident") in incidents:
            selected[r.seq] = r
    deliveries = _values((r for r in selected.values() if r.kind == audit.DELIVERED), "delivery")
    for r in records:
        if r.kind != audit.CHECKPOINT and r.subject.get("delivery") in deliveries:
            selected[r.seq] = r
    return sorted(selected.values(), key=lambda r: (r.at, r.seq))


def trace(records: Sequence[audit.AuditRecord], alert: str) -> list[Step]:
    """The trace of ``alert``: one step per event, with the delay since it was received."""
    events = path(records, alert)
    received = [r.at for r in events if r.kind == audit.RECEIVED]
    origin = min(received) if received else (events[0].at if events else 0)
    return [Step(r, r.at - origin, describe(r)) for r in events]


def _get(record: audit.AuditRecord, name: str, default: str = "?") -> str:
    value = record.subject.get(name)
    return default if value is None else str(value)


def describe(record: audit.AuditRecord) -> str:
    """One event in English (ids and reasons only)."""
    s = record.subject
    kind = record.kind
    if kind == audit.RECEIVED:
        text = f"received from {_get(record, 'agency')} on {_source(record)}"
        return text + (f" (malformed: {s['malformed']})" if s.get("malformed") else "")
    if kind == audit.VERIFIED:
        return f"verified (revision {_get(record, 'revision')})"
    if kind == audit.QUARANTINED:
        return (
            f"quarantined by {_get(record, 'stage')}: {_get(record, 'reason')} "
            f"(record {_get(record, 'source_topic')}[{_get(record, 'source_partition')}]"
            f"@{_get(record, 'source_offset')})"
        )
    if kind == audit.PASSED_DEDUPE:
        return f"passed dedupe ({_get(record, 'status')})"
    if kind == audit.DROPPED_DUPLICATE:
        return (
            f"dropped as duplicate ({_get(record, 'decision')}, revision "
            f"{_get(record, 'revision')})"
        )
    if kind == audit.CORRELATED:
        members = record.alerts()
        return (
            f"correlated into incident {_get(record, 'incident')} version "
            f"{_get(record, 'version')} ({_get(record, 'status')}, {len(members)} alerts)"
        )
    if kind == audit.DELIVERED:
        what = f"incident {s['incident']} " if s.get("incident") else ""
        return f"{what}delivered to {_get(record, 'agency')} (delivery {_get(record, 'delivery')})"
    if kind == audit.RECEIPTED:
        if s.get("status") is None:
            return (
                f"receipt from {_get(record, 'agency')} for delivery {_get(record, 'delivery')} "
                f"rejected: {_get(record, 'reason')}"
            )
        return (
            f"receipted by {_get(record, 'agency')}: {_get(record, 'status')} "
            f"(delivery {_get(record, 'delivery')})"
        )
    if kind == audit.RECALLED:
        return (
            f"recalled from {_get(record, 'agency')}: {_get(record, 'reason')} "
            f"(delivery {_get(record, 'delivery')})"
        )
    if kind == audit.DEAD_LETTERED:
        return (
            f"webhook delivery to {_get(record, 'agency')} dead-lettered after "
            f"{_get(record, 'attempts')} attempts (delivery {_get(record, 'delivery')})"
        )
    if kind == audit.REPLAYED:
        agency, status = _get(record, "agency"), _get(record, "http_status")
        return f"webhook delivery to {agency} replayed (HTTP {status})"
    if kind == audit.WEBHOOK_DELIVERED:
        return (
            f"webhook delivered to {_get(record, 'agency')} (delivery {_get(record, 'delivery')})"
        )
    return kind.replace("_", " ")


def _source(record: audit.AuditRecord) -> str:
    source = record.source
    return "?" if source is None else f"{source.topic}[{source.partition}]@{source.offset}"


def format_step(step: Step) -> str:
    """``<UTC time>  +<delay>s  <what happened>``."""
    return f"{format_ms(step.record.at)}  {step.since_received_ms / 1000:+9.3f}s  {step.text}"
