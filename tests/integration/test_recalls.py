"""Recalls on the real broker: a revocation recalls exactly the alerts signed after compromise.

A hub that follows the key registry (streams worker, delivery service, recall service)
delivers alerts signed with PK-FIA's key before and after a chosen ``compromised_at``.
Publishing the registry version that revokes the key from that instant makes the
recall service write hub-signed notices to every recipient of exactly the alerts
signed at or after it; ``corridor inbox --db`` verifies them and marks the stored
deliveries recalled (kept, not deleted); a new alert with the key is quarantined; a
restart of the recall service writes the notices again under the same delivery ids,
and the recipient's store keeps one of each.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from kafka import KafkaProducer

from consumers.delivery.routing import HEADER_DELIVERY_ID, delivery_id
from consumers.inbox.check import check_delivery
from consumers.recalls.notices import delivered_alert, notices_for, sign_notice
from consumers.receiver_store import ReceiverStore
from consumers.topic_reader import group_caught_up, read_to_end
from kafka_local.config import free_port
from processes import stop_process
from producers.publisher import AlertPublisher
from producers.scenarios import sample_datum
from producers.settings import PublisherSettings
from schemas import reasons
from schemas import registry as reg
from schemas.envelope import HEADER_KIND, HEADER_MESSAGE_ID
from schemas.key_lifecycle import revoke
from schemas.keys import generate_private_key, key_id, load_private_key, write_private_key
from schemas.quarantine import parse_quarantine_record
from schemas.signing import now_ms, sign_alert
from schemas.taskforce import TaskForce, load_taskforce
from schemas.truststore import TrustStore, load_trust_store
from streams.admin import create_topics
from streams.topology import pipeline_topics
from tests.integration.conftest import start_corridor, streams_worker_args, wait_for
from tests.integration.registry_helpers import (
    RegistryHub,
    create_roots,
    json_lines,
    metric,
    registry_taskforce,
)

pytestmark = pytest.mark.integration

TIMEOUT = 120.0
HUB = "TF-HUB"


@dataclass
class Hub(RegistryHub):
    """A registry-following hub with a recall service, and the registry's operators."""

    bootstrap: str
    workdir: Path
    config: Path
    taskforce: TaskForce
    keys: dict[str, Ed25519PrivateKey]
    store: TrustStore
    recall_port: int
    worker_port: int
    delivery_group: str
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    published: list[Path] = field(default_factory=list)

    def publish_alert(self, agency: str, n: int) -> tuple[dict[str, Any], str, dt.datetime]:
        """Publish one alert signed with the agency's key: the alert, message id, produced_at."""
        settings = PublisherSettings(bootstrap=self.bootstrap, topics=self.taskforce.topics)
        with AlertPublisher(settings, self.keys[agency]) as publisher:
            record = publisher.sign(sample_datum(agency, n))
            assert all(o.ok for o in publisher.publish([record]))
        return sample_datum(agency, n), record.header.message_id, record.header.produced_at

    def recall_metric(self, name: str, **labels: str) -> float:
        return metric(self.recall_port, name, **labels)

    def worker_metric(self, name: str, **labels: str) -> float:
        return metric(self.worker_port, name, **labels)

    def start_recalls(self, *extra: str) -> subprocess.Popen[bytes]:
        return start_corridor(
            [
                "recalls",
                "run",
                "--config",
                str(self.config),
                "--bootstrap",
                self.bootstrap,
                "--hub-key",
                str(self.workdir / "hub.key"),
                *extra,
            ],
            self.workdir / "recalls.log",
        )

    def inbox(
        self, agency: str, until: Callable[[list[dict[str, Any]]], bool]
    ) -> list[dict[str, Any]]:
        """Run ``corridor inbox --db`` until the documents it wrote satisfy ``until``.

        Other deliveries (e.g. an incident the correlator made of the test's alerts) may
        be among them: conditions and assertions look for what they expect.
        """
        out = self.workdir / f"inbox-{agency}.jsonl"
        seen = len(json_lines(out))
        process = start_corridor(
            [
                "inbox",
                "--agency",
                agency,
                "--registry-roots",
                self.roots,
                "--db",
                str(self.db(agency)),
                "--output",
                str(out),
                *self.kafka,
            ],
            self.workdir / f"inbox-{agency}.log",
        )
        try:
            wait_for(lambda: until(json_lines(out)[seen:]), TIMEOUT, f"{agency}'s inbox client")
        finally:
            stop_process(process, f"inbox {agency}")
        return json_lines(out)[seen:]

    def db(self, agency: str) -> Path:
        return self.workdir / f"{agency}.db"


def _recall_docs(documents: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Verified recall notices among ``documents``, by the delivery id they recall."""
    return {
        d["recalled_delivery_id"]: d
        for d in documents
        if d["status"] == "verified" and d["kind"] == "recall"
    }


@pytest.fixture(scope="module")
def hub(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    workdir = tmp_path_factory.mktemp("recalls")
    prefix = f"it-rcl-{uuid.uuid4().hex[:8]}"
    config = workdir / "taskforce.toml"
    config.write_text(registry_taskforce("recall test", prefix), "utf-8")
    create_roots(workdir)
    keys = {agency: generate_private_key() for agency in ("PK-FIA", "TR-SG", HUB)}
    store = TrustStore(agencies={})
    for agency, key in keys.items():
        store = store.with_key(agency, agency, key.public_key())
    write_private_key(workdir / "hub.key", keys[HUB])
    taskforce = load_taskforce(config)
    create_topics(kafka_bootstrap, pipeline_topics(taskforce))
    hub = Hub(
        bootstrap=kafka_bootstrap,
        workdir=workdir,
        config=config,
        taskforce=taskforce,
        keys=keys,
        store=store,
        recall_port=free_port(),
        worker_port=free_port(),
        delivery_group=f"{prefix}-delivery",
    )
    hub.publish_registry(store)
    common = ["--config", str(config), "--bootstrap", kafka_bootstrap]
    try:
        hub.processes["worker"] = start_corridor(
            [
                *streams_worker_args(common, workdir, prefix),
                "--metrics-port",
                str(hub.worker_port),
            ],
            workdir / "worker.log",
        )
        hub.processes["delivery"] = start_corridor(
            ["delivery", *common, "--metrics-port", "0", "--group", hub.delivery_group],
            workdir / "delivery.log",
        )
        hub.processes["recalls"] = hub.start_recalls("--metrics-port", str(hub.recall_port))
        yield hub
    finally:
        for name, process in hub.processes.items():
            stop_process(process, name)
        for name in ("worker.log", "delivery.log", "recalls.log"):
            log = workdir / name
            if log.exists():
                print(f"--- {name} (tail) ---\n{log.read_text('utf-8', 'replace')[-3000:]}")


def _by_message(records: list[Any]) -> dict[str, Any]:
    return {dict(r.headers)[HEADER_MESSAGE_ID].decode(): r for r in records}


def _recalls_in(hub: Hub, agency: str) -> list[dict[str, Any]]:
    """The recall notices in ``agency``'s inbox (as the recipient verifies them)."""
    found = []
    for record in read_to_end(hub.bootstrap, hub.taskforce.topics.inbox(agency)):
        if dict(record.headers).get(HEADER_KIND) != b"recall":
            continue
        item = check_delivery(
            record.value, list(record.headers), hub.store, hub.taskforce.topics, agency=agency
        )
        assert item.verified, item.document
        found.append(item.document)
    return found


def test_a_revocation_recalls_exactly_the_alerts_signed_after_compromise(hub: Hub) -> None:
    topics = hub.taskforce.topics
    wait_for(
        lambda: hub.recall_metric("corridor_registry_version") == 1,
        TIMEOUT,
        "the recall service to follow registry v1",
    )
    _, before, before_at = hub.publish_alert("PK-FIA", 7101)
    compromised_at = max(now_ms(), before_at + dt.timedelta(milliseconds=1))
    _, after1, _ = hub.publish_alert("PK-FIA", 7102)
    _, after2, _ = hub.publish_alert("PK-FIA", 7103)
    _, other, _ = hub.publish_alert("TR-SG", 7104)  # another agency's key, after compromise
    messages = {before, after1, after2, other}
    wait_for(
        lambda: (
            messages <= set(_by_message(read_to_end(hub.bootstrap, topics.alerts)))
            and group_caught_up(hub.bootstrap, topics.alerts, hub.delivery_group)
        ),
        TIMEOUT,
        "the four alerts to be verified and delivered",
    )
    # GR-HCG reads and stores all four before anyone knows the key is compromised.
    documents = hub.inbox("GR-HCG", lambda docs: messages <= {d.get("message_id") for d in docs})
    alerts = [d for d in documents if d.get("message_id") in messages]
    assert all(d["status"] == "verified" and d["kind"] == "alert" for d in alerts)
    assert hub.recall_metric("corridor_recall_notices_total", agency="GR-HCG", origin="PK-FIA") == 0

    fia_key = key_id(hub.keys["PK-FIA"].public_key())
    assert (
        hub.publish_registry(revoke(hub.store, "PK-FIA", fia_key, compromised_at=compromised_at))
        == 2
    )
    wait_for(
        lambda: hub.recall_metric("corridor_recalled_alerts_total", origin="PK-FIA") == 2,
        TIMEOUT,
        "the recall service to recall the two alerts signed after compromise",
    )
    for agency in ("GR-HCG", "TR-SG"):
        assert (
            hub.recall_metric("corridor_recall_notices_total", agency=agency, origin="PK-FIA") == 2
        )
    assert hub.recall_metric("corridor_recall_notices_total", agency="PK-FIA", origin="PK-FIA") == 0
    assert hub.recall_metric("corridor_recall_revoked_keys") == 1
    assert hub.recall_metric("corridor_recall_alerts_scanned") == 4

    # Each recipient's inbox holds one notice per recalled copy, naming delivery's own ids.
    for agency in ("GR-HCG", "TR-SG"):
        notices = _recalls_in(hub, agency)
        assert sorted(n["recalled_delivery_id"] for n in notices) == sorted(
            delivery_id(agency, m) for m in (after1, after2)
        )
        for notice in notices:
            assert notice["origin"] == HUB and notice["reason"] == "key_compromised"
            recall = notice["recall"]
            assert (recall["origin"], recall["key_id"], recall["recipient"]) == (
                "PK-FIA",
                fia_key,
                agency,
            )
            assert recall["registry_version"] == 2
    # PK-FIA (the originator) was delivered none of its own alerts, so it gets no notice;
    # the alert before compromise and TR-SG's alert are recalled nowhere.
    assert _recalls_in(hub, "PK-FIA") == []

    # The recipient's client verifies the notices and marks the stored deliveries.
    recalled = {delivery_id("GR-HCG", m) for m in (after1, after2)}
    read = hub.inbox("GR-HCG", lambda docs: set(_recall_docs(docs)) == recalled)
    assert not [d for d in read if d["status"] != "verified"]
    first_notices = {d["delivery_id"] for d in _recall_docs(read).values()}
    with ReceiverStore(hub.db("GR-HCG")) as store:
        assert set(store.recalled()) == recalled
        stored_at = {}
        for notice_id in first_notices:
            row = store.get(notice_id)
            assert row is not None and row.document["kind"] == "recall"
            stored_at[notice_id] = row.received_at
        for message in messages:  # none deleted
            row = store.get(delivery_id("GR-HCG", message))
            assert row is not None and row.verified
            assert (row.recalled_at is not None) == (row.delivery_id in recalled)
            if row.recalled_at is not None:
                assert row.recall_reason == "key_compromised"

    # From now on the key signs nothing the hub accepts.
    _, late, _ = hub.publish_alert("PK-FIA", 7105)
    quarantined = wait_for(
        lambda: [
            r
            for r in read_to_end(hub.bootstrap, topics.quarantine)
            if r.key and r.key.endswith(b":" + sample_datum("PK-FIA", 7105)["alert_id"].encode())
        ],
        TIMEOUT,
        "the alert signed with the revoked key to be quarantined",
    )
    assert parse_quarantine_record(quarantined[0].value)["reason"] == "key_not_valid"
    assert late not in _by_message(read_to_end(hub.bootstrap, topics.alerts))

    # A restarted recall service writes every notice again, under the same delivery ids.
    once = hub.start_recalls("--once", "--metrics-port", "0")
    assert once.wait(timeout=TIMEOUT) == 0
    for agency in ("GR-HCG", "TR-SG"):
        again = _recalls_in(hub, agency)
        assert len(again) == 4
        assert len({n["delivery_id"] for n in again}) == 2
    again_read = hub.inbox("GR-HCG", lambda docs: set(_recall_docs(docs)) == recalled)
    assert {d["delivery_id"] for d in _recall_docs(again_read).values()} == first_notices
    with ReceiverStore(hub.db("GR-HCG")) as store:
        assert set(store.recalled()) == recalled
        for notice_id, at in stored_at.items():  # stored once: the first issue stays
            row = store.get(notice_id)
            assert row is not None and row.received_at == at
    assert hub.processes["recalls"].poll() is None, "the recall service must not have restarted"


def _quarantine_reasons(hub: Hub, values: set[bytes]) -> dict[bytes, str]:
    found = {}
    for record in read_to_end(hub.bootstrap, hub.taskforce.topics.quarantine):
        document = json.loads(record.value)
        if document["value_b64"] is not None:
            value = base64.b64decode(document["value_b64"])
            if value in values:
                found[value] = document["reason"]
    return found


def test_revoked_key_and_rolled_back_registry_matrix(hub: Hub) -> None:
    """Mutants around a revocation are rejected with their reason; genuine messages pass."""
    topics = hub.taskforce.topics
    fia = hub.keys["PK-FIA"]
    fia_id = key_id(fia.public_key())
    if len(hub.published) == 1:  # run on its own: revoke now
        hub.publish_registry(revoke(hub.store, "PK-FIA", fia_id, compromised_at=now_ms()))
    version = len(hub.published)
    wait_for(
        lambda: hub.worker_metric("corridor_registry_version") == version,
        TIMEOUT,
        "the worker to follow the revoking registry",
    )
    recalled_before = hub.recall_metric("corridor_recalled_alerts_total", origin="PK-FIA")
    unrevoked = load_trust_store(hub.workdir / "trust-store-v1.json")

    # Registry mutants: the old version again (rollback), and a next version that lifts the
    # revocation but carries one root signature of the two required.
    producer = KafkaProducer(bootstrap_servers=hub.bootstrap, acks="all")
    rollback = hub.published[0].read_bytes()
    now = dt.datetime.now(dt.UTC)
    lifted = reg.draft(
        unrevoked,
        version=version + 1,
        issued_at=now,
        expires_at=now + dt.timedelta(days=1),
        previous_digest=reg.parse_signed(hub.published[-1].read_bytes()).digest,
    ).signed_by(load_private_key(hub.workdir / "deputy.root.key"))
    registry_mutants = {"rollback": rollback, "insufficient_signatures": lifted.to_bytes()}
    for value in registry_mutants.values():
        producer.send(topics.keys, key=reg.RECORD_KEY, value=value).get(timeout=30)
    for reason in registry_mutants:
        wait_for(
            lambda reason=reason: all(
                read("corridor_registry_rejected_updates_total", reason=reason) >= 1
                for read in (hub.worker_metric, hub.recall_metric)
            ),
            TIMEOUT,
            f"the worker and the recall service to refuse the registry mutant ({reason})",
        )
    assert hub.worker_metric("corridor_registry_version") == version
    assert hub.recall_metric("corridor_registry_version") == version

    # Alert mutants, sent after the registry mutants: the revoked key, also backdated to
    # before compromised_at (the freshness window refuses what the key may still sign).
    old = now_ms() - dt.timedelta(hours=2)
    alert_mutants: list[tuple[str, Any, str]] = []
    for n in range(5):
        record = sign_alert(sample_datum("PK-FIA", 7300 + n), fia, topics)
        alert_mutants.append(("revoked key", record, reasons.KEY_NOT_VALID))
    backdated = sign_alert(sample_datum("PK-FIA", 7310), fia, topics, produced_at=old)
    alert_mutants.append(("revoked key, backdated", backdated, reasons.STALE_MESSAGE))
    genuine = [
        sign_alert(sample_datum("TR-SG", 7400 + n), hub.keys["TR-SG"], topics) for n in range(5)
    ]
    for _, record, _ in alert_mutants:
        producer.send(record.topic, key=record.key, value=record.value, headers=record.headers)
    for record in genuine:
        producer.send(record.topic, key=record.key, value=record.value, headers=record.headers)
    producer.flush(timeout=30)

    expected = {record.value: reason for _, record, reason in alert_mutants}

    def all_quarantined() -> dict[bytes, str] | None:
        found = _quarantine_reasons(hub, set(expected))
        return found if len(found) == len(expected) else None

    found = wait_for(
        all_quarantined,
        TIMEOUT,
        f"{len(expected)} alert mutants in quarantine",
    )
    assert found == expected
    wait_for(
        lambda: (
            {g.header.message_id for g in genuine}
            <= set(_by_message(read_to_end(hub.bootstrap, topics.alerts)))
        ),
        TIMEOUT,
        "every genuine alert on the alerts topic",
    )
    wait_for(
        lambda: group_caught_up(hub.bootstrap, topics.alerts, hub.delivery_group),
        TIMEOUT,
        "the genuine alerts to be delivered",
    )

    # Recall-notice mutants in GR-HCG's inbox, next to a genuine notice.
    plan_record = sign_alert(sample_datum("PK-FIA", 7500), fia, topics, produced_at=now_ms())
    alert = delivered_alert(plan_record.key, plan_record.value, plan_record.headers, hub.taskforce)
    assert alert is not None
    notices = {
        n.recipient: n
        for n in notices_for(alert, now_ms(), issued_at=now_ms(), registry_version=version)
    }
    hub_key = hub.keys[HUB]
    genuine_notice = sign_notice(notices["GR-HCG"], hub_key, hub.taskforce, produced_at=now_ms())
    for_other = sign_notice(notices["TR-SG"], hub_key, hub.taskforce, produced_at=now_ms())
    pretender = TaskForce(
        hub.taskforce.name, topics, hub.taskforce.trust_store, hub.taskforce.members,
        hub_id="TR-SG",
    )  # fmt: skip
    by_agency = sign_notice(notices["GR-HCG"], hub.keys["TR-SG"], pretender, produced_at=now_ms())
    flipped = bytearray(genuine_notice.value)
    flipped[len(flipped) // 2] ^= 0xFF
    inbox = topics.inbox("GR-HCG")
    notice_mutants = [
        ("notice for another inbox", for_other.value, for_other.headers, reasons.WRONG_TOPIC),
        ("notice signed by an agency", by_agency.value, by_agency.headers, reasons.AGENCY_MISMATCH),
        ("notice byte flipped", bytes(flipped), genuine_notice.headers, None),
    ]
    with ReceiverStore(hub.db("GR-HCG")) as store:
        recalled_ids = set(store.recalled())
        marks = set(store.recall_marks())
    sends = [(v, h) for _, v, h, _ in notice_mutants] + [
        (genuine_notice.value, genuine_notice.headers)
    ]
    for value, headers in sends:
        producer.send(inbox, key=b"mutant", value=value, headers=headers).get(timeout=30)
    producer.close()
    # The oracle for the flipped byte: the reference verifier at the recipient.
    oracle = check_delivery(
        bytes(flipped), genuine_notice.headers, hub.store, topics, agency="GR-HCG"
    ).document["reason"]
    notice_mutants[2] = (*notice_mutants[2][:3], oracle)
    mutant_ids = {dict(h)[HEADER_DELIVERY_ID].decode() for _, _, h, _ in notice_mutants}
    genuine_ids = {delivery_id("GR-HCG", g.header.message_id) for g in genuine}

    def all_read(docs: list[dict[str, Any]]) -> bool:
        ids = [d["delivery_id"] for d in docs]
        return (
            sum(i in mutant_ids for i in ids) >= len(sends)  # three mutants, one genuine notice
            and genuine_ids <= set(ids)
        )

    read = hub.inbox("GR-HCG", all_read)
    documents = list({(d["delivery_id"], d["status"], d.get("reason")): d for d in read}.values())
    documents = [d for d in documents if d["delivery_id"] in mutant_ids | genuine_ids]
    rejected = Counter(d["reason"] for d in documents if d["status"] == "rejected")
    assert rejected == Counter(m[3] for m in notice_mutants)
    verified = Counter(
        (d["kind"], d["origin"], d.get("recalled_delivery_id"))
        for d in documents
        if d["status"] == "verified"
    )
    assert verified == Counter(
        {
            ("alert", "TR-SG", None): len(genuine),  # delivered while the mutants went by
            ("recall", HUB, notices["GR-HCG"].recalled_delivery_id): 1,
        }
    )
    with ReceiverStore(hub.db("GR-HCG")) as store:
        # Only the genuine notice marks anything: its delivery (never made) is not stored,
        # and the mark waits for it.
        assert set(store.recalled()) == recalled_ids
        assert set(store.recall_marks()) == marks | {notices["GR-HCG"].recalled_delivery_id}

    # Nothing the mutants did reached the alerts topic, so nothing more was recalled.
    assert hub.recall_metric("corridor_recalled_alerts_total", origin="PK-FIA") == recalled_before
    counts = Counter(reason for _, _, reason in alert_mutants)
    counts.update(list(registry_mutants))
    counts.update(m[3] for m in notice_mutants)
    sys.stderr.write(
        f"\nrevocation matrix: {len(alert_mutants) + len(registry_mutants) + len(notice_mutants)}"
        f" mutants rejected ({', '.join(f'{r} {n}' for r, n in sorted(counts.items()))}); "
        f"{len(genuine)} genuine alerts and 1 genuine recall notice accepted\n"
    )
