"""Dead-letter records of webhook deliveries, and which of them still await replay (pure).

The dead-letter topic holds UTF-8 JSON records (format ``corridor-deadletter/1``) keyed
by delivery id, of two types:

``dead_letter``
    A delivery that failed every attempt: agency, attempts, last HTTP status or error,
    first and last attempt time, and the inbox record itself (value and headers).
``replayed``
    A later successful replay of that delivery id, with the receiver's status.

The topic has one partition, so its order is the order of events: a delivery id is
pending when its last record is a ``dead_letter``. Replaying marks it done by
appending ``replayed`` (acknowledged by Kafka), so a second replay skips it; a crash
between the POST and that record means one more POST of the same delivery id, which
the receiver stores once.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from consumers.errors import WebhookFormatError
from consumers.webhooks.body import InboxRecord, parse_record_json, record_json
from schemas.json_mapping import format_timestamp

FORMAT = "corridor-deadletter/1"
DEAD_LETTER = "dead_letter"
REPLAYED = "replayed"


@dataclass(frozen=True)
class DeadLetter:
    """A delivery that failed every attempt."""

    delivery_id: str
    """Its stable delivery id."""
    agency: str
    """The recipient agency."""
    attempts: int
    """How many POSTs were made."""
    last_status: int | None
    """HTTP status of the last attempt, None when there was no response."""
    last_error: str
    """Why the last attempt failed (status line or connection error)."""
    first_attempt_at: dt.datetime
    """When the first attempt was made."""
    last_attempt_at: dt.datetime
    """When the last attempt was made."""
    record: InboxRecord
    """The inbox record it carried."""


@dataclass(frozen=True)
class Replayed:
    """A dead letter that was later delivered by replay."""

    delivery_id: str
    """Its delivery id."""
    agency: str
    """The recipient agency."""
    status: int
    """The receiver's HTTP status (2xx)."""
    replayed_at: dt.datetime
    """When."""


def dead_letter_value(letter: DeadLetter, at: dt.datetime) -> bytes:
    """The record value of a dead letter, dead-lettered at ``at``."""
    document = {
        "format": FORMAT,
        "type": DEAD_LETTER,
        "delivery_id": letter.delivery_id,
        "agency": letter.agency,
        "attempts": letter.attempts,
        "last_status": letter.last_status,
        "last_error": letter.last_error,
        "first_attempt_at": format_timestamp(letter.first_attempt_at),
        "last_attempt_at": format_timestamp(letter.last_attempt_at),
        "dead_lettered_at": format_timestamp(at),
        "record": record_json(letter.record),
    }
    return json.dumps(document, separators=(",", ":")).encode()


def replayed_value(replayed: Replayed) -> bytes:
    """The record value marking a dead letter as replayed."""
    document = {
        "format": FORMAT,
        "type": REPLAYED,
        "delivery_id": replayed.delivery_id,
        "agency": replayed.agency,
        "status": replayed.status,
        "replayed_at": format_timestamp(replayed.replayed_at),
    }
    return json.dumps(document, separators=(",", ":")).encode()


def parse_dead_letter_topic_value(value: bytes | None) -> DeadLetter | Replayed:
    """Parse one record of the dead-letter topic, or raise :class:`WebhookFormatError`."""
    try:
        document = json.loads(value or b"")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise WebhookFormatError(f"dead-letter record is not JSON: {exc}") from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise WebhookFormatError(f"dead-letter record is not a {FORMAT} document")
    delivery_id, agency = document.get("delivery_id"), document.get("agency")
    if not isinstance(delivery_id, str) or not isinstance(agency, str):
        raise WebhookFormatError("dead-letter record lacks delivery_id or agency")
    kind = document.get("type")
    if kind == REPLAYED:
        return Replayed(
            delivery_id=delivery_id,
            agency=agency,
            status=_int(document.get("status"), "status"),
            replayed_at=_time(document.get("replayed_at"), "replayed_at"),
        )
    if kind != DEAD_LETTER:
        raise WebhookFormatError(f"dead-letter record of unknown type {kind!r}")
    last_status = document.get("last_status")
    return DeadLetter(
        delivery_id=delivery_id,
        agency=agency,
        attempts=_int(document.get("attempts"), "attempts"),
        last_status=None if last_status is None else _int(last_status, "last_status"),
        last_error=str(document.get("last_error", "")),
        first_attempt_at=_time(document.get("first_attempt_at"), "first_attempt_at"),
        last_attempt_at=_time(document.get("last_attempt_at"), "last_attempt_at"),
        record=parse_record_json(document.get("record")),
    )


def pending(entries: Iterable[DeadLetter | Replayed]) -> list[DeadLetter]:
    """Dead letters not replayed since, in topic order (the latest copy of each id)."""
    state: dict[str, DeadLetter | None] = {}
    for entry in entries:
        if isinstance(entry, DeadLetter):
            state.pop(entry.delivery_id, None)  # re-insert: keep the order of the latest copy
            state[entry.delivery_id] = entry
        else:
            state[entry.delivery_id] = None
    return [letter for letter in state.values() if letter is not None]


def _int(value: Any, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise WebhookFormatError(f"dead-letter record: {name} is not an integer")
    return value


def _time(value: Any, name: str) -> dt.datetime:
    if not isinstance(value, str):
        raise WebhookFormatError(f"dead-letter record: {name} is not a timestamp")
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise WebhookFormatError(f"dead-letter record: {name} is not a timestamp") from exc
    if parsed.tzinfo is None:
        raise WebhookFormatError(f"dead-letter record: {name} has no UTC offset")
    return parsed
