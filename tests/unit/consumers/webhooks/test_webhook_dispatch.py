"""One agency's dispatch loop with scripted receivers: retries, dead letters, commits."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from kafka import TopicPartition
from kafka.errors import (
    KafkaTimeoutError,
    MessageSizeTooLargeError,
    TopicAuthorizationFailedError,
)
from prometheus_client import CollectorRegistry

from consumers.errors import DeliveryError
from consumers.webhooks.agency_worker import AgencyWorker
from consumers.webhooks.body import InboxRecord, parse_webhook_body
from consumers.webhooks.client import PostResult
from consumers.webhooks.metrics import WebhookMetrics
from consumers.webhooks.settings import WebhookSettings
from producers.errors import SendRefused
from schemas import reasons
from schemas.audit import parse_audit_event
from schemas.taskforce import Member, TaskForce, Webhook, WebhookPolicy
from schemas.topics import TopicNames
from tests.unit.consumers.known_topics import KnownTopics
from tests.unit.consumers.webhooks.webhook_fixtures import inbox_record

URL = "https://gr.example/corridor"


@dataclass
class Consumed:
    """A ConsumerRecord look-alike."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]


class FakeConsumer(KnownTopics):
    def __init__(self, records: list[Consumed]) -> None:
        self._records = records
        self.commits: list[dict[TopicPartition, int]] = []

    def poll(self, timeout_ms: int) -> dict[TopicPartition, list[Consumed]]:
        records, self._records = self._records, []
        return {TopicPartition("t", 0): records} if records else {}

    def commit(self, offsets: dict[TopicPartition, Any]) -> None:
        self.commits.append({tp: o.offset for tp, o in offsets.items()})

    def assignment(self) -> set[TopicPartition]:
        return set()

    def close(self, autocommit: bool = True) -> None:
        pass


@dataclass
class FakeClient:
    statuses: list[int | None]
    posts: list[tuple[str, str, bytes]] = field(default_factory=list)

    def post(self, url: str, delivery_id: str, body: bytes) -> PostResult:
        self.posts.append((url, delivery_id, body))
        status = self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]
        if status is None:
            return PostResult(None, "ConnectionRefusedError: refused", 0.01)
        return PostResult(status, None if status < 300 else f"HTTP {status}", 0.01)


class FakeFuture:
    def __init__(self, fail: bool) -> None:
        self._fail = fail

    def get(self, timeout: float) -> None:
        if self._fail:
            raise KafkaTimeoutError("not acknowledged")


@dataclass
class FakeProducer:
    fail: bool = False
    sent: list[tuple[str, bytes, bytes]] = field(default_factory=list)

    def send(self, topic: str, key: bytes, value: bytes) -> FakeFuture:
        self.sent.append((topic, key, value))
        return FakeFuture(self.fail)


@pytest.fixture
def records(
    alert: dict[str, Any], fia_key: Ed25519PrivateKey, topics: TopicNames
) -> list[Consumed]:
    out = []
    for i in range(3):
        datum = dict(alert, alert_id=f"{alert['alert_id'][:-1]}{i}")
        r: InboxRecord = inbox_record(datum, fia_key, topics, offset=10 + i)
        out.append(Consumed(r.topic, 0, r.offset, r.key, r.value, r.headers))
    return out


def _worker(
    topics: TopicNames,
    consumer: FakeConsumer,
    client: FakeClient,
    producer: FakeProducer,
    commit_every: int = 1,
) -> tuple[AgencyWorker, WebhookMetrics]:
    member = Member("GR-HCG", "GR", "coast_guard", True, True, webhook=Webhook(URL))
    policy = WebhookPolicy(max_attempts=4, initial_backoff_s=0.5, max_backoff_s=1.0, timeout_s=1)
    taskforce = TaskForce("t", topics, Path("t.json"), (member,), webhooks=policy)
    settings = WebhookSettings("unused:9092", taskforce, commit_every=commit_every)
    metrics = WebhookMetrics.create(CollectorRegistry())
    worker = AgencyWorker(
        member,
        settings,
        client,  # type: ignore[arg-type]
        producer,
        metrics,
        consumer_factory=lambda *a, **k: consumer,
        rand=lambda: 0.0,  # no waiting in unit tests; the waits are tested in test_backoff
    )
    return worker, metrics


def _count(metrics: WebhookMetrics, outcome: str) -> float:
    return metrics.attempts.labels("GR-HCG", outcome)._value.get()


@pytest.fixture
def stop() -> Iterator[threading.Event]:
    yield threading.Event()


def test_failures_are_retried_and_the_offset_committed_after_the_2xx(
    topics: TopicNames, records: list[Consumed], stop: threading.Event
) -> None:
    consumer, producer = FakeConsumer(records[:1]), FakeProducer()
    client = FakeClient([503, None, 429, 200])
    worker, metrics = _worker(topics, consumer, client, producer)
    assert worker.step(stop) == 1
    assert len(client.posts) == 4
    assert {p[1] for p in client.posts} == {records[0].headers[-1][1].decode()}
    assert consumer.commits == [{TopicPartition(records[0].topic, 0): 11}]
    # The accepted POST is told to the auditor (no topic shows it), with ids only.
    ((topic, key, value),) = producer.sent
    kind, _, subject = parse_audit_event(value)
    assert topic == topics.audit_events and kind == "webhook_delivered"
    assert subject == {
        "agency": "GR-HCG",
        "delivery": key.decode(),
        "attempts": 4,
        "http_status": 200,
    }
    assert key.decode() == client.posts[0][1]
    assert _count(metrics, "http_5xx") == 1 and _count(metrics, "network_error") == 1
    assert _count(metrics, "http_4xx") == 1 and _count(metrics, "delivered") == 1
    body = parse_webhook_body(client.posts[0][2])
    assert body.recipient == "GR-HCG" and body.record.value == records[0].value


def test_a_delivery_failing_every_attempt_is_dead_lettered_then_committed(
    topics: TopicNames, records: list[Consumed], stop: threading.Event
) -> None:
    consumer, producer = FakeConsumer(records[:2]), FakeProducer()
    client = FakeClient([500, 500, 500, 500, 200])
    worker, metrics = _worker(topics, consumer, client, producer)
    assert worker.step(stop) == 2
    assert len(client.posts) == 5  # 4 attempts of the first, 1 of the second
    assert [sent[0] for sent in producer.sent] == [topics.dead_letters, topics.audit_events]
    topic, key, value = producer.sent[0]
    letter = json.loads(value)
    assert topic == topics.dead_letters
    assert key.decode() == letter["delivery_id"] == client.posts[0][1]
    assert (letter["attempts"], letter["last_status"], letter["agency"]) == (4, 500, "GR-HCG")
    assert letter["record"]["offset"] == records[0].offset
    assert consumer.commits[-1] == {TopicPartition(records[0].topic, 0): 12}
    assert metrics.dead_lettered.labels("GR-HCG")._value.get() == 1


def test_a_status_that_repeating_cannot_fix_is_dead_lettered_at_once(
    topics: TopicNames, records: list[Consumed], stop: threading.Event
) -> None:
    consumer, producer = FakeConsumer(records[:1]), FakeProducer()
    client = FakeClient([401])
    worker, _ = _worker(topics, consumer, client, producer)
    worker.step(stop)
    assert len(client.posts) == 1
    assert json.loads(producer.sent[0][2])["last_error"] == "HTTP 401"


def test_an_unacknowledged_dead_letter_commits_nothing(
    topics: TopicNames, records: list[Consumed], stop: threading.Event
) -> None:
    consumer, producer = FakeConsumer(records[:1]), FakeProducer(fail=True)
    worker, _ = _worker(topics, consumer, FakeClient([503]), producer)
    with pytest.raises(DeliveryError, match="not acknowledged"):
        worker.step(stop)
    assert consumer.commits == []


def test_stopping_during_retries_leaves_the_delivery_uncommitted(
    topics: TopicNames, records: list[Consumed]
) -> None:
    consumer, producer = FakeConsumer(records[:1]), FakeProducer()
    stop = threading.Event()
    client = FakeClient([503])
    original = client.post

    def post_then_stop(url: str, delivery_id: str, body: bytes) -> PostResult:
        stop.set()
        return original(url, delivery_id, body)

    client.post = post_then_stop  # type: ignore[method-assign]
    worker, _ = _worker(topics, consumer, client, producer)
    assert worker.step(stop) == 0
    assert consumer.commits == [] and producer.sent == []


def test_commit_every_batches_commits_and_an_idle_poll_flushes_them(
    topics: TopicNames, records: list[Consumed], stop: threading.Event
) -> None:
    consumer, producer = FakeConsumer(records), FakeProducer()
    worker, _ = _worker(topics, consumer, FakeClient([200]), producer, commit_every=2)
    assert worker.step(stop) == 3
    assert consumer.commits == [{TopicPartition(records[0].topic, 0): 12}]
    assert worker.step(stop) == 0  # nothing new: commit what is done
    assert consumer.commits[-1] == {TopicPartition(records[0].topic, 0): 13}


def test_an_unacknowledged_audit_event_fails_the_delivery_so_it_is_posted_again(
    topics: TopicNames, records: list[Consumed], stop: threading.Event
) -> None:
    consumer, producer = FakeConsumer(records[:1]), FakeProducer(fail=True)
    worker, _ = _worker(topics, consumer, FakeClient([200]), producer)
    with pytest.raises(DeliveryError, match=r"audit event .* not acknowledged"):
        worker.step(stop)
    assert consumer.commits == []


class _RefusedFuture(FakeFuture):
    def __init__(self, error: Exception) -> None:
        super().__init__(fail=False)
        self._error = error

    def get(self, timeout: float) -> None:
        raise self._error


@dataclass
class _RefusingProducer(FakeProducer):
    """Refuses every send to ``topic`` with ``error``; the others are acknowledged."""

    topic: str = ""
    error: Exception | None = None

    def send(self, topic: str, key: bytes, value: bytes) -> FakeFuture:
        self.sent.append((topic, key, value))
        if topic == self.topic and self.error is not None:
            return _RefusedFuture(self.error)
        return FakeFuture(False)


def test_a_dead_letter_too_large_to_write_quarantines_the_inbox_record(
    topics: TopicNames, records: list[Consumed], stop: threading.Event
) -> None:
    """The dead letter carries the record in base64: over 1 MiB for a large inbox record."""
    refused = MessageSizeTooLargeError("1398201 bytes")
    producer = _RefusingProducer(topic=topics.dead_letters, error=refused)
    consumer = FakeConsumer(records[:1])
    worker, metrics = _worker(topics, consumer, FakeClient([401]), producer)
    assert worker.step(stop) == 1
    assert [sent[0] for sent in producer.sent] == [topics.dead_letters, topics.quarantine]
    document = json.loads(producer.sent[1][2])
    assert (document["stage"], document["reason"]) == ("webhooks", reasons.RECORD_TOO_LARGE)
    assert document["source"]["offset"] == records[0].offset
    assert "MessageSizeTooLargeError" in document["detail"]
    assert consumer.commits == [{TopicPartition(records[0].topic, 0): 11}]
    labels = ("webhooks", reasons.RECORD_TOO_LARGE)
    assert metrics.poison.labels(*labels)._value.get() == 1


def test_a_refusal_of_the_dispatcher_itself_is_not_retried(
    topics: TopicNames, records: list[Consumed], stop: threading.Event
) -> None:
    producer = _RefusingProducer(topic=topics.dead_letters, error=TopicAuthorizationFailedError())
    consumer = FakeConsumer(records[:1])
    worker, _ = _worker(topics, consumer, FakeClient([401]), producer)
    with pytest.raises(SendRefused) as info:
        worker.step(stop)  # run() lets it through: no rewind and POST again for ever
    assert not info.value.record_refused
    assert consumer.commits == []
