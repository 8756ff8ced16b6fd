"""Planning inbox writes and checking deliveries at the recipient (no broker)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from consumers.delivery.plan import plan_delivery
from consumers.delivery.routing import HEADER_DELIVERY_ID
from consumers.inbox.check import check_delivery
from schemas.signing import sign_alert
from schemas.taskforce import Member, TaskForce
from schemas.topics import TopicNames
from schemas.truststore import TrustStore
from tests.unit.consumers.known_topics import KnownTopics


def _taskforce(topics: TopicNames) -> TaskForce:
    members = tuple(
        Member(a, a, "coast_guard", publishes=True, receives=True)
        for a in ("PK-FIA", "TR-SG", "GR-HCG")
    )
    return TaskForce("t", topics, Path("trust.json"), members)


def test_plan_keeps_the_originators_bytes_and_adds_a_delivery_id(
    alert: dict[str, Any], fia_key: Ed25519PrivateKey, topics: TopicNames
) -> None:
    record = sign_alert(alert, fia_key, topics)
    plan = plan_delivery(record.key, record.value, record.headers, _taskforce(topics))
    assert plan.undeliverable is None
    assert [w.recipient for w in plan.writes] == ["TR-SG", "GR-HCG"]
    for write in plan.writes:
        assert write.value == record.value
        assert write.topic == topics.inbox(write.recipient)
        names = [n for n, _ in write.headers]
        assert names.count(HEADER_DELIVERY_ID) == 1
        assert write.headers[: len(record.headers)] == record.headers


def test_plan_of_bytes_that_do_not_decode_is_undeliverable(topics: TopicNames) -> None:
    plan = plan_delivery(b"k", b"garbage", [], _taskforce(topics))
    assert plan.writes == []
    assert plan.undeliverable is not None
    assert plan.undeliverable.startswith("malformed_envelope")


def test_recipient_verifies_a_delivered_copy(
    alert: dict[str, Any],
    fia_key: Ed25519PrivateKey,
    trust_store: TrustStore,
    topics: TopicNames,
) -> None:
    record = sign_alert(alert, fia_key, topics)
    write = plan_delivery(record.key, record.value, record.headers, _taskforce(topics)).writes[0]
    item = check_delivery(write.value, write.headers, trust_store, topics)
    assert item.verified
    assert item.document["origin"] == "PK-FIA"
    assert item.document["alert"]["alert_id"] == alert["alert_id"]
    assert item.delivery_id == dict(write.headers)[HEADER_DELIVERY_ID].decode()


def test_recipient_rejects_a_copy_altered_by_the_hub(
    alert: dict[str, Any],
    fia_key: Ed25519PrivateKey,
    trust_store: TrustStore,
    topics: TopicNames,
) -> None:
    record = sign_alert(alert, fia_key, topics)
    altered = bytearray(record.value)
    altered[-100] ^= 0x02
    item = check_delivery(bytes(altered), record.headers, trust_store, topics)
    assert not item.verified
    assert item.document["reason"] == "bad_signature"


def test_tombstones_are_rejected_not_crashed_on(
    trust_store: TrustStore, topics: TopicNames
) -> None:
    assert plan_delivery(b"k", None, [], _taskforce(topics)).undeliverable is not None
    item = check_delivery(None, [], trust_store, topics)
    assert not item.verified
    assert item.document["reason"] == "malformed_envelope"


class _Sent:
    is_done = True

    def add_errback(self, errback: Any, *args: Any) -> None:
        return None

    def succeeded(self) -> bool:
        return True


class _RecordingProducer:
    def __init__(self, **config: Any) -> None:
        self.sent: list[tuple[str, bytes | None, bytes]] = []

    def send(self, topic: str, *, key: bytes | None, value: bytes, headers: Any = None) -> _Sent:
        self.sent.append((topic, key, value))
        return _Sent()

    def flush(self, timeout: float | None = None) -> None:
        return None


def test_undeliverable_record_is_quarantined_with_its_reason(topics: TopicNames) -> None:
    import json
    from types import SimpleNamespace

    from prometheus_client import CollectorRegistry

    from consumers.delivery.metrics import DeliveryMetrics
    from consumers.delivery.service import DeliveryService
    from consumers.delivery.settings import DeliverySettings

    service = DeliveryService(
        DeliverySettings(bootstrap="unused:1", taskforce=_taskforce(topics)),
        DeliveryMetrics.create(CollectorRegistry()),
        consumer_factory=lambda *a, **k: KnownTopics(),
        producer_factory=_RecordingProducer,
    )
    record = SimpleNamespace(
        topic=topics.alerts, partition=0, offset=5, key=b"k", value=b"garbage", headers=[]
    )
    service._deliver([record])
    producer = service._producer
    assert [topic for topic, _, _ in producer.sent] == [topics.quarantine]
    document = json.loads(producer.sent[0][2])
    assert document["reason"] == "undeliverable"
    assert document["detail"].startswith("malformed_envelope: ")
    assert document["source"]["offset"] == 5


def test_the_delivery_consumer_asks_for_a_short_fetch_wait(topics: TopicNames) -> None:
    # kafka-python's default (500 ms) held the one fetch in flight while a partition just
    # consumed waited to be fetched again.
    from prometheus_client import CollectorRegistry

    from consumers.delivery.metrics import DeliveryMetrics
    from consumers.delivery.service import DeliveryService
    from consumers.delivery.settings import DeliverySettings
    from consumers.kafka_clients import SHORT_FETCH_WAIT_MS

    configs: list[dict[str, Any]] = []

    def consumer(*topics_: str, **config: Any) -> KnownTopics:
        configs.append(config)
        return KnownTopics()

    DeliveryService(
        DeliverySettings(bootstrap="unused:1", taskforce=_taskforce(topics)),
        DeliveryMetrics.create(CollectorRegistry()),
        consumer_factory=consumer,
        producer_factory=_RecordingProducer,
    )
    assert configs[0]["fetch_max_wait_ms"] == SHORT_FETCH_WAIT_MS <= 100
