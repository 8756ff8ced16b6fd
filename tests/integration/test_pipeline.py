"""End to end on the real broker: publish -> verify -> deliver -> inbox, and quarantine."""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

import pytest
from kafka import KafkaProducer

from consumers.inbox.check import check_delivery
from consumers.topic_reader import read_to_end
from producers.publisher import AlertPublisher
from producers.scenarios import sample_datum
from producers.settings import PublisherSettings
from schemas import reasons
from schemas.keys import generate_private_key
from schemas.signing import sign_alert
from tests.integration.conftest import Pipeline, wait_for

pytestmark = pytest.mark.integration

FIRST_DELIVERY_TIMEOUT = 90.0  # the first test also waits for the Faust group to form


def _publish(pipeline: Pipeline, agency: str, alerts: list[dict[str, Any]]) -> list[Any]:
    settings = PublisherSettings(bootstrap=pipeline.bootstrap, topics=pipeline.taskforce.topics)
    with AlertPublisher(settings, pipeline.keys[agency]) as publisher:
        outcomes = publisher.publish([publisher.sign(a) for a in alerts])
    assert all(o.ok for o in outcomes), [o.error for o in outcomes]
    return outcomes


def _inbox(pipeline: Pipeline, agency: str, alert_ids: set[str], timeout: float) -> list[Any]:
    topic = pipeline.taskforce.topics.inbox(agency)

    def seen(records: list[Any]) -> bool:
        return alert_ids <= {_alert_id(r) for r in records}

    records = pipeline.read_topic(topic, seen, timeout)
    return [
        check_delivery(r.value, list(r.headers), pipeline.trust_store, pipeline.taskforce.topics)
        for r in records
        if _alert_id(r) in alert_ids
    ]


def _alert_id(record: Any) -> str | None:
    """The alert id of an inbox record keyed AGENCY:alert_id (None for an incident)."""
    _, _, alert_id = record.key.decode().partition(":")
    return alert_id or None


def test_published_alerts_reach_every_member_inbox_and_verify_there(pipeline: Pipeline) -> None:
    alerts = [sample_datum("PK-FIA", 1000 + i) for i in range(3)]
    _publish(pipeline, "PK-FIA", alerts)
    ids = {a["alert_id"] for a in alerts}
    for recipient in ("GR-HCG", "TR-SG", "EU-EUROPOL"):
        items = _inbox(pipeline, recipient, ids, FIRST_DELIVERY_TIMEOUT)
        assert len(items) == 3
        assert all(item.verified for item in items), [i.document for i in items]
        assert {i.document["alert"]["alert_id"] for i in items} == ids
        assert len({i.delivery_id for i in items}) == 3
        by_id = {i.document["alert"]["alert_id"]: i.document for i in items}
        for alert in alerts:
            assert by_id[alert["alert_id"]]["alert"]["narrative"] == alert["narrative"]
            assert by_id[alert["alert_id"]]["origin"] == "PK-FIA"


def test_tlp_red_reaches_only_named_recipients_and_never_the_originator(
    pipeline: Pipeline,
) -> None:
    red = sample_datum("TR-SG", 2000)
    red["tlp"], red["tlp_recipients"] = "RED", ["GR-HCG"]
    _publish(pipeline, "TR-SG", [red])
    assert _inbox(pipeline, "GR-HCG", {red["alert_id"]}, FIRST_DELIVERY_TIMEOUT)
    wait_for(pipeline.delivery_caught_up, 60, "the delivery service to commit")
    for other in ("EU-EUROPOL", "PK-FIA", "TR-SG"):
        topic = pipeline.taskforce.topics.inbox(other)
        everything = read_to_end(pipeline.bootstrap, topic)
        keys = {r.key for r in everything}
        assert f"TR-SG:{red['alert_id']}".encode() not in keys, other


def test_forged_tampered_and_garbage_records_are_quarantined_with_their_bytes(
    pipeline: Pipeline,
) -> None:
    topics = pipeline.taskforce.topics
    genuine = sign_alert(sample_datum("PK-FIA", 3000), pipeline.keys["PK-FIA"], topics)
    rogue = sign_alert(sample_datum("PK-FIA", 3001), generate_private_key(), topics)
    tampered = sign_alert(sample_datum("PK-FIA", 3002), pipeline.keys["PK-FIA"], topics)
    tampered_value = bytearray(tampered.value)
    tampered_value[-70] ^= 0x40
    cases = {
        "rogue": (rogue.key, rogue.value, rogue.headers, reasons.UNKNOWN_KEY),
        "tampered": (tampered.key, bytes(tampered_value), tampered.headers, reasons.BAD_SIGNATURE),
        "garbage": (b"PK-FIA:g", b"\x00not an envelope", [], reasons.MALFORMED_ENVELOPE),
    }
    producer = KafkaProducer(bootstrap_servers=pipeline.bootstrap, acks="all")
    try:
        for key, value, headers, _ in cases.values():
            producer.send(topics.inbound("PK-FIA"), key=key, value=value, headers=headers).get(30)
        producer.send(
            genuine.topic, key=genuine.key, value=genuine.value, headers=genuine.headers
        ).get(30)
    finally:
        producer.close()

    wanted = {base64.b64encode(v[1]).decode(): v[3] for v in cases.values()}

    def all_quarantined(records: list[Any]) -> bool:
        seen = {json.loads(r.value)["value_b64"] for r in records}
        return set(wanted) <= seen

    records = pipeline.read_topic(topics.quarantine, all_quarantined, FIRST_DELIVERY_TIMEOUT)
    found = {
        d["value_b64"]: d
        for d in (json.loads(r.value) for r in records)
        if d["value_b64"] in wanted
    }
    for value_b64, reason in wanted.items():
        assert found[value_b64]["reason"] == reason
        assert found[value_b64]["stage"] == "verify"
        assert found[value_b64]["source"]["topic"] == topics.inbound("PK-FIA")
    # the genuine alert sent alongside went through
    items = _inbox(pipeline, "GR-HCG", {genuine.alert_id}, FIRST_DELIVERY_TIMEOUT)
    assert [i.verified for i in items] == [True]


def test_replays_are_quarantined_repeats_dropped_and_a_higher_revision_is_an_update(
    pipeline: Pipeline,
) -> None:
    topics = pipeline.taskforce.topics
    key = pipeline.keys["TR-SG"]
    first = sample_datum("TR-SG", 4000)
    signed = {
        "r1": sign_alert(first, key, topics),
        "r1-again": sign_alert(first, key, topics),  # same revision re-sent: new bytes
        "r2": sign_alert({**first, "revision": 2, "estimated_persons": 77}, key, topics),
        "r1-late": sign_alert(first, key, topics),
        "r3": sign_alert({**first, "revision": 3}, key, topics),
    }
    before = {
        kind: pipeline.worker_metric("corridor_stream_duplicates_total", kind=kind, agency="TR-SG")
        for kind in ("exact", "duplicate", "stale")
    }
    replays_before = pipeline.worker_metric(
        "corridor_stream_quarantined_total",
        stage="verify",
        reason=reasons.REPLAYED,
        agency="TR-SG",
    )
    # All share the key, hence the partition: r3 arriving means the rest was processed.
    order = ["r1", "r1", "r1-again", "r2", "r1", "r1-late", "r3"]
    producer = KafkaProducer(bootstrap_servers=pipeline.bootstrap, acks="all")
    try:
        for name in order:
            record = signed[name]
            producer.send(
                record.topic, key=record.key, value=record.value, headers=record.headers
            ).get(30)
    finally:
        producer.close()

    def has_r3(records: list[Any]) -> bool:
        return any(
            dict(r.headers).get("corridor-message-id") == signed["r3"].header.message_id.encode()
            for r in records
        )

    records = pipeline.read_topic(topics.inbox("GR-HCG"), has_r3, FIRST_DELIVERY_TIMEOUT)
    items = [
        check_delivery(r.value, list(r.headers), pipeline.trust_store, topics)
        for r in records
        if r.key == signed["r1"].key
    ]
    assert [(i.document["alert"]["revision"], i.document["delivery"]) for i in items] == [
        (1, "new"),
        (2, "update"),
        (3, "update"),
    ]
    assert items[0].document["message_id"] == signed["r1"].header.message_id
    assert items[1].document["alert"]["estimated_persons"] == 77
    after = {
        kind: pipeline.worker_metric("corridor_stream_duplicates_total", kind=kind, agency="TR-SG")
        for kind in before
    }
    # r1's exact bytes sent twice more, in new records: replays, quarantined as such.
    replays = pipeline.worker_metric(
        "corridor_stream_quarantined_total",
        stage="verify",
        reason=reasons.REPLAYED,
        agency="TR-SG",
    )
    assert replays - replays_before == 2
    quarantined = [json.loads(r.value) for r in read_to_end(pipeline.bootstrap, topics.quarantine)]
    replayed = [
        q for q in quarantined
        if q["reason"] == reasons.REPLAYED
        and base64.b64decode(q["value_b64"]) == signed["r1"].value
    ]  # fmt: skip
    assert len(replayed) == 2
    # The hub's own re-reading of a record is not a replay: nothing was read twice here.
    assert after["exact"] - before["exact"] == 0
    assert after["duplicate"] - before["duplicate"] == 1
    assert after["stale"] - before["stale"] == 1


def test_messages_signed_too_long_before_or_after_arrival_are_quarantined(
    pipeline: Pipeline,
) -> None:
    topics = pipeline.taskforce.topics
    key = pipeline.keys["GR-HCG"]
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    stale = sign_alert(
        sample_datum("GR-HCG", 4100), key, topics, produced_at=now - dt.timedelta(hours=2)
    )
    future = sign_alert(
        sample_datum("GR-HCG", 4101), key, topics, produced_at=now + dt.timedelta(minutes=30)
    )
    producer = KafkaProducer(bootstrap_servers=pipeline.bootstrap, acks="all")
    try:
        for record in (stale, future):
            # The sender's CreateTime is ignored: inbound topics are stamped by the broker.
            producer.send(
                record.topic,
                key=record.key,
                value=record.value,
                headers=record.headers,
                timestamp_ms=int(record.header.produced_at.timestamp() * 1000),
            ).get(30)
    finally:
        producer.close()

    def reasons_of_ours() -> dict[str, str] | None:
        found = {
            base64.b64decode(q["value_b64"]): q["reason"]
            for q in (
                json.loads(r.value) for r in read_to_end(pipeline.bootstrap, topics.quarantine)
            )
            if q["value_b64"] is not None
        }
        if stale.value in found and future.value in found:
            return {"stale": found[stale.value], "future": found[future.value]}
        return None

    got = wait_for(reasons_of_ours, FIRST_DELIVERY_TIMEOUT, "both records in quarantine")
    assert got == {"stale": reasons.STALE_MESSAGE, "future": reasons.FUTURE_MESSAGE}
