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

import datetime as dt
import json
import subprocess
import urllib.error
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import local_kafka
from consumers.inbox import check_delivery
from consumers.receiver_store import ReceiverStore
from consumers.routing import delivery_id
from consumers.topic_reader import group_caught_up, read_to_end
from processes import stop_process
from producers.publisher import AlertPublisher
from producers.scenarios import sample_datum
from producers.settings import PublisherSettings
from schemas.envelope import HEADER_KIND, HEADER_MESSAGE_ID
from schemas.key_lifecycle import revoke
from schemas.keys import generate_private_key, key_id, write_private_key
from schemas.quarantine import parse_quarantine_record
from schemas.signing import now_ms
from schemas.taskforce import TaskForce, load_taskforce
from schemas.truststore import TrustStore, save_trust_store
from streams.admin import create_topics
from streams.topology import pipeline_topics
from tests.integration.conftest import run_corridor, scrape_metric, start_corridor, wait_for

pytestmark = pytest.mark.integration

TIMEOUT = 120.0
HUB = "TF-HUB"
TASKFORCE_TOML = """
name = "recall test"
topic_prefix = "{prefix}"
trust_store = "unused-trust-store.json"
registry_roots = "roots.json"

[[agency]]
id = "PK-FIA"
role = "investigation_agency"

[[agency]]
id = "TR-SG"
role = "coast_guard"

[[agency]]
id = "GR-HCG"
role = "coast_guard"
publishes = false
"""


@dataclass
class Hub:
    """A registry-following hub with a recall service, and the registry's operators."""

    bootstrap: str
    workdir: Path
    config: Path
    taskforce: TaskForce
    keys: dict[str, Ed25519PrivateKey]
    store: TrustStore
    recall_port: int
    delivery_group: str
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    published: list[Path] = field(default_factory=list)

    @property
    def kafka(self) -> list[str]:
        return ["--bootstrap", self.bootstrap, "--topic-prefix", self.taskforce.topics.prefix]

    @property
    def roots(self) -> str:
        return str(self.workdir / "roots.json")

    def publish_registry(self, store: TrustStore) -> int:
        """Draft the next version of ``store``, sign it with two of three roots, publish it."""
        self.store = store
        version = len(self.published) + 1
        trust_file = self.workdir / f"trust-store-v{version}.json"
        save_trust_store(trust_file, store)
        draft = self.workdir / f"registry-v{version}.json"
        previous = ["--previous", str(self.published[-1])] if self.published else []
        _ok(
            run_corridor(
                "registry",
                "draft",
                "--trust-store",
                str(trust_file),
                *previous,
                "--valid-for",
                "1d",
                "--out",
                str(draft),
            )
        )
        for name in ("deputy", "auditor"):
            root_key = self.workdir / f"{name}.root.key"
            _ok(run_corridor("registry", "sign", str(draft), "--root-key", str(root_key)))
        _ok(run_corridor("registry", "publish", str(draft), "--roots", self.roots, *self.kafka))
        self.published.append(draft)
        return version

    def publish_alert(self, agency: str, n: int) -> tuple[dict[str, Any], str, dt.datetime]:
        """Publish one alert signed with the agency's key: the alert, message id, produced_at."""
        settings = PublisherSettings(bootstrap=self.bootstrap, topics=self.taskforce.topics)
        with AlertPublisher(settings, self.keys[agency]) as publisher:
            record = publisher.sign(sample_datum(agency, n))
            assert all(o.ok for o in publisher.publish([record]))
        return sample_datum(agency, n), record.header.message_id, record.header.produced_at

    def recall_metric(self, name: str, **labels: str) -> float:
        try:
            return scrape_metric(self.recall_port, name, **labels)
        except urllib.error.URLError:
            return -1.0  # still starting

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

    def inbox(self, agency: str, count: int) -> list[dict[str, Any]]:
        """Run ``corridor inbox --db`` until it has read ``count`` deliveries; their documents."""
        out = self.workdir / f"inbox-{agency}.jsonl"
        seen = _lines(out)
        result = run_corridor(
            "inbox",
            "--agency",
            agency,
            "--registry-roots",
            self.roots,
            "--db",
            str(self.db(agency)),
            "--output",
            str(out),
            "--max-messages",
            str(count),
            *self.kafka,
        )
        assert result.returncode == 0, result.stderr
        return _lines(out)[len(seen) :]

    def db(self, agency: str) -> Path:
        return self.workdir / f"{agency}.db"


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def _lines(out: Path) -> list[dict[str, Any]]:
    if not out.exists():
        return []
    return [json.loads(line) for line in out.read_text("utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def hub(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    workdir = tmp_path_factory.mktemp("recalls")
    prefix = f"it-rcl-{uuid.uuid4().hex[:8]}"
    config = workdir / "taskforce.toml"
    config.write_text(TASKFORCE_TOML.format(prefix=prefix), "utf-8")
    for name in ("chair", "deputy", "auditor"):
        _ok(run_corridor("registry", "new-root", "--name", name, "--out-dir", str(workdir)))
    _ok(
        run_corridor(
            "registry",
            "init",
            "--threshold",
            "2",
            "--out",
            str(workdir / "roots.json"),
            *(
                arg
                for n in ("chair", "deputy", "auditor")
                for arg in ("--root", str(workdir / f"{n}.root.pub"))
            ),
        )
    )
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
        recall_port=local_kafka.free_port(),
        delivery_group=f"{prefix}-delivery",
    )
    hub.publish_registry(store)
    common = ["--config", str(config), "--bootstrap", kafka_bootstrap]
    try:
        hub.processes["worker"] = start_corridor(
            [
                "streams",
                "worker",
                *common,
                "--metrics-port",
                "0",
                "--web-port",
                str(local_kafka.free_port()),
                "--data-dir",
                str(workdir / "streams"),
                "--app-id",
                f"{prefix}-streams",
                "--hub-key",
                str(workdir / "hub.key"),
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
    documents = hub.inbox("GR-HCG", 4)
    assert {d["message_id"] for d in documents} == messages
    assert all(d["status"] == "verified" for d in documents)
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
    read = hub.inbox("GR-HCG", 2)
    assert [(d["status"], d["kind"]) for d in read] == [("verified", "recall")] * 2
    recalled = {delivery_id("GR-HCG", m) for m in (after1, after2)}
    with ReceiverStore(hub.db("GR-HCG")) as store:
        assert set(store.recalled()) == recalled
        assert store.count() == 6  # four deliveries (none deleted) and two notices
        for message in messages:
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
    assert [(d["status"], d["kind"]) for d in hub.inbox("GR-HCG", 2)] == [
        ("verified", "recall")
    ] * 2
    with ReceiverStore(hub.db("GR-HCG")) as store:
        assert store.count() == 6
        assert set(store.recalled()) == recalled
    assert hub.processes["recalls"].poll() is None, "the recall service must not have restarted"
