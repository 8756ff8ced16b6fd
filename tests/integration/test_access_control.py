"""Access control on a real secured broker: SCRAM over TLS, mutual TLS, StandardAuthorizer.

One secured broker for the module (its own home and free ports, apart from the plaintext
session broker). The ACLs come from ``corridor acl apply``; everything else is denied.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaConsumer, KafkaProducer
from kafka.errors import GroupAuthorizationFailedError, TopicAuthorizationFailedError
from prometheus_client import CollectorRegistry

from consumers.inbox.check import InboxItem
from consumers.inbox.metrics import InboxMetrics
from consumers.inbox.reader import InboxReader
from consumers.inbox.settings import InboxSettings
from kafka_local.config import ADMIN_USER, LOOPBACK, BrokerConfig, free_port
from kafka_local.errors import KafkaToolError
from kafka_local.node import LocalKafka
from local_security import SecurityFiles
from processes import stop_process
from producers.kafka_client import client_config
from producers.scenarios import sample_alert, sample_datum
from schemas.access import plan_acls
from schemas.client_security import ClientSecurity, load_client_security
from schemas.keys import generate_private_key, write_private_key
from schemas.signing import sign_alert
from schemas.taskforce import TaskForce, load_taskforce
from schemas.truststore import TrustStore, load_trust_store, save_trust_store
from streams.admin import create_topics
from streams.topology import pipeline_topics
from tests.integration.conftest import REPO, wait_for
from tests.integration.conftest import run_corridor as _corridor

pytestmark = pytest.mark.integration

AGENCIES = ("PK-FIA", "TR-SG")
HUB = "TF-HUB"
TASKFORCE = """
topic_prefix = "{prefix}"
trust_store = "trust-store.json"
hub = "{hub}"
{members}
"""
MEMBER = '[[agency]]\nid = "{id}"\nrole = "coast_guard"\n'


@dataclass
class Secured:
    """The secured broker and one deployment on it."""

    bootstrap: str
    mtls_bootstrap: str
    files: SecurityFiles
    workdir: Path
    config: Path
    taskforce: TaskForce
    app_id: str
    delivery_group: str

    def security_file(self, user: str) -> Path:
        """SASL_SSL client file of ``user``."""
        return self.files.client_file(user)

    def security(self, user: str) -> ClientSecurity:
        """SASL_SSL settings of ``user``."""
        return load_client_security(self.files.client_file(user))

    def key(self, agency: str) -> Path:
        """The agency's private signing key file."""
        return self.workdir / f"{agency}.key"


def _write_taskforce(path: Path, prefix: str, agencies: tuple[str, ...]) -> None:
    members = "\n".join(MEMBER.format(id=a) for a in agencies)
    path.write_text(TASKFORCE.format(prefix=prefix, hub=HUB, members=members), "utf-8")


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Secured]:
    home = tmp_path_factory.mktemp("kafka-secured")
    config = BrokerConfig.on_free_ports(home, secured=True, users=(HUB, *AGENCIES, "XX-EXTRA"))
    broker = LocalKafka(config)
    try:
        bootstrap = broker.start(timeout=120.0)
    except KafkaToolError as exc:
        broker.stop()
        pytest.fail(f"could not start the secured Kafka broker:\n{exc}", pytrace=False)
    try:
        workdir = tmp_path_factory.mktemp("acl")
        taskforce_file = workdir / "taskforce.toml"
        prefix = f"acl-{uuid.uuid4().hex[:8]}"
        _write_taskforce(taskforce_file, prefix, AGENCIES)
        store = TrustStore(agencies={})
        for agency in (*AGENCIES, HUB):
            key = generate_private_key()
            write_private_key(workdir / f"{agency}.key", key)
            store = store.with_key(agency, agency, key.public_key())
        save_trust_store(workdir / "trust-store.json", store)
        taskforce = load_taskforce(taskforce_file)
        files = broker.config.security
        admin = load_client_security(files.client_file(ADMIN_USER))
        create_topics(bootstrap, pipeline_topics(taskforce), security=admin)
        result = _corridor(
            "acl",
            "apply",
            "--config",
            str(taskforce_file),
            "--bootstrap",
            bootstrap,
            "--kafka-security",
            str(files.client_file(ADMIN_USER)),
            "--streams-app-id",
            f"{prefix}-streams",
            "--delivery-group",
            f"{prefix}-delivery",
        )
        assert result.returncode == 0, result.stderr
        yield Secured(
            bootstrap=bootstrap,
            mtls_bootstrap=f"{LOOPBACK}:{config.mtls_port}",
            files=files,
            workdir=workdir,
            config=taskforce_file,
            taskforce=taskforce,
            app_id=f"{prefix}-streams",
            delivery_group=f"{prefix}-delivery",
        )
    finally:
        broker.stop()


def _publish(s: Secured, agency: str, security_file: Path, *extra: str, seq: int = 1) -> Any:
    return _corridor(
        "publish",
        "--agency",
        agency,
        "--key",
        str(s.key(agency)),
        "--bootstrap",
        extra[0] if extra else s.bootstrap,
        "--topic-prefix",
        s.taskforce.topics.prefix,
        "--kafka-security",
        str(security_file),
        stdin=json.dumps(sample_alert(agency, seq)),
    )


def _assert_one_line_error(result: subprocess.CompletedProcess[str], code: int, text: str) -> None:
    assert result.returncode == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("corridor: error:")]
    assert len(errors) == 1, result.stderr
    assert text in errors[0], errors[0]


def test_agency_publishes_to_its_inbound_and_reads_its_inbox(secured: Secured) -> None:
    topics = secured.taskforce.topics
    published = _publish(secured, "PK-FIA", secured.security_file("PK-FIA"), seq=10)
    assert published.returncode == 0, published.stderr
    assert f"{topics.inbound('PK-FIA')}[" in published.stdout

    # The hub (its own principal, not a super user) copies a signed alert into the inbox.
    from schemas.keys import load_private_key

    record = sign_alert(sample_datum("PK-FIA", 11), load_private_key(secured.key("PK-FIA")), topics)
    hub = KafkaProducer(
        **client_config(secured.bootstrap, secured.security(HUB)),
        acks="all",
        enable_idempotence=True,
    )
    try:
        hub.send(
            topics.inbox("PK-FIA"), key=record.key, value=record.value, headers=record.headers
        ).get(timeout=30)
    finally:
        hub.close()

    inbox = _corridor(
        "inbox",
        "--agency",
        "PK-FIA",
        "--trust-store",
        str(secured.workdir / "trust-store.json"),
        "--max-messages",
        "1",
        "--idle-timeout",
        "60",
        "--bootstrap",
        secured.bootstrap,
        "--topic-prefix",
        topics.prefix,
        "--kafka-security",
        str(secured.security_file("PK-FIA")),
    )
    assert inbox.returncode == 0, inbox.stderr
    [item] = [json.loads(line) for line in inbox.stdout.splitlines()]
    assert item["status"] == "verified"
    assert item["origin"] == "PK-FIA"
    assert item["alert"]["alert_id"] == record.alert_id


def test_agency_cannot_publish_as_another(secured: Secured) -> None:
    # TR-SG holds PK-FIA's signing key here, so only the ACL stands in the way.
    result = _publish(secured, "PK-FIA", secured.security_file("TR-SG"), seq=20)
    _assert_one_line_error(
        result,
        2,
        f"not authorized to write topic {secured.taskforce.topics.inbound('PK-FIA')} as User:TR-SG",
    )
    producer = KafkaProducer(
        **client_config(secured.bootstrap, secured.security("TR-SG")),
        acks="all",
        enable_idempotence=True,
        max_block_ms=10_000,
    )
    try:
        with pytest.raises(TopicAuthorizationFailedError):
            producer.send(secured.taskforce.topics.inbound("PK-FIA"), b"forged").get(timeout=30)
    finally:
        producer.close()


def test_agency_cannot_read_another_agencys_inbox(secured: Secured) -> None:
    topics = secured.taskforce.topics
    base = [
        "inbox",
        "--agency",
        "PK-FIA",
        "--trust-store",
        str(secured.workdir / "trust-store.json"),
        "--idle-timeout",
        "20",
        "--bootstrap",
        secured.bootstrap,
        "--topic-prefix",
        topics.prefix,
        "--kafka-security",
        str(secured.security_file("TR-SG")),
    ]
    # With PK-FIA's group or with its own: the inbox topic is refused before anything is read.
    for group in ("corridor-inbox-PK-FIA", "corridor-inbox-TR-SG"):
        _assert_one_line_error(
            _corridor(*base, "--group", group),
            2,
            f"cannot read topic {topics.inbox('PK-FIA')} as User:TR-SG",
        )

    # The broker hides the topic from TR-SG's metadata (DESCRIBE is denied too), while PK-FIA
    # sees its inbox: kafka-python never learns a leader to fetch from.
    def visible_topics(agency: str) -> set[str]:
        consumer = KafkaConsumer(
            **client_config(secured.bootstrap, secured.security(agency)), group_id=None
        )
        try:
            return set(consumer.topics())
        finally:
            consumer.close()

    assert topics.inbox("PK-FIA") in visible_topics("PK-FIA")
    tr_view = visible_topics("TR-SG")
    assert topics.inbox("TR-SG") in tr_view
    assert topics.inbox("PK-FIA") not in tr_view
    assert topics.inbound("PK-FIA") not in tr_view


def test_agency_cannot_join_another_agencys_group(secured: Secured) -> None:
    consumer = KafkaConsumer(
        secured.taskforce.topics.inbox("TR-SG"),  # its own inbox: only the group is wrong
        **client_config(secured.bootstrap, secured.security("TR-SG")),
        group_id="corridor-inbox-PK-FIA",
        enable_auto_commit=False,
    )
    try:

        def refused() -> bool:
            try:
                consumer.poll(timeout_ms=500)
            except GroupAuthorizationFailedError:
                return True
            return False

        wait_for(refused, 30, "the broker to refuse TR-SG joining PK-FIA's group")
    finally:
        consumer.close()


def test_wrong_password_is_refused(secured: Secured, tmp_path: Path) -> None:
    (tmp_path / "wrong.password").write_text("not-the-password\n", "utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'protocol = "SASL_SSL"\nusername = "PK-FIA"\npassword_file = "wrong.password"\n'
        f'ca_file = "{secured.files.ca_cert}"\n',
        "utf-8",
    )
    result = _publish(secured, "PK-FIA", bad, seq=30)
    _assert_one_line_error(result, 2, "as User:PK-FIA")
    assert "wrong user name or password" in result.stderr


def test_plaintext_client_is_refused(secured: Secured) -> None:
    result = _corridor(
        "publish",
        "--agency",
        "PK-FIA",
        "--key",
        str(secured.key("PK-FIA")),
        "--bootstrap",
        secured.bootstrap,
        "--topic-prefix",
        secured.taskforce.topics.prefix,
        stdin=json.dumps(sample_alert("PK-FIA", 40)),
        # no --kafka-security: PLAINTEXT
    )
    _assert_one_line_error(result, 2, "speaks TLS, not PLAINTEXT")


def test_mutual_tls_client_without_certificate_is_refused(secured: Secured, tmp_path: Path) -> None:
    no_cert = tmp_path / "no-cert.toml"
    no_cert.write_text(f'protocol = "SSL"\nca_file = "{secured.files.ca_cert}"\n', "utf-8")
    result = _publish(secured, "PK-FIA", no_cert, secured.mtls_bootstrap, seq=50)
    _assert_one_line_error(result, 2, "requires a client certificate")


def test_mutual_tls_certificate_maps_to_the_agency(secured: Secured) -> None:
    mtls = secured.files.mtls_file("PK-FIA")
    published = _publish(secured, "PK-FIA", mtls, secured.mtls_bootstrap, seq=60)
    assert published.returncode == 0, published.stderr
    # The same certificate may not publish as TR-SG: CN=PK-FIA is User:PK-FIA.
    forged = _publish(secured, "TR-SG", mtls, secured.mtls_bootstrap, seq=61)
    _assert_one_line_error(forged, 2, "as User:PK-FIA")


def test_apply_is_idempotent_and_prune_removes_a_departed_agency(
    secured: Secured, tmp_path: Path
) -> None:
    config = tmp_path / "taskforce.toml"
    prefix = f"acl2-{uuid.uuid4().hex[:8]}"
    _write_taskforce(config, prefix, (*AGENCIES, "XX-EXTRA"))
    admin = str(secured.files.client_file(ADMIN_USER))
    args = ["acl", "apply", "--config", str(config), "--bootstrap", secured.bootstrap]
    planned = plan_acls(load_taskforce(config))

    first = _corridor(*args, "--kafka-security", admin, "--json")
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    # Only the Faust and group rules are shared with the module's deployment.
    assert len(report["created"]) + report["unchanged"] == len(planned)
    assert {r["resource_name"] for r in report["created"]} >= {f"{prefix}.inbound.XX-EXTRA"}

    second = _corridor(*args, "--kafka-security", admin)
    assert second.returncode == 0, second.stderr
    assert second.stdout.strip().endswith(f"0 created, 0 deleted, {len(planned)} unchanged")
    assert second.stdout.startswith("nothing to do")

    _write_taskforce(config, prefix, AGENCIES)  # XX-EXTRA leaves the task force
    stale = _corridor(*args, "--kafka-security", admin)
    assert "stale" in stale.stdout and "--prune deletes them" in stale.stdout
    pruned = _corridor(*args, "--kafka-security", admin, "--prune", "--json")
    assert pruned.returncode == 0, pruned.stderr
    deleted = json.loads(pruned.stdout)["deleted"]
    assert deleted
    assert all("XX-EXTRA" in r["principal"] or "XX-EXTRA" in r["resource_name"] for r in deleted)
    again = _corridor(*args, "--kafka-security", admin, "--prune")
    assert again.stdout.startswith("nothing to do"), again.stdout


def test_agency_cannot_apply_acls(secured: Secured) -> None:
    result = _corridor(
        "acl",
        "apply",
        "--config",
        str(secured.config),
        "--bootstrap",
        secured.bootstrap,
        "--kafka-security",
        str(secured.security_file("PK-FIA")),
    )
    _assert_one_line_error(result, 2, "not authorized to manage ACLs as User:PK-FIA")


def _start(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "CORRIDOR_LOG_LEVEL": "INFO"}
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "corridor_cli.main", *args],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def test_hub_runs_the_pipeline_with_only_its_acls(secured: Secured) -> None:
    """Streams worker and delivery as User:TF-HUB (no super user): PK-FIA to TR-SG's inbox."""
    hub_security = str(secured.security_file(HUB))
    common = [
        "--config",
        str(secured.config),
        "--bootstrap",
        secured.bootstrap,
        "--kafka-security",
        hub_security,
    ]
    worker = _start(
        [
            "streams",
            "worker",
            *common,
            "--metrics-port",
            "0",
            "--web-port",
            str(free_port()),
            "--data-dir",
            str(secured.workdir / "streams"),
            "--app-id",
            secured.app_id,
            "--hub-key",
            str(secured.key(HUB)),
        ],
        secured.workdir / "worker.log",
    )
    delivery = _start(
        ["delivery", *common, "--metrics-port", "0", "--group", secured.delivery_group],
        secured.workdir / "delivery.log",
    )
    try:
        published = _publish(secured, "PK-FIA", secured.security_file("PK-FIA"), seq=70)
        assert published.returncode == 0, published.stderr
        # Everything PK-FIA published in this module reaches TR-SG, in no fixed order.
        settings = InboxSettings(
            bootstrap=secured.bootstrap,
            agency="TR-SG",
            topics=secured.taskforce.topics,
            idle_timeout_s=120.0,
            hub_id=HUB,
            security=secured.security("TR-SG"),
        )
        reader = InboxReader(
            settings,
            load_trust_store(secured.workdir / "trust-store.json"),
            InboxMetrics.create(CollectorRegistry()),
        )
        seen: list[InboxItem] = []
        try:
            for item in reader.items(threading.Event()):
                seen.append(item)
                if item.verified and item.document["alert"]["alert_id"].endswith("-000070"):
                    break
        finally:
            reader.close()
        assert seen and seen[-1].document["alert"]["alert_id"].endswith("-000070"), seen
        assert all(i.verified and i.document["origin"] == "PK-FIA" for i in seen)
        assert worker.poll() is None and delivery.poll() is None
    finally:
        stop_process(worker, "streams worker")
        stop_process(delivery, "delivery service")
        for name in ("worker.log", "delivery.log"):
            text = (secured.workdir / name).read_text("utf-8", "replace")
            sys.stderr.write(f"--- {name} (tail) ---\n{text[-3000:]}")
