"""Every panel of deploy/grafana/corridor.json shows data from a live pipeline.

A hub of its own (its own topic prefix and key registry, so its revocation disturbs no
other test): streams worker, delivery service, webhook dispatcher, receipt tracker and
recall service, all following the signed key registry, scraped every second by Debian's
Prometheus. The test drives real traffic through it: signed alerts from three agencies,
three that correlate into an incident, a revision sent twice (a duplicate), the same bytes
in a new record (a replay) and a tampered record (a bad signature), deliveries to every
member, an ACTIONED receipt and a receipt from the wrong agency, webhook POSTs to an
endpoint where nothing listens (network errors, dead letters), and a registry version
revoking a key, which recalls the alert signed after its compromise, and a rolled-back
registry record, which the services refuse. Then every query of every panel, with Grafana's
variables substituted, must return at least one series.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from kafka import KafkaProducer

from consumers.delivery.routing import HEADER_DELIVERY_ID
from consumers.receipts.ledger import VERIFIED, receipt_datum
from consumers.topic_reader import group_caught_up, read_to_end
from kafka_local.config import free_port
from producers.publisher import AlertPublisher
from producers.scenarios import sample_datum
from producers.settings import PublisherSettings
from prometheus_local.server import LocalPrometheus
from schemas import registry as reg
from schemas.envelope import HEADER_KIND, HEADER_MESSAGE_ID
from schemas.key_lifecycle import revoke
from schemas.keys import generate_private_key, key_id, write_private_key
from schemas.signing import now_ms, sign_alert, sign_receipt
from schemas.taskforce import TaskForce, load_taskforce
from schemas.truststore import TrustStore
from streams.admin import create_topics
from streams.topology import pipeline_topics
from tests.dashboard_queries import all_values, load_dashboard, query_panels, substitute, targets
from tests.integration.conftest import run_corridor, streams_worker_args, wait_for
from tests.integration.monitoring_helpers import (
    JOBS,
    group_report,
    hub_services,
    running_prometheus,
    value,
    wait_until_all_up,
)
from tests.integration.registry_helpers import (
    RegistryHub,
    create_roots,
    ok,
    registry_taskforce,
)
from tests.integration.test_correlation import _operation_views

pytestmark = pytest.mark.integration

TIMEOUT = 120.0
HUB = "TF-HUB"
PUBLISHERS = ("PK-FIA", "TR-SG", "GR-HCG")
#: What the registry-following hub's task force adds: EU-EUROPOL, whose webhook is dead.
EXTRA_MEMBERS = """
[[agency]]
id = "EU-EUROPOL"
role = "eu_partner"
publishes = false

[agency.webhook]
url = "https://127.0.0.1:{dead_port}/hook"

[webhooks]
max_attempts = 1
"""


@dataclass
class Hub(RegistryHub):
    """A registry-following hub with every service, and Prometheus scraping them."""

    bootstrap: str
    workdir: Path
    taskforce: TaskForce
    keys: dict[str, Ed25519PrivateKey]
    store: TrustStore
    delivery_group: str
    webhooks_group: str
    """The dispatcher's group prefix: its own, so no other test's dispatcher shares it."""
    prometheus: LocalPrometheus | None = None
    published: list[Path] = field(default_factory=list)

    def publish(self, alerts: list[dict[str, Any]]) -> list[str]:
        """Publish each alert signed by its agency; returns their message ids."""
        settings = PublisherSettings(bootstrap=self.bootstrap, topics=self.taskforce.topics)
        ids = []
        for alert in alerts:
            with AlertPublisher(settings, self.keys[alert["agency"]]) as publisher:
                record = publisher.sign(alert)
                outcomes = publisher.publish([record])
            assert all(o.ok for o in outcomes), [o.error for o in outcomes]
            ids.append(record.header.message_id)
        return ids

    def send_raw(self, records: list[tuple[str, bytes | None, bytes, Any]]) -> None:
        """Send records as they are (topic, key, value, headers), acknowledged."""
        producer = KafkaProducer(bootstrap_servers=self.bootstrap, acks="all")
        try:
            for topic, key, record_value, headers in records:
                producer.send(topic, key=key, value=record_value, headers=headers).get(30)
        finally:
            producer.close()

    def delivered(self, message_ids: set[str]) -> bool:
        """True once these messages are on the alerts topic and the delivery committed them."""
        topics = self.taskforce.topics
        on_alerts = {
            dict(r.headers)[HEADER_MESSAGE_ID].decode()
            for r in read_to_end(self.bootstrap, topics.alerts)
        }
        return message_ids <= on_alerts and group_caught_up(
            self.bootstrap, topics.alerts, self.delivery_group
        )

    def query(self, expr: str) -> list[dict[str, Any]]:
        assert self.prometheus is not None
        return self.prometheus.query(expr)


@pytest.fixture(scope="module")
def hub(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    workdir = tmp_path_factory.mktemp("dashboard")
    prefix = f"it-dsh-{uuid.uuid4().hex[:8]}"
    config = workdir / "taskforce.toml"
    config.write_text(
        registry_taskforce("dashboard test", prefix, gr_hcg_publishes=True)
        + EXTRA_MEMBERS.format(dead_port=free_port()),
        "utf-8",
    )
    create_roots(workdir)
    keys = {agency: generate_private_key() for agency in (*PUBLISHERS, HUB)}
    store = TrustStore(agencies={})
    for agency, key in keys.items():
        store = store.with_key(agency, agency, key.public_key())
    write_private_key(workdir / "hub.key", keys[HUB])
    write_private_key(workdir / "gr-hcg.key", keys["GR-HCG"])
    taskforce = load_taskforce(config)
    create_topics(kafka_bootstrap, pipeline_topics(taskforce))
    hub = Hub(
        bootstrap=kafka_bootstrap,
        workdir=workdir,
        taskforce=taskforce,
        keys=keys,
        store=store,
        delivery_group=f"{prefix}-delivery",
        webhooks_group=f"{prefix}-webhooks",
    )
    assert hub.publish_registry(store) == 1
    common = ["--config", str(config), "--bootstrap", kafka_bootstrap]
    hub_key = ["--hub-key", str(workdir / "hub.key")]
    commands = {
        "worker": streams_worker_args(common, workdir, prefix),
        "delivery": ["delivery", *common, "--group", hub.delivery_group],
        "webhooks": ["webhooks", "run", *common, *hub_key, "--group", hub.webhooks_group],
        "receipts": ["receipts", "track", *common],
        "recalls": ["recalls", "run", *common, *hub_key],
        "audit": ["audit", "run", *common, *hub_key, "--checkpoint-interval", "2s"],
    }  # fmt: skip
    with hub_services(commands, workdir) as started:
        ports = {job: port for job, (port, _) in started.items()}
        with running_prometheus(ports, workdir / "prometheus") as server:
            hub.prometheus = server
            yield hub


def _drive_traffic(hub: Hub) -> None:
    """Everything the dashboard shows, done for real; waits until each took effect."""
    topics = hub.taskforce.topics
    assert hub.prometheus is not None
    wait_until_all_up(hub.prometheus, JOBS)

    # Alerts from three agencies, and three views of one crossing that correlate.
    views = _operation_views()
    plain = [sample_datum(agency, 8000 + n) for n, agency in enumerate(PUBLISHERS)]
    sent = set(hub.publish([*plain, views["TR-SG"], views["GR-HCG"], views["PK-FIA"]]))

    # TR-SG sends revision 1 twice (new bytes: a duplicate) and its first record's exact
    # bytes once more in a new record (a replay); a PK-FIA record is tampered with.
    first = sample_datum("TR-SG", 8100)
    r1 = sign_alert(first, hub.keys["TR-SG"], topics)
    r1_again = sign_alert(first, hub.keys["TR-SG"], topics)
    tampered = sign_alert(sample_datum("PK-FIA", 8101), hub.keys["PK-FIA"], topics)
    forged = bytearray(tampered.value)
    forged[-70] ^= 0x40
    hub.send_raw(
        [
            (r1.topic, r1.key, r1.value, r1.headers),
            (r1_again.topic, r1_again.key, r1_again.value, r1_again.headers),
            (r1.topic, r1.key, r1.value, r1.headers),
            (tampered.topic, tampered.key, bytes(forged), tampered.headers),
        ]
    )
    sent.add(r1.header.message_id)
    wait_for(lambda: hub.delivered(sent), TIMEOUT, "the alerts to be verified and delivered")
    wait_for(
        lambda: (value(hub.prometheus, "sum(corridor_stream_incident_versions_total)") or 0) > 0,
        TIMEOUT,
        "the correlated alerts to become an incident",
    )

    # GR-HCG actions one delivery (a receipt); TR-SG signs a receipt for it: wrong agency.
    delivery = next(
        r
        for r in read_to_end(hub.bootstrap, topics.inbox("GR-HCG"))
        if dict(r.headers).get(HEADER_KIND) == b"alert"
    )
    headers = dict(delivery.headers)
    delivery_id = headers[HEADER_DELIVERY_ID].decode()
    message_id = headers[HEADER_MESSAGE_ID].decode()
    origin = delivery.key.decode().partition(":")[0]
    ok(
        run_corridor(
            "receipts", "send", "--agency", "GR-HCG", "--key", str(hub.workdir / "gr-hcg.key"),
            "--delivery-id", delivery_id, "--message-id", message_id, "--origin", origin,
            "--note", "patrol informed", *hub.kafka,
        )
    )  # fmt: skip
    wrong = sign_receipt(
        receipt_datum(
            delivery_id=delivery_id, message_id=message_id, origin=origin, recipient="TR-SG",
            status=VERIFIED, at=now_ms(),
        ),
        hub.keys["TR-SG"],
        topics,
    )  # fmt: skip
    hub.send_raw([(wrong.topic, wrong.key, wrong.value, wrong.headers)])

    # PK-FIA's key is compromised from now: an alert signed after it is delivered, then the
    # registry revokes the key, and the recall service recalls that alert.
    compromised_at = now_ms()
    (late,) = hub.publish([sample_datum("PK-FIA", 8102)])
    wait_for(lambda: hub.delivered({late}), TIMEOUT, "the alert signed after compromise")
    fia_key = key_id(hub.keys["PK-FIA"].public_key())
    revoked = revoke(hub.store, "PK-FIA", fia_key, compromised_at=compromised_at)
    assert hub.publish_registry(revoked) == 2
    wait_for(
        lambda: value(hub.prometheus, 'sum(corridor_recalled_alerts_total{origin="PK-FIA"})') == 1,
        TIMEOUT,
        "the recall service to recall the alert signed after compromise",
    )
    # Someone produces registry version 1 again: every follower refuses the rollback.
    hub.send_raw([(topics.keys, reg.RECORD_KEY, hub.published[0].read_bytes(), [])])
    wait_for(
        lambda: (
            value(
                hub.prometheus,
                'sum(corridor_registry_rejected_updates_total{job="worker", reason="rollback"})',
            )
            == 1
        ),
        TIMEOUT,
        "the worker to refuse the rolled-back registry",
    )


def _empty_queries(hub: Hub, dashboard: dict[str, Any]) -> list[str]:
    """The panels (and query) that return no series now."""
    variables = all_values(dashboard)
    empty = []
    for panel in query_panels(dashboard):
        for target in targets(panel):
            expr = substitute(target["expr"], variables)
            if not hub.query(expr):
                empty.append(
                    f"panel {panel['id']} {panel['title']!r} query {target['refId']}: {expr}"
                )
    return empty


def _groups(hub: Hub) -> str:
    """The broker's view of the hub's kafka-python groups, for a failure message."""
    topics = hub.taskforce.topics
    return group_report(
        hub.bootstrap,
        {
            hub.delivery_group: topics.alerts,
            f"{hub.webhooks_group}.EU-EUROPOL": topics.inbox("EU-EUROPOL"),
        },
    )


def test_every_panel_shows_data_from_the_running_pipeline(hub: Hub) -> None:
    dashboard = load_dashboard()
    try:
        _drive_traffic(hub)
    except AssertionError as exc:
        pytest.fail(f"{exc}\n{_groups(hub)}", pytrace=False)
    last: list[list[str]] = [[]]

    def every_panel_has_data() -> bool:
        last[0] = _empty_queries(hub, dashboard)
        return not last[0]

    try:
        wait_for(every_panel_has_data, 90, "every panel's queries to return data")
    except AssertionError:
        pytest.fail("panels without data:\n" + "\n".join([*last[0], _groups(hub)]), pytrace=False)

    # The data is the traffic's, not just any series: spot-check what it must show.
    def series(expr: str) -> list[dict[str, str]]:
        return [s["metric"] for s in hub.query(expr)]

    quarantined = series("sum by (stage, reason, agency) (corridor:stream_quarantined:increase10m)")
    assert {"stage": "verify", "reason": "bad_signature", "agency": "PK-FIA"} in quarantined
    assert {"stage": "verify", "reason": "replayed", "agency": "TR-SG"} in quarantined
    assert {"kind": "duplicate", "agency": "TR-SG"} in series(
        "sum by (kind, agency) (corridor_stream_duplicates_total)"
    )
    assert {"agency": "TR-SG", "reason": "wrong_recipient"} in series(
        "sum by (agency, reason) (corridor_receipts_rejected_total)"
    )
    assert {"agency": "GR-HCG", "status": "ACTIONED"} in series(
        "sum by (agency, status) (corridor_receipts_total)"
    )
    assert {"agency": "EU-EUROPOL", "outcome": "network_error"} in series(
        "sum by (agency, outcome) (corridor_webhook_attempts_total)"
    )
    groups = {s["group"] for s in series("sum by (group) (corridor_consumer_lag)")}
    prefix = hub.taskforce.topics.prefix
    assert {
        f"{prefix}-streams",
        hub.delivery_group,
        "corridor-receipts",
        "corridor-recalls",
    } <= groups
    assert f"{hub.webhooks_group}.EU-EUROPOL" in groups
    keys = series('corridor_registry_key_valid_until_seconds{job="worker", status="revoked"}')
    assert {k["agency"] for k in keys} == {"PK-FIA"}
