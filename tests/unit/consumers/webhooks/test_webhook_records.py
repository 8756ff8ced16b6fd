"""Webhook bodies and dead-letter records: round trips, refusals, and what awaits replay."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from consumers.errors import WebhookFormatError
from consumers.webhooks.body import parse_webhook_body, webhook_body
from consumers.webhooks.dead_letters import (
    DeadLetter,
    Replayed,
    dead_letter_value,
    parse_dead_letter_topic_value,
    pending,
    replayed_value,
)
from schemas.topics import TopicNames
from tests.unit.consumers.webhooks.webhook_fixtures import inbox_record

T0 = dt.datetime(2026, 11, 24, 9, 30, tzinfo=dt.UTC)


def test_the_body_carries_the_inbox_record_byte_for_byte(
    alert: dict[str, Any], fia_key: Ed25519PrivateKey, topics: TopicNames
) -> None:
    record = inbox_record(alert, fia_key, topics, offset=17)
    assert record.delivery_id is not None
    body = webhook_body(record.delivery_id, "GR-HCG", record)
    document = json.loads(body)
    assert document["format"] == "corridor-webhook/1"
    assert set(document["record"]) == {
        "topic",
        "partition",
        "offset",
        "key_b64",
        "headers",
        "value_b64",
    }
    parsed = parse_webhook_body(body)
    assert parsed.delivery_id == record.delivery_id
    assert parsed.recipient == "GR-HCG"
    assert parsed.record == record


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.update(format="corridor-webhook/2"), "not a corridor-webhook/1"),
        (lambda d: d.update(delivery_id="other"), "does not match"),
        (lambda d: d.update(recipient="not an agency"), "recipient"),
        (lambda d: d["record"].update(value_b64="***"), "value_b64: not valid base64"),
        (lambda d: d["record"].update(offset=-1), "offset"),
        (lambda d: d["record"].update(headers=[["x"]]), r"headers\[0\]"),
    ],
)
def test_malformed_bodies_are_refused_with_the_field(
    alert: dict[str, Any],
    fia_key: Ed25519PrivateKey,
    topics: TopicNames,
    mutate: Any,
    message: str,
) -> None:
    record = inbox_record(alert, fia_key, topics)
    assert record.delivery_id is not None
    document = json.loads(webhook_body(record.delivery_id, "GR-HCG", record))
    mutate(document)
    with pytest.raises(WebhookFormatError, match=message):
        parse_webhook_body(json.dumps(document).encode())


def test_a_body_that_is_not_json_is_refused() -> None:
    with pytest.raises(WebhookFormatError, match="not JSON"):
        parse_webhook_body(b"\xff{")


def _letter(alert: dict[str, Any], key: Ed25519PrivateKey, topics: TopicNames) -> DeadLetter:
    record = inbox_record(alert, key, topics, offset=3)
    assert record.delivery_id is not None
    return DeadLetter(
        delivery_id=record.delivery_id,
        agency="GR-HCG",
        attempts=4,
        last_status=503,
        last_error="HTTP 503",
        first_attempt_at=T0,
        last_attempt_at=T0 + dt.timedelta(seconds=7),
        record=record,
    )


def test_dead_letters_round_trip_with_their_record(
    alert: dict[str, Any], fia_key: Ed25519PrivateKey, topics: TopicNames
) -> None:
    letter = _letter(alert, fia_key, topics)
    value = dead_letter_value(letter, T0 + dt.timedelta(seconds=8))
    document = json.loads(value)
    assert document["type"] == "dead_letter"
    assert document["dead_lettered_at"] == "2026-11-24T09:30:08.000Z"
    assert parse_dead_letter_topic_value(value) == letter
    marker = Replayed(letter.delivery_id, "GR-HCG", 200, T0)
    assert parse_dead_letter_topic_value(replayed_value(marker)) == marker


def test_pending_is_what_was_dead_lettered_and_not_replayed_since(
    alert: dict[str, Any], fia_key: Ed25519PrivateKey, topics: TopicNames
) -> None:
    a = _letter(alert, fia_key, topics)
    b = dataclasses.replace(a, delivery_id="b")
    c = dataclasses.replace(a, delivery_id="c")
    replayed_a = Replayed(a.delivery_id, "GR-HCG", 200, T0)
    assert pending([a, b, c]) == [a, b, c]
    assert pending([a, b, replayed_a, c]) == [b, c]
    # Dead-lettered again after a replay (it failed once more): pending again.
    a_again = dataclasses.replace(a, attempts=8)
    assert pending([a, replayed_a, b, a_again]) == [b, a_again]
    # A duplicate dead letter (crash before the commit) is one pending letter.
    assert pending([a, a]) == [a]
    assert pending([replayed_a]) == []


@pytest.mark.parametrize(
    "value",
    [
        b"",
        b"{}",
        b'{"format":"corridor-deadletter/1","type":"x","delivery_id":"a","agency":"B"}',
        b'{"format":"corridor-deadletter/1","type":"replayed","delivery_id":"a","agency":"B",'
        b'"status":"200","replayed_at":"2026-11-24T09:30:00.000Z"}',
    ],
)
def test_unreadable_dead_letter_records_are_refused(value: bytes) -> None:
    with pytest.raises(WebhookFormatError):
        parse_dead_letter_topic_value(value)
