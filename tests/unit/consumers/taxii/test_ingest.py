"""The ingester without a broker: inbox records in, objects per collection, positions kept."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from kafka import TopicPartition
from prometheus_client import CollectorRegistry

from consumers.delivery.plan import plan_delivery
from consumers.recalls.notices import delivered_alert, notices_for, sign_notice
from consumers.stix.ids import report_id
from consumers.taxii import ingest
from consumers.taxii.ingest import InboxIngester, IngestSettings
from consumers.taxii.metrics import TaxiiMetrics
from consumers.taxii.store import Query, TaxiiStore
from producers.scenarios import sample_datum
from schemas.keys import generate_private_key
from schemas.signing import sign_alert
from schemas.taskforce import Member, TaskForce
from schemas.topics import TopicNames
from schemas.truststore import TrustStore

T0 = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
HUB = "TF-HUB"
HUB_KEY = generate_private_key()


@dataclass
class Record:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]


@dataclass
class FakeConsumer:
    """Every served inbox: one partition each, all records in the first poll."""

    records: list[Record]
    seeks: dict[str, int] = field(default_factory=dict)

    def partitions_for_topic(self, topic: str) -> set[int]:
        return {0}

    def assign(self, parts: list[TopicPartition]) -> None:
        self.parts = parts

    def seek_to_beginning(self, *parts: TopicPartition) -> None:
        self.seeks.update({p.topic: 0 for p in parts})

    def seek(self, part: TopicPartition, offset: int) -> None:
        self.seeks[part.topic] = offset

    def poll(self, timeout_ms: int) -> dict[TopicPartition, list[Record]]:
        batch = [r for r in self.records if r.offset >= self.seeks.get(r.topic, 0)]
        self.records = []
        return {TopicPartition("inbox", 0): batch} if batch else {}

    def assignment(self) -> set[TopicPartition]:
        return set(self.parts)

    def end_offsets(self, parts: list[TopicPartition]) -> dict[TopicPartition, int]:
        return {p: 3 for p in parts}

    def close(self) -> None:
        pass


def _taskforce(topics: TopicNames) -> TaskForce:
    members = tuple(
        Member(a, a, "coast_guard", publishes=True, receives=True)
        for a in ("PK-FIA", "TR-SG", "GR-HCG")
    )
    return TaskForce("t", topics, Path("trust.json"), members, hub_id=HUB)


def _inbox(topics: TopicNames, fia_key: Ed25519PrivateKey) -> tuple[list[Record], dict[str, Any]]:
    """GR-HCG's inbox: an alert, a garbage record, then a recall notice of the alert."""
    datum = sample_datum("PK-FIA", 1, now=T0)
    signed = sign_alert(datum, fia_key, topics, produced_at=T0)
    taskforce = _taskforce(topics)
    plan = plan_delivery(signed.key, signed.value, signed.headers, taskforce)
    write = next(w for w in plan.writes if w.recipient == "GR-HCG")
    alert = delivered_alert(signed.key, signed.value, signed.headers, taskforce)
    assert alert is not None
    notice = next(
        n
        for n in notices_for(alert, T0, issued_at=T0 + dt.timedelta(hours=1), registry_version=2)
        if n.recipient == "GR-HCG"
    )
    recall = sign_notice(notice, HUB_KEY, taskforce, produced_at=T0 + dt.timedelta(hours=1))
    inbox = topics.inbox("GR-HCG")
    records = [
        Record(inbox, 0, 0, write.key, write.value, list(write.headers)),
        Record(inbox, 0, 1, b"k", b"garbage", []),
        Record(inbox, 0, 2, recall.key, recall.value, list(recall.headers)),
    ]
    return records, datum


def _ingester(
    topics: TopicNames, trust: TrustStore, store: TaxiiStore, consumer: FakeConsumer
) -> tuple[InboxIngester, TaxiiMetrics]:
    metrics = TaxiiMetrics.create(CollectorRegistry())
    settings = IngestSettings("unused:9092", topics, frozenset({"GR-HCG"}), hub_id=HUB)
    return InboxIngester(settings, trust, store, metrics, lambda **_: consumer), metrics


def test_alerts_are_stored_rejects_skipped_and_a_recall_revokes(
    topics: TopicNames, trust_store: TrustStore, fia_key: Ed25519PrivateKey, tmp_path: Path
) -> None:
    records, datum = _inbox(topics, fia_key)
    trust = trust_store.with_key(HUB, "hub", HUB_KEY.public_key())
    with TaxiiStore(tmp_path / "t.db") as store:
        consumer = FakeConsumer(records)
        ingester, metrics = _ingester(topics, trust, store, consumer)
        assert consumer.seeks == {topics.inbox("GR-HCG"): 0}
        assert ingester.poll_once() == 3
        report = report_id("PK-FIA", datum["alert_id"], 1)
        versions = store.query(Query("GR-HCG", ids=[report], versions=["all"]))
        assert [v.object.get("revoked", False) for v in versions] == [False, True]
        latest_indicators = store.query(Query("GR-HCG", types=["indicator"]))
        assert latest_indicators
        assert all(o.object["revoked"] for o in latest_indicators)
        assert store.query(Query("TR-SG")) == []
        assert metrics.ingested.labels("GR-HCG", "alert")._value.get() == 1
        assert metrics.ingested.labels("GR-HCG", "recall")._value.get() == 1
        assert metrics.skipped.labels("GR-HCG", "malformed_envelope")._value.get() == 1
        assert store.next_offset(topics.inbox("GR-HCG"), 0) == 3
        assert ingester.caught_up()
        # A restart resumes after the last handled record and stores nothing twice.
        count = len(store.query(Query("GR-HCG", versions=["all"])))
        again = FakeConsumer(records)
        restarted, _ = _ingester(topics, trust, store, again)
        assert again.seeks == {topics.inbox("GR-HCG"): 3}
        assert restarted.poll_once() == 0
        assert len(store.query(Query("GR-HCG", versions=["all"]))) == count


def test_a_verified_delivery_that_does_not_map_is_skipped_not_fatal(
    topics: TopicNames,
    trust_store: TrustStore,
    fia_key: Ed25519PrivateKey,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    records, _ = _inbox(topics, fia_key)

    def broken(document: dict[str, Any]) -> list[Any]:
        raise ValueError("cannot express it")

    monkeypatch.setattr(ingest, "delivery_objects", broken)
    with TaxiiStore(tmp_path / "t.db") as store:
        ingester, metrics = _ingester(topics, trust_store, store, FakeConsumer(records[:1]))
        assert ingester.poll_once() == 1
        assert store.count("GR-HCG") == 0
        assert metrics.skipped.labels("GR-HCG", "unmappable")._value.get() == 1
        assert store.next_offset(topics.inbox("GR-HCG"), 0) == 1
