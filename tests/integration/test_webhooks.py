"""Webhooks on the real broker and a real local HTTPS receiver; exactly-once storage.

The dispatcher (``corridor webhooks run``) and ``corridor inbox`` run as processes, so
they can be killed with SIGKILL. The receivers are the project's own HTTPS server and
endpoint (:mod:`consumers.webhooks.receiver`), in this process behind a test script that
can fail POSTs or hold one response until the test releases it, with a certificate
made here; the replay test uses ``corridor webhook-receiver`` as a process.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from prometheus_client import CollectorRegistry

from consumers.delivery.plan import plan_delivery
from consumers.delivery.routing import HEADER_DELIVERY_ID
from consumers.receiver_store import ReceiverStore
from consumers.topic_reader import group_caught_up, read_to_end
from consumers.webhooks.dead_letters import DeadLetter, Replayed, parse_dead_letter_topic_value
from consumers.webhooks.metrics import ReceiverMetrics
from consumers.webhooks.receiver import (
    ReceiverSettings,
    Request,
    Response,
    WebhookEndpoint,
    WebhookServer,
)
from kafka_local.config import free_port
from processes import stop_process
from producers.scenarios import sample_datum
from schemas.audit import parse_audit_event
from schemas.keys import generate_private_key, write_private_key
from schemas.signing import sign_alert
from schemas.taskforce import TaskForce, load_taskforce
from schemas.topics import TopicNames
from schemas.truststore import TrustStore, save_trust_store
from streams.admin import create_topics
from streams.topology import pipeline_topics
from tests.integration.conftest import scrape_metric as _metric
from tests.integration.conftest import start_corridor as corridor
from tests.integration.conftest import wait_for
from tests.tls_files import Tls, make_tls_files

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
HUB = "TF-HUB"

CONFIG = """
name = "webhook test task force"
topic_prefix = "{prefix}"
trust_store = "trust-store.json"

[webhooks]
max_attempts = {max_attempts}
initial_backoff_s = 0.05
max_backoff_s = 0.2
timeout_s = {timeout_s}

[[agency]]
id = "PK-FIA"
role = "investigation_agency"
receives = false

[[agency]]
id = "GR-HCG"
role = "coast_guard"
[agency.webhook]
url = "https://127.0.0.1:{gr_port}/corridor/hook?tenant=gr"

[[agency]]
id = "TR-SG"
role = "coast_guard"
[agency.webhook]
url = "https://127.0.0.1:{tr_port}/corridor"
"""


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Tls:
    """A test CA and a server certificate for 127.0.0.1 it signed."""
    return make_tls_files(tmp_path_factory.mktemp("tls"))


# ------------------------------------------------------------------------ receivers


@dataclass
class ScriptedReceiver:
    """The real endpoint behind a script: fail the first N POSTs, fail all, or hold one."""

    endpoint: WebhookEndpoint
    store: ReceiverStore
    fail_first: int = 0
    always_fail: bool = False
    hold_nth_delivery: int | None = None
    posts: list[str] = field(default_factory=list)
    held: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, request: Request) -> Response:
        delivery_id = {k.lower(): v for k, v in request.headers}["corridor-delivery-id"]
        with self.lock:
            self.posts.append(delivery_id)
            count = len(self.posts)
            nth = list(dict.fromkeys(self.posts)).index(delivery_id) + 1
        if self.always_fail or count <= self.fail_first:
            return Response(503, {"error": "scripted failure"})
        response = self.endpoint(request)
        if nth == self.hold_nth_delivery and not self.held.is_set():
            # Stored, but the hub does not hear so until the test releases this response.
            self.held.set()
            self.release.wait(timeout=300)
        return response

    def posts_of(self, delivery_id: str) -> int:
        with self.lock:
            return self.posts.count(delivery_id)


@dataclass
class Deployment:
    """One test's task force under its own topic prefix, with receivers for GR-HCG and TR-SG."""

    bootstrap: str
    workdir: Path
    config: Path
    taskforce: TaskForce
    trust_store: TrustStore
    fia_key: Ed25519PrivateKey
    tls: Tls
    gr: ScriptedReceiver
    tr: ScriptedReceiver
    group: str
    """The dispatcher's group prefix: one per test, so no test waits on another's group."""

    def deliver(self, recipient: str, count: int, first: int = 0) -> list[str]:
        """Write alerts to ``recipient``'s inbox as the delivery service does; their ids."""
        producer = KafkaProducer(bootstrap_servers=self.bootstrap, acks="all")
        ids, futures = [], []
        try:
            for i in range(first, first + count):
                datum = sample_datum("PK-FIA", 9000 + i)
                signed = sign_alert(datum, self.fia_key, self.taskforce.topics)
                plan = plan_delivery(signed.key, signed.value, signed.headers, self.taskforce)
                write = next(w for w in plan.writes if w.recipient == recipient)
                ids.append(dict(write.headers)[HEADER_DELIVERY_ID].decode())
                futures.append(
                    producer.send(
                        write.topic, key=write.key, value=write.value, headers=write.headers
                    )
                )
            for future in futures:
                future.get(timeout=30)
        finally:
            producer.close()
        return ids

    def caught_up(self, agency: str) -> bool:
        """The dispatcher committed everything in ``agency``'s inbox."""
        topic = self.taskforce.topics.inbox(agency)
        return group_caught_up(self.bootstrap, topic, f"{self.group}.{agency}")

    def hub_args(self, config: Path | None = None) -> list[str]:
        return [
            "--config",
            str(config or self.config),
            "--bootstrap",
            self.bootstrap,
            "--hub-key",
            str(self.workdir / "hub.key"),
            "--ca-file",
            str(self.tls.ca),
        ]

    def dispatcher(self, log: str, *extra: str) -> subprocess.Popen[bytes]:
        # No fixed metrics port unless a test asks for one: 9403 may be taken on the machine.
        port = [] if "--metrics-port" in extra else ["--metrics-port", "0"]
        args = ["webhooks", "run", *self.hub_args(), "--group", self.group, *port, *extra]
        return corridor(args, self.workdir / log)

    def dead_letters(self) -> list[DeadLetter | Replayed]:
        records = read_to_end(self.bootstrap, self.taskforce.topics.dead_letters)
        return [parse_dead_letter_topic_value(r.value) for r in records]


DeploymentFactory = Callable[..., Deployment]


@pytest.fixture
def deployment(kafka_bootstrap: str, tls: Tls, tmp_path: Path) -> Iterator[DeploymentFactory]:
    """Makes a deployment: topics, keys, trust store, config and two running receivers."""
    servers: list[WebhookServer] = []
    receivers: list[ScriptedReceiver] = []

    def make(max_attempts: int = 4, timeout_s: float = 10.0) -> Deployment:
        prefix = f"wh-{uuid.uuid4().hex[:8]}"
        fia_key, hub_key = generate_private_key(), generate_private_key()
        store = TrustStore(agencies={}).with_key("PK-FIA", "FIA", fia_key.public_key())
        store = store.with_key(HUB, "task-force hub", hub_key.public_key())
        save_trust_store(tmp_path / "trust-store.json", store)
        write_private_key(tmp_path / "hub.key", hub_key)
        settings = {}
        for agency in ("GR-HCG", "TR-SG"):
            db = ReceiverStore(tmp_path / f"{agency}.db")
            endpoint = WebhookEndpoint(
                ReceiverSettings(agency=agency, topics=TopicNames(prefix)),
                store,
                db,
                ReceiverMetrics.create(CollectorRegistry()),
            )
            receiver = ScriptedReceiver(endpoint=endpoint, store=db)
            server = WebhookServer(receiver, "127.0.0.1", 0, tls.cert, tls.key)
            server.start()
            servers.append(server)
            receivers.append(receiver)
            settings[agency] = (receiver, server.port)
        config = tmp_path / "taskforce.toml"
        config.write_text(
            CONFIG.format(
                prefix=prefix,
                max_attempts=max_attempts,
                timeout_s=timeout_s,
                gr_port=settings["GR-HCG"][1],
                tr_port=settings["TR-SG"][1],
            ),
            "utf-8",
        )
        taskforce = load_taskforce(config)
        create_topics(kafka_bootstrap, pipeline_topics(taskforce))
        return Deployment(
            group=f"{prefix}-dispatch",
            bootstrap=kafka_bootstrap,
            workdir=tmp_path,
            config=config,
            taskforce=taskforce,
            trust_store=store,
            fia_key=fia_key,
            tls=tls,
            gr=settings["GR-HCG"][0],
            tr=settings["TR-SG"][0],
        )

    try:
        yield make
    finally:
        for receiver in receivers:
            receiver.release.set()
        for server in servers:
            server.stop()
        for receiver in receivers:
            receiver.store.close()


def _stop(process: subprocess.Popen[bytes], log: Path, name: str) -> None:
    stop_process(process, name)
    sys.stderr.write(f"--- {name} log (tail) ---\n")
    sys.stderr.write(log.read_text("utf-8", "replace")[-3000:])


def _committed(bootstrap: str, topic: str, group: str) -> int:
    """Sum of the committed offsets of ``group`` on ``topic`` (0 where none)."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group)
    try:
        parts = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or []]
        return sum(consumer.committed(tp) or 0 for tp in parts)
    finally:
        consumer.close()


# ---------------------------------------------------------------------------- tests


def test_failed_posts_are_retried_and_each_delivery_stored_once(
    deployment: DeploymentFactory,
) -> None:
    env = deployment(max_attempts=4)
    env.gr.fail_first = 2
    ids = env.deliver("GR-HCG", 3)
    metrics_port = free_port()
    dispatcher = env.dispatcher("dispatcher.log", "--metrics-port", str(metrics_port))
    try:
        wait_for(lambda: env.gr.store.count() == 3, 90, "three deliveries stored at GR-HCG")
        wait_for(lambda: env.caught_up("GR-HCG"), 60, "the dispatcher to commit GR-HCG's inbox")
        attempts = {
            outcome: _metric(
                metrics_port, "corridor_webhook_attempts_total", agency="GR-HCG", outcome=outcome
            )
            for outcome in ("delivered", "http_5xx")
        }
    finally:
        _stop(dispatcher, env.workdir / "dispatcher.log", "dispatcher")
    assert sorted(env.gr.store.delivery_ids()) == sorted(ids)
    assert len(env.gr.posts) == 5  # two scripted 503s, then one POST per delivery
    assert env.gr.posts[0] == env.gr.posts[1] == env.gr.posts[2]  # the same delivery, retried
    for delivery_id in ids:
        row = env.gr.store.get(delivery_id)
        assert row is not None and row.verified and row.origin == "PK-FIA"
    assert attempts == {"delivered": 3.0, "http_5xx": 2.0}
    assert env.dead_letters() == []
    # Each accepted POST is on audit-events for the auditor, once, after its retries.
    events = [
        parse_audit_event(r.value)
        for r in read_to_end(env.bootstrap, env.taskforce.topics.audit_events)
    ]
    delivered = [s for kind, _, s in events if kind == "webhook_delivered"]
    assert sorted(s["delivery"] for s in delivered) == sorted(ids)
    assert {(s["agency"], s["http_status"]) for s in delivered} == {("GR-HCG", 200)}
    assert sorted(s["attempts"] for s in delivered) == [1, 1, 3]


def test_exhausted_deliveries_are_dead_lettered_and_replay_stores_them_once(
    deployment: DeploymentFactory,
) -> None:
    env = deployment(max_attempts=3)
    env.gr.always_fail = True
    ids = env.deliver("GR-HCG", 2)
    dispatcher = env.dispatcher("dispatcher.log")
    try:
        wait_for(lambda: len(env.dead_letters()) == 2, 90, "two dead letters")
        wait_for(lambda: env.caught_up("GR-HCG"), 60, "the dispatcher to commit GR-HCG's inbox")
    finally:
        _stop(dispatcher, env.workdir / "dispatcher.log", "dispatcher")
    letters = env.dead_letters()
    assert all(isinstance(x, DeadLetter) for x in letters)
    assert [x.delivery_id for x in letters] == ids
    for letter in letters:
        assert isinstance(letter, DeadLetter)
        assert (letter.agency, letter.attempts, letter.last_status) == ("GR-HCG", 3, 503)
        assert letter.first_attempt_at <= letter.last_attempt_at
    assert len(env.gr.posts) == 6 and env.gr.store.count() == 0

    # GR-HCG fixes its endpoint: a healthy receiver (the CLI) on a new port.
    port = free_port()
    db = env.workdir / "gr-fixed.db"
    receiver_log = env.workdir / "receiver.log"
    receiver = corridor(
        [
            "webhook-receiver",
            "--agency",
            "GR-HCG",
            "--listen",
            f"127.0.0.1:{port}",
            "--tls-cert",
            str(env.tls.cert),
            "--tls-key",
            str(env.tls.key),
            "--trust-store",
            str(env.workdir / "trust-store.json"),
            "--db",
            str(db),
            "--topic-prefix",
            env.taskforce.topics.prefix,
        ],
        receiver_log,
    )
    fixed = env.workdir / "fixed.toml"
    fixed.write_text(
        env.config.read_text("utf-8").replace(
            env.taskforce.member("GR-HCG").webhook.url,  # type: ignore[union-attr]
            f"https://127.0.0.1:{port}/corridor",
        ),
        "utf-8",
    )
    try:
        wait_for(lambda: _listening(port), 30, "the webhook receiver to listen")
        first = _replay(env, fixed)
        second = _replay(env, fixed)
    finally:
        _stop(receiver, receiver_log, "webhook receiver")
    assert first.returncode == 0, first.stderr
    outcomes = [json.loads(line) for line in first.stdout.splitlines()]
    assert [(o["delivery_id"], o["outcome"], o["status"]) for o in outcomes] == [
        (i, "replayed", 200) for i in ids
    ]
    assert (second.returncode, second.stdout) == (0, "")  # nothing pending any more
    with closing(sqlite3.connect(db)) as connection:
        rows = connection.execute("SELECT delivery_id, verified FROM deliveries").fetchall()
    assert sorted(rows) == sorted((i, 1) for i in ids)
    kinds = [type(x).__name__ for x in env.dead_letters()]
    assert kinds == ["DeadLetter", "DeadLetter", "Replayed", "Replayed"]


def _replay(env: Deployment, config: Path) -> subprocess.CompletedProcess[str]:
    env_vars = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "corridor_cli.main", "webhooks", "replay", *env.hub_args(config)],
        cwd=REPO,
        env=env_vars,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def test_a_killed_dispatcher_repeats_posts_but_the_receiver_stores_each_once(
    deployment: DeploymentFactory,
) -> None:
    # The POST timeout outlasts the held response, so only the kill ends that POST.
    env = deployment(max_attempts=3, timeout_s=120)
    env.gr.hold_nth_delivery = 3
    gr_ids = env.deliver("GR-HCG", 5)
    tr_ids = env.deliver("TR-SG", 4, first=100)
    log = env.workdir / "dispatcher.log"
    dispatcher = env.dispatcher("dispatcher.log", "--commit-every", "100")
    try:
        wait_for(env.gr.held.is_set, 90, "GR-HCG's receiver to hold the third delivery")
        # GR-HCG's worker is stuck in a POST; TR-SG's deliveries go through regardless.
        wait_for(lambda: env.tr.store.count() == 4, 60, "TR-SG's deliveries despite GR-HCG")
        assert env.gr.store.count() == 3
        dispatcher.kill()
        dispatcher.wait(timeout=30)
    finally:
        env.gr.release.set()
        _stop(dispatcher, log, "dispatcher (killed)")
    held_id = list(dict.fromkeys(env.gr.posts))[2]  # the third delivery POSTed (poll order)
    committed = _committed(
        env.bootstrap, env.taskforce.topics.inbox("GR-HCG"), f"{env.group}.GR-HCG"
    )
    assert committed < 3  # three stored, not all committed: the held one cannot have been

    restarted = env.dispatcher("dispatcher-2.log")
    try:
        wait_for(lambda: env.gr.store.count() == 5, 120, "all GR-HCG deliveries after restart")
        wait_for(lambda: env.caught_up("GR-HCG"), 60, "the restarted dispatcher to commit")
    finally:
        _stop(restarted, env.workdir / "dispatcher-2.log", "dispatcher (restarted)")
    assert env.gr.posts_of(held_id) >= 2  # POSTed again after the crash...
    assert len(env.gr.posts) > len(set(env.gr.posts))  # ...so the receiver saw duplicates,
    assert sorted(env.gr.store.delivery_ids()) == sorted(gr_ids)  # and stored each once.
    assert sorted(env.tr.store.delivery_ids()) == sorted(tr_ids)


def test_a_killed_inbox_client_rereads_but_stores_each_delivery_once(
    deployment: DeploymentFactory,
) -> None:
    env = deployment()
    ids = env.deliver("GR-HCG", 30)
    db = env.workdir / "inbox.db"
    group = "inbox-crash"
    topic = env.taskforce.topics.inbox("GR-HCG")
    args = [
        "inbox",
        "--agency",
        "GR-HCG",
        "--trust-store",
        str(env.workdir / "trust-store.json"),
        "--db",
        str(db),
        "--group",
        group,
        "--bootstrap",
        env.bootstrap,
        "--topic-prefix",
        env.taskforce.topics.prefix,
    ]
    log = env.workdir / "inbox.log"
    # Nobody reads its stdout, and the pipe holds 4 KiB (under three documents): it stores,
    # then blocks writing a document out, before it can commit the poll's offsets.
    first = corridor(args, log, stdout=subprocess.PIPE, pipesize=4096)
    try:

        def stored_uncommitted() -> bool:
            return _count(db) > _committed(env.bootstrap, topic, group)

        wait_for(stored_uncommitted, 90, "deliveries stored but not yet committed")
        first.kill()
        first.wait(timeout=30)
    finally:
        _stop(first, log, "inbox (killed)")
        assert first.stdout is not None
        first.stdout.close()
    stored, committed = _count(db), _committed(env.bootstrap, topic, group)
    assert 0 < stored < len(ids) and committed < stored

    out = env.workdir / "inbox-2.jsonl"
    rerun = subprocess.run(
        [
            sys.executable,
            "-m",
            "corridor_cli.main",
            *args,
            "--max-messages",
            str(len(ids) - committed),
            # A safety net only: rejoining first waits out the killed member's session (10 s).
            "--idle-timeout",
            "120",
            "--output",
            str(out),
        ],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert rerun.returncode == 0, rerun.stderr
    reread = [json.loads(line)["delivery_id"] for line in out.read_text("utf-8").splitlines()]
    assert len(reread) == len(ids) - committed  # everything after the last commit...
    assert len(set(reread) & set(_ids(db))) == len(ids) - committed
    assert stored - committed > 0  # ...including deliveries stored before the kill,
    assert sorted(_ids(db)) == sorted(ids)  # yet each delivery id is stored once.


def _count(db: Path) -> int:
    if not db.exists():
        return 0
    with closing(sqlite3.connect(db)) as connection:
        try:
            (n,) = connection.execute("SELECT count(*) FROM deliveries").fetchone()
        except sqlite3.OperationalError:  # created, table not yet
            return 0
    return int(n)


def _ids(db: Path) -> list[str]:
    with closing(sqlite3.connect(db)) as connection:
        return [r[0] for r in connection.execute("SELECT delivery_id FROM deliveries")]
