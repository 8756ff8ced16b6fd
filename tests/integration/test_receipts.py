"""Receipts on the real broker: the inbox client acknowledges, the hub tracks per agency."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from kafka import KafkaProducer
from prometheus_client import CollectorRegistry

from consumers.delivery.routing import HEADER_DELIVERY_ID
from consumers.receipts.ledger import VERIFIED, receipt_datum
from consumers.receipts.metrics import ReceiptMetrics
from consumers.receipts.tracker import ReceiptTracker, TrackerSettings
from consumers.topic_reader import read_to_end
from producers.publisher import AlertPublisher
from producers.scenarios import sample_datum
from producers.settings import PublisherSettings
from schemas.keys import write_private_key
from schemas.quarantine import parse_quarantine_record
from schemas.signing import now_ms, sign_receipt
from tests.integration.conftest import Pipeline, wait_for
from tests.integration.conftest import run_corridor as _corridor

pytestmark = pytest.mark.integration

TIMEOUT = 90.0


@pytest.fixture
def tracker(pipeline: Pipeline) -> Iterator[tuple[ReceiptTracker, CollectorRegistry]]:
    registry = CollectorRegistry()
    tracker = ReceiptTracker(
        TrackerSettings(bootstrap=pipeline.bootstrap, taskforce=pipeline.taskforce),
        pipeline.trust_store,
        ReceiptMetrics.create(registry),
    )
    stop = threading.Event()
    thread = threading.Thread(target=tracker.run, args=(stop,), daemon=True)
    thread.start()
    try:
        yield tracker, registry
    finally:
        stop.set()
        thread.join(timeout=30)
        tracker.close()


def _value(registry: CollectorRegistry, name: str, **labels: str) -> float:
    return registry.get_sample_value(name, labels) or 0.0


def _delivery_ids(records: list[Any]) -> set[str]:
    return {dict(r.headers)[HEADER_DELIVERY_ID].decode() for r in records}


def test_receipts_acknowledge_deliveries_and_forged_ones_are_quarantined(
    pipeline: Pipeline, tracker: tuple[ReceiptTracker, CollectorRegistry]
) -> None:
    _, registry = tracker
    topics = pipeline.taskforce.topics
    alert = sample_datum("PK-FIA", 4242)
    settings = PublisherSettings(bootstrap=pipeline.bootstrap, topics=topics)
    with AlertPublisher(settings, pipeline.keys["PK-FIA"]) as publisher:
        assert all(o.ok for o in publisher.publish([publisher.sign(alert)]))
    key = f"PK-FIA:{alert['alert_id']}".encode()

    def delivered(agency: str) -> list[Any]:
        return pipeline.read_topic(
            topics.inbox(agency), lambda rs: any(r.key == key for r in rs), TIMEOUT
        )

    hcg_records = delivered("GR-HCG")
    delivered("TR-SG")
    ours = next(r for r in hcg_records if r.key == key)
    our_delivery = dict(ours.headers)[HEADER_DELIVERY_ID].decode()

    # GR-HCG reads its inbox and sends RECEIVED + VERIFIED for every delivery.
    key_file = pipeline.workdir / "gr-hcg.key"
    if not key_file.exists():
        write_private_key(key_file, pipeline.keys["GR-HCG"])
    inbox = _corridor(
        "inbox", "--agency", "GR-HCG", "--trust-store", str(pipeline.workdir / "trust-store.json"),
        "--bootstrap", pipeline.bootstrap, "--topic-prefix", topics.prefix,
        "--group", "receipts-test", "--max-messages", str(len(hcg_records)),
        "--receipts", "--key", str(key_file),
    )  # fmt: skip
    assert inbox.returncode == 0, inbox.stderr
    lines = [json.loads(line) for line in inbox.stdout.splitlines()]
    assert our_delivery in {doc["delivery_id"] for doc in lines}
    hcg_ids = _delivery_ids(hcg_records)

    def hcg_acknowledged() -> bool:
        return (
            _value(registry, "corridor_receipts_total", agency="GR-HCG", status=VERIFIED)
            >= len(hcg_ids)
            and _value(registry, "corridor_deliveries_unacknowledged", agency="GR-HCG") == 0
        )

    wait_for(hcg_acknowledged, TIMEOUT, "GR-HCG's receipts to be tracked")
    # TR-SG sent nothing: its deliveries stay unacknowledged, and their age shows.
    assert _value(registry, "corridor_deliveries_unacknowledged", agency="TR-SG") >= 1
    assert _value(registry, "corridor_oldest_unacknowledged_delivery_seconds", agency="TR-SG") > 0
    assert (
        _value(
            registry, "corridor_delivery_to_receipt_seconds_count", agency="GR-HCG", status=VERIFIED
        )
        >= 1
    )

    # An analyst at GR-HCG actions the alert.
    message_id = dict(ours.headers)["corridor-message-id"].decode()
    actioned = _corridor(
        "receipts", "send", "--agency", "GR-HCG", "--key", str(key_file),
        "--delivery-id", our_delivery, "--message-id", message_id,
        "--origin", "PK-FIA", "--note", "boarding planned",
        "--bootstrap", pipeline.bootstrap, "--topic-prefix", topics.prefix,
    )  # fmt: skip
    assert actioned.returncode == 0, actioned.stderr
    wait_for(
        lambda: (
            _value(registry, "corridor_receipts_total", agency="GR-HCG", status="ACTIONED") >= 1
        ),
        TIMEOUT,
        "the ACTIONED receipt",
    )

    # TR-SG signs a receipt, validly, for GR-HCG's delivery: not its delivery to acknowledge.
    forged = sign_receipt(
        receipt_datum(
            delivery_id=our_delivery, message_id="m", origin="PK-FIA", recipient="TR-SG",
            status=VERIFIED, at=now_ms(),
        ),
        pipeline.keys["TR-SG"],
        topics,
    )  # fmt: skip
    producer = KafkaProducer(bootstrap_servers=pipeline.bootstrap, acks="all")
    producer.send(forged.topic, key=forged.key, value=forged.value, headers=forged.headers).get(30)
    producer.close()
    wait_for(
        lambda: (
            _value(
                registry,
                "corridor_receipts_rejected_total",
                agency="TR-SG",
                reason="wrong_recipient",
            )
            >= 1
        ),
        TIMEOUT,
        "the forged receipt to be rejected",
    )
    quarantined = [
        parse_quarantine_record(r.value) for r in read_to_end(pipeline.bootstrap, topics.quarantine)
    ]
    assert any(
        q["stage"] == "receipts" and q["reason"] == "wrong_recipient" for q in quarantined
    ), quarantined
