"""The signed key registry on the real broker: verifiers follow it live, without a restart.

A streams worker and an inbox client follow ``<prefix>.keys`` (threshold 2 of 3 roots).
Publishing a revocation makes the next alert signed with the revoked key fail at the hub;
a rolled-back registry is refused and counted; after a rotation the inbox verifies the
new key as soon as the registry saying so is published.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from kafka import KafkaProducer

from consumers.topic_reader import read_to_end
from kafka_local.config import free_port
from processes import stop_process
from producers.publisher import AlertPublisher
from producers.scenarios import sample_datum
from producers.settings import PublisherSettings
from schemas import registry as reg
from schemas.key_lifecycle import revoke, rotate
from schemas.keys import generate_private_key, key_id, write_private_key
from schemas.quarantine import parse_quarantine_record
from schemas.signing import now_ms, sign_alert
from schemas.taskforce import TaskForce, load_taskforce
from schemas.truststore import TrustStore
from streams.admin import create_topics
from streams.topology import pipeline_topics
from tests.integration.conftest import (
    run_corridor,
    start_corridor,
    streams_worker_args,
    wait_for,
)
from tests.integration.registry_helpers import (
    RegistryHub,
    create_roots,
    json_lines,
    metric,
    registry_taskforce,
)

pytestmark = pytest.mark.integration

TIMEOUT = 90.0
OVERLAP = dt.timedelta(hours=1)
HUB = "TF-HUB"


@dataclass
class Deployment(RegistryHub):
    """A task force whose hub verifies with the key registry; the registry's operators."""

    bootstrap: str
    workdir: Path
    taskforce: TaskForce
    keys: dict[str, Ed25519PrivateKey]
    worker: subprocess.Popen[bytes]
    worker_metrics_port: int
    store: TrustStore
    published: list[Path] = field(default_factory=list)

    def worker_metric(self, name: str, **labels: str) -> float:
        return metric(self.worker_metrics_port, name, **labels)

    def publish_alert(self, agency: str, key: Ed25519PrivateKey, alert_id: int) -> dict[str, Any]:
        alert = sample_datum(agency, alert_id)
        settings = PublisherSettings(bootstrap=self.bootstrap, topics=self.taskforce.topics)
        with AlertPublisher(settings, key) as publisher:
            assert all(o.ok for o in publisher.publish([publisher.sign(alert)]))
        return alert


@pytest.fixture(scope="module")
def deployment(
    kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    workdir = tmp_path_factory.mktemp("registry")
    prefix = f"it-reg-{uuid.uuid4().hex[:8]}"
    config = workdir / "taskforce.toml"
    config.write_text(registry_taskforce("key registry test", prefix), "utf-8")
    create_roots(workdir)
    keys = {agency: generate_private_key() for agency in ("PK-FIA", "TR-SG", HUB)}
    store = TrustStore(agencies={})
    for agency, key in keys.items():
        store = store.with_key(agency, agency, key.public_key())
    write_private_key(workdir / "hub.key", keys[HUB])
    taskforce = load_taskforce(config)
    create_topics(kafka_bootstrap, pipeline_topics(taskforce))
    port = free_port()
    deployment = Deployment(
        bootstrap=kafka_bootstrap,
        workdir=workdir,
        taskforce=taskforce,
        keys=keys,
        worker=None,  # type: ignore[arg-type]  # started below, once v1 is on the topic
        worker_metrics_port=port,
        store=store,
    )
    deployment.publish_registry(store)
    deployment.worker = start_corridor(
        [
            *streams_worker_args(
                ["--config", str(config), "--bootstrap", kafka_bootstrap], workdir, prefix
            ),
            "--metrics-port",
            str(port),
        ],
        workdir / "worker.log",
    )
    try:
        yield deployment
    finally:
        stop_process(deployment.worker, "streams worker")
        log = (workdir / "worker.log").read_text("utf-8", "replace")
        print(f"--- worker.log (tail) ---\n{log[-3000:]}")


def _records_with(deployment: Deployment, topic: str, alert_id: str) -> list[Any]:
    """Records of ``topic`` keyed ``AGENCY:alert_id`` (quarantine keeps the original key)."""
    suffix = f":{alert_id}".encode()
    return [r for r in read_to_end(deployment.bootstrap, topic) if r.key and r.key.endswith(suffix)]


def test_a_revocation_reaches_the_running_worker_and_a_rollback_is_refused(
    deployment: Deployment,
) -> None:
    topics = deployment.taskforce.topics
    fia = deployment.keys["PK-FIA"]
    wait_for(
        lambda: deployment.worker_metric("corridor_registry_version") == 1,
        TIMEOUT,
        "the worker to follow registry v1",
    )
    before = deployment.publish_alert("PK-FIA", fia, 9101)
    wait_for(
        lambda: _records_with(deployment, topics.verified, before["alert_id"]),
        TIMEOUT,
        "the alert signed before the revocation to be verified",
    )

    revoked = revoke(deployment.store, "PK-FIA", key_id(fia.public_key()), compromised_at=now_ms())
    assert deployment.publish_registry(revoked) == 2
    wait_for(
        lambda: deployment.worker_metric("corridor_registry_version") == 2,
        TIMEOUT,
        "the worker to follow registry v2",
    )
    after = deployment.publish_alert("PK-FIA", fia, 9102)
    quarantined = wait_for(
        lambda: _records_with(deployment, topics.quarantine, after["alert_id"]),
        TIMEOUT,
        "the alert signed with the revoked key to be quarantined",
    )
    assert parse_quarantine_record(quarantined[0].value)["reason"] == "key_not_valid"
    assert deployment.worker.poll() is None, "the worker must not have restarted"

    # The CLI refuses to publish the old version ...
    refused = run_corridor(
        "registry",
        "publish",
        str(deployment.published[0]),
        "--roots",
        deployment.roots,
        *deployment.kafka,
    )
    assert refused.returncode == 2 and "rollback" in refused.stderr
    # ... and a follower refuses it when someone produces it anyway.
    producer = KafkaProducer(bootstrap_servers=deployment.bootstrap, acks="all")
    producer.send(topics.keys, key=reg.RECORD_KEY, value=deployment.published[0].read_bytes()).get(
        timeout=30
    )
    producer.close()
    wait_for(
        lambda: (
            deployment.worker_metric("corridor_registry_rejected_updates_total", reason="rollback")
            == 1
        ),
        TIMEOUT,
        "the worker to refuse the rolled-back registry",
    )
    assert deployment.worker_metric("corridor_registry_version") == 2
    still = deployment.publish_alert("PK-FIA", fia, 9103)
    quarantined = wait_for(
        lambda: _records_with(deployment, topics.quarantine, still["alert_id"]),
        TIMEOUT,
        "the next alert with the revoked key to be quarantined despite the rollback",
    )
    assert parse_quarantine_record(quarantined[0].value)["reason"] == "key_not_valid"
    assert not _records_with(deployment, topics.verified, still["alert_id"])
    assert deployment.worker_metric("corridor_registry_updates_total") == 2


def test_the_inbox_verifies_a_rotated_key_once_the_registry_says_so(
    deployment: Deployment,
) -> None:
    topics = deployment.taskforce.topics
    out = deployment.workdir / "inbox.jsonl"
    metrics_port = free_port()
    inbox = start_corridor(
        [
            "inbox",
            "--agency",
            "GR-HCG",
            "--registry-roots",
            deployment.roots,
            "--group",
            f"{topics.prefix}-inbox",
            "--output",
            str(out),
            "--metrics-port",
            str(metrics_port),
            *deployment.kafka,
        ],
        deployment.workdir / "inbox.log",
    )
    producer = KafkaProducer(bootstrap_servers=deployment.bootstrap, acks="all")

    def deliver(key: Ed25519PrivateKey, alert_id: int) -> dict[str, Any]:
        """Put an alert signed by TR-SG into GR-HCG's inbox (as delivery would); its outcome."""
        seen = len(json_lines(out))
        record = sign_alert(sample_datum("TR-SG", alert_id), key, topics)
        producer.send(
            topics.inbox("GR-HCG"), key=record.key, value=record.value, headers=record.headers
        ).get(timeout=30)
        lines = wait_for(
            lambda: len(json_lines(out)) > seen and json_lines(out), TIMEOUT, "the inbox"
        )
        assert len(lines) == seen + 1
        return lines[-1]

    def inbox_version() -> float:
        return metric(metrics_port, "corridor_registry_version")

    try:
        current = len(deployment.published)
        wait_for(lambda: inbox_version() == current, TIMEOUT, "the inbox to follow the registry")
        new_key = generate_private_key()
        new_id = key_id(new_key.public_key())
        too_early = deliver(new_key, 9201)
        assert (too_early["status"], too_early["reason"]) == ("rejected", "unknown_key")
        assert new_id in too_early["detail"]

        rotated = rotate(
            deployment.store, "TR-SG", new_key.public_key(), now=now_ms(), overlap=OVERLAP
        )
        version = deployment.publish_registry(rotated)
        wait_for(lambda: inbox_version() == version, TIMEOUT, "the inbox to follow the rotation")
        document = deliver(new_key, 9202)
        assert (document["status"], document["key_id"]) == ("verified", new_id)
        # The old key still verifies within its overlap window.
        document = deliver(deployment.keys["TR-SG"], 9203)
        assert (document["status"], document["origin"]) == ("verified", "TR-SG")
        assert inbox.poll() is None, "the inbox client must not have restarted"
    finally:
        producer.close()
        stop_process(inbox, "inbox")
        print((deployment.workdir / "inbox.log").read_text("utf-8", "replace")[-2000:])
