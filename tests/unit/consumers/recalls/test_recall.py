"""Recalls (no broker): which deliveries a revocation recalls, the notice, and the receiver."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from kafka import TopicPartition
from prometheus_client import CollectorRegistry

from consumers.delivery.plan import plan_delivery
from consumers.delivery.routing import HEADER_DELIVERY_ID, delivery_id
from consumers.errors import DeliveryError
from consumers.inbox.check import check_delivery
from consumers.recalls.metrics import RecallMetrics
from consumers.recalls.notices import (
    EVER,
    KEY_COMPROMISED,
    DeliveredAlert,
    RecallLedger,
    delivered_alert,
    notices_for,
    recall_message_id,
    revocations,
    sign_notice,
)
from consumers.recalls.service import RecallService, RecallSettings
from consumers.receiver_store import ReceiverStore
from producers.scenarios import sample_datum
from schemas.catalog import payload_schemas, recall_schema
from schemas.envelope import HEADER_KIND
from schemas.key_lifecycle import revoke
from schemas.keys import generate_private_key, key_id
from schemas.signing import sign_alert
from schemas.taskforce import Member, TaskForce
from schemas.topics import TopicNames
from schemas.truststore import TrustStore

T0 = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
COMPROMISED = T0 + dt.timedelta(minutes=10)
HUB = "TF-HUB"


def _taskforce(topics: TopicNames) -> TaskForce:
    members = tuple(
        Member(a, a, "coast_guard", publishes=True, receives=True)
        for a in ("PK-FIA", "TR-SG", "GR-HCG")
    )
    return TaskForce("t", topics, Path("trust.json"), members, hub_id=HUB)


def _delivered(
    agency: str, key: Ed25519PrivateKey, n: int, at: dt.datetime, topics: TopicNames
) -> tuple[DeliveredAlert, dict[str, str]]:
    """An alert as read from the alerts topic, and the delivery ids delivery gave its copies."""
    record = sign_alert(sample_datum(agency, n, now=T0), key, topics, produced_at=at)
    taskforce = _taskforce(topics)
    alert = delivered_alert(record.key, record.value, record.headers, taskforce)
    assert alert is not None
    plan = plan_delivery(record.key, record.value, record.headers, taskforce)
    ids = {w.recipient: dict(w.headers)[HEADER_DELIVERY_ID].decode() for w in plan.writes}
    return alert, ids


@pytest.fixture
def hub_key() -> Ed25519PrivateKey:
    return generate_private_key()


@pytest.fixture
def store_with_hub(trust_store: TrustStore, hub_key: Ed25519PrivateKey) -> TrustStore:
    return trust_store.with_key(HUB, "hub", hub_key.public_key())


def _revoked(store: TrustStore, key: Ed25519PrivateKey, at: dt.datetime) -> TrustStore:
    return revoke(store, "PK-FIA", key_id(key.public_key()), compromised_at=at)


def test_revocations_lists_revoked_keys_with_their_compromise_time(
    trust_store: TrustStore, fia_key: Ed25519PrivateKey, tr_key: Ed25519PrivateKey
) -> None:
    assert revocations(trust_store) == {}
    revoked = _revoked(trust_store, fia_key, COMPROMISED)
    assert revocations(revoked) == {("PK-FIA", key_id(fia_key.public_key())): COMPROMISED}


def test_only_alerts_of_the_revoked_key_from_compromised_at_on_are_recalled(
    topics: TopicNames,
    trust_store: TrustStore,
    fia_key: Ed25519PrivateKey,
    tr_key: Ed25519PrivateKey,
) -> None:
    ledger = RecallLedger()
    before, _ = _delivered("PK-FIA", fia_key, 1, COMPROMISED - dt.timedelta(milliseconds=1), topics)
    at, at_ids = _delivered("PK-FIA", fia_key, 2, COMPROMISED, topics)
    after, after_ids = _delivered("PK-FIA", fia_key, 3, COMPROMISED + dt.timedelta(hours=1), topics)
    other_key, _ = _delivered("TR-SG", tr_key, 4, COMPROMISED + dt.timedelta(hours=1), topics)
    for alert in (before, at, after, other_key):
        ledger.add(alert)
    assert ledger.due({}, issued_at=T0, registry_version=1) == []

    revoked = revocations(_revoked(trust_store, fia_key, COMPROMISED))
    due = ledger.due(revoked, issued_at=T0, registry_version=2)
    assert [a.alert_id for a, _ in due] == [at.alert_id, after.alert_id]
    recalled = {(n.recipient, n.recalled_delivery_id) for _, notices in due for n in notices}
    # Every copy delivery wrote (not back to the originator), with delivery's own ids.
    assert recalled == {(r, d) for ids in (at_ids, after_ids) for r, d in ids.items()}
    assert {r for r, _ in recalled} == {"TR-SG", "GR-HCG"}
    notice = due[0][1][0]
    assert notice.datum["reason"] == KEY_COMPROMISED
    assert notice.datum["compromised_at"] == COMPROMISED
    assert notice.datum["registry_version"] == 2
    assert notice.datum["message_id"] == at.message_id
    assert (notice.datum["origin"], notice.datum["key_id"]) == ("PK-FIA", at.key_id)


def test_notice_ids_are_stable_so_a_rerun_makes_no_second_notice(
    topics: TopicNames, fia_key: Ed25519PrivateKey
) -> None:
    alert, ids = _delivered("PK-FIA", fia_key, 1, COMPROMISED, topics)
    first = notices_for(alert, COMPROMISED, issued_at=T0, registry_version=2)
    again = notices_for(alert, EVER, issued_at=T0 + dt.timedelta(days=1), registry_version=3)
    assert [(n.message_id, n.delivery_id) for n in first] == [
        (n.message_id, n.delivery_id) for n in again
    ]
    for notice in first:
        assert notice.message_id == recall_message_id(ids[notice.recipient])
        assert notice.delivery_id == delivery_id(notice.recipient, notice.message_id)
        assert notice.delivery_id != ids[notice.recipient]
    assert len({n.delivery_id for n in first}) == len(first) == 2


def test_the_ledger_does_not_repeat_written_notices_but_an_earlier_compromise_adds_more(
    topics: TopicNames, trust_store: TrustStore, fia_key: Ed25519PrivateKey
) -> None:
    ledger = RecallLedger()
    early, _ = _delivered("PK-FIA", fia_key, 1, COMPROMISED - dt.timedelta(minutes=5), topics)
    late, _ = _delivered("PK-FIA", fia_key, 2, COMPROMISED, topics)
    ledger.add(early)
    ledger.add(late)
    revoked = revocations(_revoked(trust_store, fia_key, COMPROMISED))
    due = ledger.due(revoked, issued_at=T0, registry_version=2)
    assert [a.alert_id for a, _ in due] == [late.alert_id]
    # Nothing acknowledged yet: still due.
    assert len(ledger.due(revoked, issued_at=T0, registry_version=2)) == 1
    ledger.written(n for _, notices in due for n in notices)
    assert ledger.due(revoked, issued_at=T0, registry_version=2) == []
    earlier = revocations(
        _revoked(trust_store, fia_key, COMPROMISED - dt.timedelta(minutes=6)),
    )
    assert [a.alert_id for a, _ in ledger.due(earlier, issued_at=T0, registry_version=3)] == [
        early.alert_id
    ]


def test_an_incident_or_an_undeliverable_record_is_no_delivered_alert(topics: TopicNames) -> None:
    assert delivered_alert(b"k", b"garbage", [], _taskforce(topics)) is None
    assert delivered_alert(b"k", None, [], _taskforce(topics)) is None


def _notice_record(
    topics: TopicNames, fia_key: Ed25519PrivateKey, hub_key: Ed25519PrivateKey, recipient: str
) -> tuple[Any, str]:
    alert, ids = _delivered("PK-FIA", fia_key, 1, COMPROMISED, topics)
    notice = next(
        n
        for n in notices_for(alert, COMPROMISED, issued_at=T0, registry_version=2)
        if n.recipient == recipient
    )
    return sign_notice(notice, hub_key, _taskforce(topics), produced_at=T0), ids[recipient]


def test_the_recipient_verifies_a_recall_notice_and_sees_what_it_recalls(
    topics: TopicNames,
    store_with_hub: TrustStore,
    fia_key: Ed25519PrivateKey,
    hub_key: Ed25519PrivateKey,
) -> None:
    record, recalled = _notice_record(topics, fia_key, hub_key, "GR-HCG")
    assert record.topic == topics.inbox("GR-HCG")
    assert record.key == recalled.encode()
    item = check_delivery(record.value, record.headers, store_with_hub, topics, agency="GR-HCG")
    assert item.verified, item.document
    assert item.recalled_delivery_id == recalled
    assert item.document["kind"] == "recall"
    assert item.document["origin"] == HUB
    assert item.document["recalled_delivery_id"] == recalled
    assert item.document["reason"] == KEY_COMPROMISED
    assert item.document["recall"]["compromised_at"] == "2026-11-24T09:10:00.000Z"
    assert item.delivery_id == dict(record.headers)[HEADER_DELIVERY_ID].decode()


@pytest.mark.parametrize(
    ("reader", "signer", "reason"),
    [
        ("TR-SG", "hub", "wrong_topic"),  # GR-HCG's notice copied into TR-SG's inbox
        (None, "hub", "wrong_topic"),  # a reader that does not say whose inbox it reads
        ("GR-HCG", "agency", "agency_mismatch"),  # signed by an agency, not the hub
    ],
)
def test_a_notice_for_another_inbox_or_not_from_the_hub_is_rejected(
    topics: TopicNames,
    store_with_hub: TrustStore,
    fia_key: Ed25519PrivateKey,
    hub_key: Ed25519PrivateKey,
    reader: str | None,
    signer: str,
    reason: str,
) -> None:
    if signer == "hub":
        record, _ = _notice_record(topics, fia_key, hub_key, "GR-HCG")
    else:
        alert, _ = _delivered("PK-FIA", fia_key, 1, COMPROMISED, topics)
        notice = notices_for(alert, COMPROMISED, issued_at=T0, registry_version=2)[1]
        taskforce = _taskforce(topics)
        forged = TaskForce(
            taskforce.name, topics, taskforce.trust_store, taskforce.members, hub_id="PK-FIA"
        )
        record = sign_notice(notice, fia_key, forged, produced_at=T0)
    item = check_delivery(record.value, record.headers, store_with_hub, topics, agency=reader)
    assert not item.verified
    assert item.recalled_delivery_id is None
    assert item.document["reason"] == reason


def test_the_store_marks_the_recalled_delivery_and_keeps_it_in_either_order(
    tmp_path: Path,
    topics: TopicNames,
    store_with_hub: TrustStore,
    fia_key: Ed25519PrivateKey,
    hub_key: Ed25519PrivateKey,
) -> None:
    record = sign_alert(sample_datum("PK-FIA", 1, now=T0), fia_key, topics, produced_at=COMPROMISED)
    write = next(
        w
        for w in plan_delivery(record.key, record.value, record.headers, _taskforce(topics)).writes
        if w.recipient == "GR-HCG"
    )
    delivered = check_delivery(write.value, write.headers, store_with_hub, topics, agency="GR-HCG")
    alert = delivered_alert(record.key, record.value, record.headers, _taskforce(topics))
    assert alert is not None
    recalled = notices_for(alert, COMPROMISED, issued_at=T0, registry_version=2)[1]
    assert recalled.recipient == "GR-HCG"
    notice_record = sign_notice(recalled, hub_key, _taskforce(topics), produced_at=T0)
    assert delivered.delivery_id == recalled.recalled_delivery_id
    notice = check_delivery(
        notice_record.value, notice_record.headers, store_with_hub, topics, agency="GR-HCG"
    )
    for order in ((delivered, notice), (notice, delivered)):
        path = tmp_path / f"{order[0].document.get('kind')}.db"
        with ReceiverStore(path) as store:
            for item in order:
                assert store.store(item, channel="inbox") is True
            assert store.store(notice, channel="inbox") is False
            row = store.get(recalled.recalled_delivery_id)
            assert row is not None and row.verified  # kept, for the audit
            assert row.recalled_at is not None and row.recalled_at.endswith("Z")
            assert (row.recalled_by, row.recall_reason) == (notice.delivery_id, KEY_COMPROMISED)
            assert store.recalled() == [recalled.recalled_delivery_id]
            assert store.recall_marks() == [recalled.recalled_delivery_id]
            assert store.count() == 2
            assert notice.delivery_id is not None
            own = store.get(notice.delivery_id)
            assert own is not None and own.recalled_at is None


def test_a_rejected_notice_marks_nothing(
    tmp_path: Path,
    topics: TopicNames,
    store_with_hub: TrustStore,
    fia_key: Ed25519PrivateKey,
    hub_key: Ed25519PrivateKey,
) -> None:
    record, _ = _notice_record(topics, fia_key, hub_key, "GR-HCG")
    tampered = bytearray(record.value)
    tampered[-1] ^= 1
    item = check_delivery(bytes(tampered), record.headers, store_with_hub, topics, agency="GR-HCG")
    assert not item.verified and item.document["reason"] == "bad_signature"
    with ReceiverStore(tmp_path / "r.db") as store:
        store.store(item, channel="inbox")
        assert store.recalled() == [] and store.recall_marks() == []
    assert dict(record.headers)[HEADER_KIND] == b"recall"


def test_the_documented_fingerprint_and_message_id_rule_hold() -> None:
    info = recall_schema()
    assert (info.fullname, info.fingerprint.hex()) == ("corridor.v1.Recall", "a696468971be70c1")
    assert info.fingerprint in payload_schemas()
    namespace = uuid.UUID("9e3f4c2a-7d1b-5a6e-8c40-2b9d7f1e6a53")  # docs/wire-format.md 12.5
    recalled = "0f5c6258-ddf1-55c0-812d-eeae656137d0"
    assert recall_message_id(recalled) == str(uuid.uuid5(namespace, recalled))


@dataclass
class Consumed:
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]


class FakeConsumer:
    """The alerts topic: one partition, handed out in one poll."""

    def __init__(self, records: list[Consumed]) -> None:
        self.records = records
        self.position_ = 0

    def partitions_for_topic(self, topic: str) -> set[int]:
        return {0}

    def assign(self, parts: list[TopicPartition]) -> None:
        pass

    def seek_to_beginning(self, *parts: TopicPartition) -> None:
        self.position_ = 0

    def end_offsets(
        self, parts: list[TopicPartition], timeout_ms: int | None = None
    ) -> dict[TopicPartition, int]:
        return {p: len(self.records) for p in parts}

    def position(self, tp: TopicPartition, timeout_ms: int | None = None) -> int:
        return self.position_

    def assignment(self) -> set[TopicPartition]:
        return {TopicPartition("alerts", 0)}

    def poll(self, timeout_ms: int) -> dict[TopicPartition, list[Consumed]]:
        batch, self.position_ = self.records[self.position_ :], len(self.records)
        return {TopicPartition("alerts", 0): batch} if batch else {}

    def close(self) -> None:
        pass


class FakeFuture:
    def __init__(self, ok: bool) -> None:
        self.is_done = True
        self._ok = ok

    def add_errback(self, errback: Any, *args: Any) -> None:
        return None

    def succeeded(self) -> bool:
        return self._ok


@dataclass
class FakeProducer:
    ok: bool = True
    sent: list[tuple[str, bytes, bytes, list[tuple[str, bytes]]]] = field(default_factory=list)
    on_flush: Callable[[], None] = lambda: None

    def send(
        self, topic: str, key: bytes, value: bytes, headers: list[tuple[str, bytes]]
    ) -> FakeFuture:
        self.sent.append((topic, key, value, headers))
        return FakeFuture(self.ok)

    def flush(self, timeout: float) -> None:
        self.on_flush()

    def close(self, timeout: float) -> None:
        pass


def _service(
    topics: TopicNames,
    records: list[Consumed],
    producer: FakeProducer,
    store: list[TrustStore],
    hub_key: Ed25519PrivateKey,
) -> tuple[RecallService, CollectorRegistry]:
    registry = CollectorRegistry()
    settings = RecallSettings(
        bootstrap="unused:9092", taskforce=_taskforce(topics), hub_key=hub_key
    )
    service = RecallService(
        settings,
        lambda: (store[-1], len(store)),
        RecallMetrics.create(registry),
        consumer_factory=lambda **config: FakeConsumer(records),
        producer_factory=lambda **config: producer,
    )
    return service, registry


def _alerts_topic(
    topics: TopicNames, key: Ed25519PrivateKey, times: list[dt.datetime]
) -> list[Consumed]:
    records = []
    for n, at in enumerate(times):
        r = sign_alert(sample_datum("PK-FIA", 50 + n, now=T0), key, topics, produced_at=at)
        records.append(Consumed(r.key, r.value, r.headers))
    return records


def test_the_service_writes_notices_only_after_the_revocation_and_counts_acknowledged_ones(
    topics: TopicNames,
    trust_store: TrustStore,
    store_with_hub: TrustStore,
    fia_key: Ed25519PrivateKey,
    hub_key: Ed25519PrivateKey,
) -> None:
    records = _alerts_topic(topics, fia_key, [T0, COMPROMISED, COMPROMISED + dt.timedelta(1)])
    producer = FakeProducer()
    versions = [trust_store]
    service, metrics = _service(topics, records, producer, versions, hub_key)
    assert service.catch_up() == 0
    assert producer.sent == []
    assert metrics.get_sample_value("corridor_recall_alerts_scanned") == 3
    # Read to the end: nothing left (no consumer group: measured against its position).
    lag = {"group": "corridor-recalls", "topic": "alerts", "partition": "0"}
    assert metrics.get_sample_value("corridor_consumer_lag", lag) == 0

    versions.append(_revoked(trust_store, fia_key, COMPROMISED))
    assert service.recall_due() == 4  # two alerts, two recipients each
    assert {t for t, *_ in producer.sent} == {topics.inbox("TR-SG"), topics.inbox("GR-HCG")}
    for topic, key, value, headers in producer.sent:
        recipient = topic.rsplit(".", 1)[1]
        item = check_delivery(value, headers, store_with_hub, topics, agency=recipient)
        assert item.verified and item.document["recall"]["registry_version"] == 2
        assert key == (item.recalled_delivery_id or "").encode()
    assert metrics.get_sample_value("corridor_recalled_alerts_total", {"origin": "PK-FIA"}) == 2
    for agency in ("TR-SG", "GR-HCG"):
        labels = {"agency": agency, "origin": "PK-FIA"}
        assert metrics.get_sample_value("corridor_recall_notices_total", labels) == 2
    assert service.recall_due() == 0  # written once per process
    service.close()


def test_unacknowledged_notices_are_not_counted_and_are_written_again(
    topics: TopicNames,
    trust_store: TrustStore,
    fia_key: Ed25519PrivateKey,
    hub_key: Ed25519PrivateKey,
) -> None:
    records = _alerts_topic(topics, fia_key, [COMPROMISED])
    producer = FakeProducer(ok=False)
    versions = [_revoked(trust_store, fia_key, COMPROMISED)]
    service, metrics = _service(topics, records, producer, versions, hub_key)
    with pytest.raises(DeliveryError, match="2 of 2 recall notices not acknowledged"):
        service.catch_up()
    assert metrics.get_sample_value("corridor_recalled_alerts_total", {"origin": "PK-FIA"}) is None
    assert metrics.get_sample_value("corridor_recall_failures_total", {"agency": "GR-HCG"}) == 1
    producer.ok = True
    assert service.recall_due() == 2
    first, retried = producer.sent[:2], producer.sent[2:]
    ids = [dict(h)[HEADER_DELIVERY_ID] for *_, h in first]
    assert [dict(h)[HEADER_DELIVERY_ID] for *_, h in retried] == ids  # same delivery ids
    assert metrics.get_sample_value("corridor_recalled_alerts_total", {"origin": "PK-FIA"}) == 1


def test_run_retries_until_stopped(
    topics: TopicNames,
    trust_store: TrustStore,
    fia_key: Ed25519PrivateKey,
    hub_key: Ed25519PrivateKey,
) -> None:
    records = _alerts_topic(topics, fia_key, [COMPROMISED])
    producer = FakeProducer(ok=False)
    versions = [_revoked(trust_store, fia_key, COMPROMISED)]
    service, metrics = _service(topics, records, producer, versions, hub_key)
    stop = threading.Event()

    def flushed() -> None:
        producer.ok = len(producer.sent) >= 4
        if len(producer.sent) >= 6:
            stop.set()

    producer.on_flush = flushed
    service.run(stop)
    assert len(producer.sent) == 6  # failed twice, then acknowledged
    assert metrics.get_sample_value("corridor_recalled_alerts_total", {"origin": "PK-FIA"}) == 1
