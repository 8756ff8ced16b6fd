"""The delivery service and a refused inbox write: quarantine, exit, or retry (no broker)."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from kafka.errors import (
    KafkaTimeoutError,
    MessageSizeTooLargeError,
    TopicAuthorizationFailedError,
)
from prometheus_client import CollectorRegistry

from consumers.delivery.metrics import DeliveryMetrics
from consumers.delivery.service import DeliveryService
from consumers.delivery.settings import DeliverySettings
from consumers.errors import DeliveryError
from producers.errors import SendRefused
from schemas import reasons
from schemas.signing import sign_alert
from schemas.taskforce import Member, TaskForce
from schemas.topics import TopicNames
from tests.unit.consumers.known_topics import KnownTopics


class _Future:
    def __init__(self, error: Exception | None) -> None:
        self.is_done = True
        self.exception = error

    def add_errback(self, errback: Any, *args: Any) -> None:
        if self.exception is not None:
            errback(*args, self.exception)

    def succeeded(self) -> bool:
        return self.exception is None


class _Producer:
    """Fails every send to an inbox topic with ``error``; quarantine sends succeed."""

    error: Exception | None = None

    def __init__(self, **config: Any) -> None:
        self.sent: list[tuple[str, bytes | None, bytes]] = []

    def send(self, topic: str, *, key: bytes | None, value: bytes, headers: Any = None) -> _Future:
        self.sent.append((topic, key, value))
        return _Future(self.error if ".inbox." in topic else None)

    def flush(self, timeout: float | None = None) -> None:
        return None

    def close(self, timeout: float | None = None) -> None:
        return None


def _service(topics: TopicNames, error: Exception) -> tuple[DeliveryService, CollectorRegistry]:
    members = tuple(
        Member(a, a, "coast_guard", publishes=True, receives=True)
        for a in ("PK-FIA", "TR-SG", "GR-HCG")
    )
    producer = type("Failing", (_Producer,), {"error": error})
    registry = CollectorRegistry()
    service = DeliveryService(
        DeliverySettings(
            bootstrap="unused:1", taskforce=TaskForce("t", topics, Path("t.json"), members)
        ),
        DeliveryMetrics.create(registry),
        consumer_factory=lambda *a, **k: KnownTopics(),
        producer_factory=producer,
    )
    return service, registry


def _record(alert: dict[str, Any], key: Ed25519PrivateKey, topics: TopicNames) -> Any:
    signed = sign_alert(alert, key, topics)
    return SimpleNamespace(
        topic=topics.alerts,
        partition=0,
        offset=9,
        key=signed.key,
        value=signed.value,
        headers=signed.headers,
    )


def test_a_copy_too_large_for_the_producer_quarantines_its_record(
    alert: dict[str, Any], fia_key: Ed25519PrivateKey, topics: TopicNames
) -> None:
    service, registry = _service(topics, MessageSizeTooLargeError("1.2 MB"))
    service._deliver([_record(alert, fia_key, topics)])  # no retry: done
    sent = service._producer.sent
    assert [t for t, _, _ in sent if t == topics.quarantine] == [topics.quarantine]
    document = json.loads(next(v for t, _, v in sent if t == topics.quarantine))
    assert document["stage"] == "delivery"
    assert document["detail"].startswith(reasons.RECORD_TOO_LARGE + ": ")
    assert "MessageSizeTooLargeError" in document["detail"]
    assert document["source"]["offset"] == 9
    labels = {"stage": "delivery", "reason": reasons.RECORD_TOO_LARGE}
    assert registry.get_sample_value("corridor_poison_records_total", labels) == 1


def test_a_copy_refused_by_the_clients_own_size_check_quarantines_its_record(
    alert: dict[str, Any], fia_key: Ed25519PrivateKey, topics: TopicNames
) -> None:
    """kafka-python raises its size check from ``send()`` itself, not in the future."""
    service, registry = _service(topics, MessageSizeTooLargeError("1049084 bytes"))
    refusing = service._producer
    original = refusing.send

    def send(topic: str, **record: Any) -> _Future:
        future = original(topic, **record)
        if future.exception is not None:
            raise future.exception
        return future

    refusing.send = send
    service._deliver([_record(alert, fia_key, topics)])
    assert [t for t, _, _ in refusing.sent if t == topics.quarantine] == [topics.quarantine]
    labels = {"stage": "delivery", "reason": reasons.RECORD_TOO_LARGE}
    assert registry.get_sample_value("corridor_poison_records_total", labels) == 1


def test_an_authorization_refusal_stops_the_service(
    alert: dict[str, Any], fia_key: Ed25519PrivateKey, topics: TopicNames
) -> None:
    service, _ = _service(topics, TopicAuthorizationFailedError())
    with pytest.raises(SendRefused) as info:
        service._deliver([_record(alert, fia_key, topics)])
    assert not info.value.record_refused
    assert not [t for t, _, _ in service._producer.sent if t == topics.quarantine]


def test_a_timeout_is_retried_from_the_last_commit_not_quarantined(
    alert: dict[str, Any], fia_key: Ed25519PrivateKey, topics: TopicNames
) -> None:
    service, _ = _service(topics, KafkaTimeoutError())
    with pytest.raises(DeliveryError):
        service._deliver([_record(alert, fia_key, topics)])
    assert not [t for t, _, _ in service._producer.sent if t == topics.quarantine]


def test_a_tombstone_and_null_headers_are_quarantined_and_counted(topics: TopicNames) -> None:
    service, registry = _service(topics, KafkaTimeoutError())
    tombstone = SimpleNamespace(
        topic=topics.alerts, partition=0, offset=3, key=None, value=None, headers=[("h", None)]
    )
    service._deliver([tombstone])
    document = json.loads(service._producer.sent[0][2])
    assert document["detail"].startswith(reasons.TOMBSTONE + ": ")
    assert document["source"]["headers"] == [["h", ""]]
    labels = {"stage": "delivery", "reason": reasons.TOMBSTONE}
    assert registry.get_sample_value("corridor_poison_records_total", labels) == 1
