"""``make demo``: the whole pipeline on the local broker, end to end, then stopped.

Several partner agencies publish realistic alerts (and one forged and one tampered
message), the hub verifies and delivers them, and each task-force member's inbox
is read and verified; an analyst's tool (taxii2-client, polling as MISP and OpenCTI
do) pulls GR-HCG's incidents as STIX 2.1 from `corridor taxii serve` over HTTPS. A
Prometheus (Debian's package) scrapes the hub meanwhile; the demo ends with the
operator's overview (`corridor status`) and an investigator's view of one alert's
path through the audit chain (`corridor trace`, `corridor audit verify`).
Everything it starts, it stops.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "deploy")]

from kafka import KafkaConsumer, KafkaProducer  # noqa: E402
from prometheus_client.parser import text_string_to_metric_families  # noqa: E402

from consumers.inbox.check import check_delivery  # noqa: E402
from consumers.stix.markings import CORRIDOR_EXTENSION_ID, tlp_of  # noqa: E402
from consumers.topic_reader import group_caught_up, read_to_end  # noqa: E402
from kafka_local.config import BrokerConfig, free_port  # noqa: E402
from kafka_local.node import LocalKafka  # noqa: E402
from local_security import SecurityFiles, ensure_broker_tls, issue_server_pem  # noqa: E402
from processes import stop_process  # noqa: E402
from producers.scenarios import sample_alert  # noqa: E402
from prometheus_local.config import PrometheusConfig  # noqa: E402
from prometheus_local.server import LocalPrometheus  # noqa: E402
from schemas.catalog import alert_schema  # noqa: E402
from schemas.envelope import HEADER_KIND  # noqa: E402
from schemas.json_mapping import from_json  # noqa: E402
from schemas.keys import load_decryption_key, load_private_key  # noqa: E402
from schemas.marking import tlp_label  # noqa: E402
from schemas.signing import sign_alert  # noqa: E402
from schemas.taskforce import DEFAULT_HUB_ID as HUB_ID  # noqa: E402
from schemas.taskforce import load_taskforce  # noqa: E402
from schemas.truststore import load_trust_store  # noqa: E402

WORKDIR = REPO / ".local" / "demo"
PUBLISHERS = {"PK-FIA": 3, "TR-SG": 2, "GR-HCG": 2, "IOM": 1}
#: A made-up victim's name, to show that it never travels in clear.
VICTIM_NAME = "Zarmina Demo-Karimi"


def say(text: str) -> None:
    print(f"\n== {text}", flush=True)


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"demo: timed out after {timeout:.0f}s waiting for {what}")


def port_or_free(port: int) -> int:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return free_port()
    return port


def corridor(*args: str, stdin: str | None = None, check: bool = True) -> int:
    shown = " ".join(a if " " not in a else repr(a) for a in args)
    print(f"$ corridor {shown}", flush=True)
    result = subprocess.run(
        [sys.executable, "-m", "corridor_cli.main", *args],
        cwd=REPO,
        input=stdin,
        text=True,
        check=False,
    )
    if check and result.returncode != 0:
        raise SystemExit(f"demo: corridor {args[0]} failed with exit code {result.returncode}")
    return result.returncode


def corridor_quiet(*args: str) -> subprocess.CompletedProcess[str]:
    """``corridor ARGS`` with its output captured (for polling)."""
    return subprocess.run(
        [sys.executable, "-m", "corridor_cli.main", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )


def publish_file(agency: str, path: Path, kafka: tuple[str, ...]) -> None:
    """``corridor publish`` of one agency's JSON Lines file with its own key (checked against
    the trust store before anything is sent)."""
    corridor(
        "publish",
        "--agency",
        agency,
        "--key",
        str(WORKDIR / "keys" / f"{agency}.key"),
        "--file",
        str(path),
        "--trust-store",
        str(WORKDIR / "trust-store.json"),
        *kafka,
    )


def start(name: str, *args: str) -> subprocess.Popen[bytes]:
    log = (WORKDIR / f"{name}.log").open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", "corridor_cli.main", *args],
        cwd=REPO,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


def metric_value(port: int, name: str, **labels: str) -> float | None:
    url = f"http://127.0.0.1:{port}/metrics"
    with urllib.request.urlopen(url, timeout=5) as response:
        text = response.read().decode()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return float(sample.value)
    return None


def list_topics(bootstrap: str, prefix: str) -> list[str]:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap)
    try:
        return sorted(t for t in consumer.topics() if t.startswith(prefix))
    finally:
        consumer.close()


def metrics_excerpt(port: int, prefixes: tuple[str, ...]) -> list[str]:
    url = f"http://127.0.0.1:{port}/metrics"
    with urllib.request.urlopen(url, timeout=5) as response:
        text = response.read().decode()
    return [line for line in text.splitlines() if line.startswith(prefixes)]


def taxii_step(
    config: Path, kafka: tuple[str, ...], bootstrap: str, prefix: str
) -> subprocess.Popen[bytes]:
    """``corridor taxii serve`` over HTTPS; GR-HCG's analyst polls it with taxii2-client.

    MISP and OpenCTI poll TAXII 2.1 the same way. Returns the server process (the caller
    stops it).
    """
    from taxii2client.v21 import Server, as_pages

    tls = SecurityFiles(WORKDIR / "tls")
    ensure_broker_tls(tls)  # the local CA (and a broker certificate the demo does not use)
    pem = WORKDIR / "tls" / "taxii.pem"
    issue_server_pem(tls, "corridor-taxii", pem)
    users, password = WORKDIR / "taxii-users.json", uuid.uuid4().hex
    corridor(
        "taxii", "add-user", "--credentials", str(users), "--user", "gr-hcg-analyst",
        "--agency", "GR-HCG", "--password-stdin", stdin=password + "\n",
    )  # fmt: skip
    port = port_or_free(9443)
    print(f"$ corridor taxii serve --listen 127.0.0.1:{port} ... (log in {WORKDIR}/taxii.log)")
    server = start(
        "taxii", "taxii", "serve", "--config", str(config), *kafka, "--credentials", str(users),
        "--db", str(WORKDIR / "taxii.db"), "--listen", f"127.0.0.1:{port}",
        "--tls-cert", str(pem), "--tls-key", str(pem), "--metrics-port", "0",
    )  # fmt: skip
    # requests would let these override the CA file the client is given.
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        os.environ.pop(name, None)
    url = f"https://127.0.0.1:{port}/taxii2/"
    inbox = read_to_end(
        bootstrap, load_taskforce(config, topic_prefix=prefix).topics.inbox("GR-HCG")
    )
    expected = sum((HEADER_KIND, b"incident") in (r.headers or []) for r in inbox)
    print(f">>> Server({url!r}, user='gr-hcg-analyst', verify=ca.pem).api_roots[0].collections")
    groupings: list[dict[str, Any]] = []
    waiting: list[str] = []

    def incidents_served() -> bool:
        try:
            client = Server(url, user="gr-hcg-analyst", password=password, verify=str(tls.ca_cert))
            (collection,) = client.api_roots[0].collections
            groupings[:] = [
                o
                for page in as_pages(collection.get_objects, per_request=100, type="grouping")
                for o in page.get("objects", [])
            ]
        except (OSError, ValueError) as exc:  # not listening yet (requests errors are OSErrors)
            if not waiting:
                print(f"  (server not ready yet: {type(exc).__name__}; retrying)", flush=True)
            waiting.append(type(exc).__name__)
            time.sleep(0.5)
            return False
        return len(groupings) >= expected

    wait_for(incidents_served, 120, "the TAXII server to serve GR-HCG's incident versions")
    latest: dict[str, dict[str, Any]] = {}
    for grouping in groupings:
        incident = grouping["external_references"][0]["external_id"]
        if incident not in latest or grouping["modified"] > latest[incident]["modified"]:
            latest[incident] = grouping
    print(f"  {len(groupings)} incident versions (STIX groupings) served; the latest of each:")
    for _, grouping in sorted(latest.items()):
        refs = grouping["object_refs"]
        reports = sum(str(r).startswith("report--") for r in refs)
        tlp = tlp_label(tlp_of(grouping["object_marking_refs"]))
        status = grouping["extensions"][CORRIDOR_EXTENSION_ID]["status"]
        print(
            f"  {grouping['name']} ({status}): {tlp}, confidence {grouping['confidence']}, "
            f"{reports} alert reports, {len(refs) - reports} other objects (route, identifiers)"
        )
    print("(ids are deterministic, so the analyst's tool updates rather than duplicates)")
    wrong = Server(url, user="gr-hcg-analyst", password=uuid.uuid4().hex, verify=str(tls.ca_cert))
    try:
        _ = wrong.title
    except OSError as exc:  # requests.HTTPError
        print(f"  a wrong password: {exc}")
    corridor(
        "stix", "export", "--agency", "GR-HCG", "--trust-store",
        str(WORKDIR / "trust-store.json"), *kafka, "--out", str(WORKDIR / "GR-HCG.stix.json"),
    )  # fmt: skip
    return server


def main() -> int:
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP")
    broker: LocalKafka | None = None
    if not bootstrap:
        say("Starting the local Kafka 4.2 broker (KRaft, 127.0.0.1:9092)")
        broker = LocalKafka(BrokerConfig())
        was_running = broker.is_running()
        bootstrap = broker.start()
        print(f"broker at {bootstrap}" + (" (already running, reused)" if was_running else ""))
        if was_running:
            broker = None  # not ours to stop
    prefix = f"demo-{uuid.uuid4().hex[:6]}"
    shutil.rmtree(WORKDIR, ignore_errors=True)
    WORKDIR.mkdir(parents=True)
    config = WORKDIR / "taskforce.toml"
    shutil.copy(REPO / "deploy" / "local" / "taskforce.toml", config)
    kafka = ("--bootstrap", bootstrap, "--topic-prefix", prefix)
    processes: list[subprocess.Popen[bytes]] = []
    stoppers: list[Callable[[], object]] = []
    try:
        say("Each partner agency generates its signing key; the task force registers it")
        for agency in (*PUBLISHERS, "EU-EUROPOL", HUB_ID):
            corridor(
                "keys",
                "generate",
                "--agency",
                agency,
                "--out-dir",
                str(WORKDIR / "keys"),
                "--trust-store",
                str(WORKDIR / "trust-store.json"),
            )
        corridor("keys", "list", "--trust-store", str(WORKDIR / "trust-store.json"))

        say(f"Creating the pipeline's topics (prefix {prefix})")
        corridor("topics", "create", "--config", str(config), *kafka)

        worker_metrics, delivery_metrics = port_or_free(9401), port_or_free(9402)
        say("Starting the hub: Faust verification worker, delivery service, receipt tracker")
        processes.append(
            start(
                "streams-worker",
                "streams",
                "worker",
                "--config",
                str(config),
                *kafka,
                "--metrics-port",
                str(worker_metrics),
                "--web-port",
                str(free_port()),
                "--data-dir",
                str(WORKDIR / "streams"),
                "--app-id",
                f"{prefix}-streams",
                "--hub-key",
                str(WORKDIR / "keys" / f"{HUB_ID}.key"),
            )
        )
        group = f"{prefix}-delivery"
        processes.append(
            start(
                "delivery",
                "delivery",
                "--config",
                str(config),
                *kafka,
                "--metrics-port",
                str(delivery_metrics),
                "--group",
                group,
            )
        )
        receipts_metrics = port_or_free(9404)
        processes.append(
            start(
                "receipts",
                "receipts",
                "track",
                "--config",
                str(config),
                *kafka,
                "--metrics-port",
                str(receipts_metrics),
            )
        )
        audit_metrics = port_or_free(9406)
        processes.append(
            start(
                "auditor",
                "audit",
                "run",
                "--config",
                str(config),
                *kafka,
                "--hub-key",
                str(WORKDIR / "keys" / f"{HUB_ID}.key"),
                "--trust-store",
                str(WORKDIR / "trust-store.json"),
                "--metrics-port",
                str(audit_metrics),
                "--checkpoint-interval",
                "5s",
            )
        )
        print(f"logs in {WORKDIR}/streams-worker.log, delivery.log, receipts.log and auditor.log")

        say("Starting Prometheus (Debian's package) to scrape the hub every second")
        prometheus = LocalPrometheus(
            PrometheusConfig(
                home=WORKDIR / "prometheus",
                port=port_or_free(9490),
                targets={
                    "worker": (f"127.0.0.1:{worker_metrics}",),
                    "delivery": (f"127.0.0.1:{delivery_metrics}",),
                    "receipts": (f"127.0.0.1:{receipts_metrics}",),
                    "audit": (f"127.0.0.1:{audit_metrics}",),
                },
                scrape_interval_s=1.0,
                evaluation_interval_s=1.0,
            )
        )
        stoppers.append(prometheus.stop)
        print(f"Prometheus at {prometheus.start()}")

        say("Partner agencies publish alerts with `corridor publish`")
        for agency, count in PUBLISHERS.items():
            alerts = [sample_alert(agency, 100 + i) for i in range(count)]
            if agency == "TR-SG":
                alerts[0]["tlp"], alerts[0]["tlp_recipients"] = "RED", ["GR-HCG"]
                alerts[0]["narrative"] += " TLP:RED, for the Hellenic Coast Guard only."
            path = WORKDIR / f"{agency}.jsonl"
            path.write_text("\n".join(json.dumps(a) for a in alerts) + "\n", "utf-8")
            publish_file(agency, path, kafka)

        say("PK-FIA names a victim: personal data is sealed to the cleared members' keys")
        victim_alert = sample_alert("PK-FIA", 150)
        victim_alert["tlp"], victim_alert["handling_code"] = "AMBER", "H0"
        victim_alert["personal_data"] = {
            "persons": [
                {
                    "role": "VICTIM",
                    "full_name": VICTIM_NAME,
                    "date_of_birth": "2009",
                    "nationality": "AF",
                    "document_number": None,
                    "notes": "Unaccompanied minor, seen at the Gwadar staging house.",
                }
            ]
        }
        victim_file = WORKDIR / "PK-FIA-victim.jsonl"
        victim_file.write_text(json.dumps(victim_alert) + "\n", "utf-8")
        corridor(
            "publish",
            "--agency",
            "PK-FIA",
            "--key",
            str(WORKDIR / "keys" / "PK-FIA.key"),
            "--file",
            str(victim_file),
            "--config",
            str(config),
            "--trust-store",
            str(WORKDIR / "trust-store.json"),
            *kafka,
        )
        print(
            "cleared in the task-force file: PK-FIA, GR-HCG, IOM, EU-EUROPOL; "
            "the name travels only as ciphertext"
        )

        say("Four agencies report the same operations their own way: `corridor simulate`")
        scenario = WORKDIR / "scenario"
        corridor(
            "simulate",
            "--seed",
            "7",
            "--operations",
            "6",
            "--decoys",
            "8",
            "--agencies",
            ",".join(PUBLISHERS),
            "--out",
            str(scenario),
            "--force",
        )
        for path in sorted(scenario.glob("alerts-*.jsonl")):
            agency = path.stem.removeprefix("alerts-")
            publish_file(agency, path, kafka)

        say("An integrator's mistake: broken JSON is refused before anything is sent")
        code = corridor(
            "publish",
            "--agency",
            "IOM",
            "--key",
            str(WORKDIR / "keys" / "IOM.key"),
            *kafka,
            stdin='{"alert_id": "IOM-1", ',
            check=False,
        )
        print(f"(exit code {code})")

        say("An attacker with a stolen topic credential but no key signs as PK-FIA")
        corridor("keys", "generate", "--agency", "PK-FIA", "--out-dir", str(WORKDIR / "rogue"))
        forged = sample_alert("PK-FIA", 900)
        forged["narrative"] = "Route closed, stand down all patrols."
        corridor(
            "publish",
            "--agency",
            "PK-FIA",
            "--key",
            str(WORKDIR / "rogue" / "PK-FIA.key"),
            *kafka,
            stdin=json.dumps(forged),
        )

        say("One byte of a genuine GR-HCG alert is altered in transit")
        topics = load_taskforce(config, topic_prefix=prefix).topics
        datum = from_json(alert_schema().schema, sample_alert("GR-HCG", 901))
        record = sign_alert(datum, load_private_key(WORKDIR / "keys" / "GR-HCG.key"), topics)
        tampered = bytearray(record.value)
        tampered[-80] ^= 0x01
        producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
        producer.send(
            record.topic, key=record.key, value=bytes(tampered), headers=record.headers
        ).get(timeout=30)
        producer.close()
        print(f"sent 1 tampered record to {record.topic}")

        say("Waiting for the hub to verify and deliver everything")
        wait_for(lambda: len(read_to_end(bootstrap, topics.quarantine)) >= 2, 120, "quarantine")
        streams_group = f"{prefix}-streams"
        hub_topics = [topics.inbound(agency) for agency in PUBLISHERS]
        hub_topics += [topics.verified, topics.correlation]
        wait_for(
            lambda: all(group_caught_up(bootstrap, t, streams_group) for t in hub_topics),
            240,
            "the hub to verify, deduplicate and correlate",
        )
        delivered = (topics.alerts, topics.incidents)
        wait_for(
            lambda: all(group_caught_up(bootstrap, t, group) for t in delivered), 240, "deliveries"
        )

        say("What each task-force member received (verified at the recipient)")
        taskforce = load_taskforce(config, topic_prefix=prefix)
        trust = load_trust_store(WORKDIR / "trust-store.json")
        print(f"{'AGENCY':<12} {'VERIFIED':>8} {'REJECTED':>8}  FROM")
        for member in taskforce.recipients:
            items = [
                check_delivery(r.value, list(r.headers), trust, topics)
                for r in read_to_end(bootstrap, topics.inbox(member.agency_id))
            ]
            origins = Counter(i.document.get("origin") for i in items if i.verified)
            rejected = sum(not i.verified for i in items)
            sources = ", ".join(f"{o} x{n}" for o, n in sorted(origins.items()))
            print(f"{member.agency_id:<12} {sum(origins.values()):>8} {rejected:>8}  {sources}")
        print("(TR-SG's TLP:RED alert went to GR-HCG only; nobody receives their own alerts)")

        say("The Hellenic Coast Guard's own client: `corridor inbox --agency GR-HCG`")
        out = WORKDIR / "GR-HCG-inbox.jsonl"
        corridor(
            "inbox",
            "--agency",
            "GR-HCG",
            "--trust-store",
            str(WORKDIR / "trust-store.json"),
            "--idle-timeout",
            "3",
            "--output",
            str(out),
            "--decryption-key",
            str(WORKDIR / "keys" / "GR-HCG.x25519.key"),
            "--receipts",
            "--key",
            str(WORKDIR / "keys" / "GR-HCG.key"),
            *kafka,
        )
        for line in out.read_text("utf-8").splitlines():
            doc = json.loads(line)
            if doc.get("kind") == "incident":
                incident = doc["incident"]
                print(
                    f"  {doc['status']:<8} {incident['incident_id']:<22} v{incident['version']} "
                    f"{incident['status']:<9} {len(incident['members'])} alerts from "
                    f"{', '.join(incident['agencies'])}"
                )
                continue
            alert = doc.get("alert", {})
            route = " -> ".join(w["place_name"] for w in alert.get("route", []))
            print(
                f"  {doc['status']:<8} {alert.get('alert_id', '?'):<22} {alert.get('tlp', ''):<12}"
                f" {alert.get('severity', ''):<8} {route}"
            )
        print(f"full JSON Lines in {out}")

        say("The victim's name: decrypted by GR-HCG (cleared), redacted for TR-SG (not cleared)")
        victim_id = victim_alert["alert_id"]
        for agency, key_file in (("GR-HCG", "GR-HCG.x25519.key"), ("TR-SG", "TR-SG.x25519.key")):
            decryption_key = load_decryption_key(WORKDIR / "keys" / key_file)
            for record in read_to_end(bootstrap, topics.inbox(agency)):
                if record.key != f"PK-FIA:{victim_id}".encode():
                    continue
                item = check_delivery(
                    record.value,
                    list(record.headers),
                    trust,
                    topics,
                    decryption_key=decryption_key,
                )
                shown = item.document["alert"]["personal_data"]
                if isinstance(shown, dict):
                    shown = ", ".join(str(p["full_name"]) for p in shown["persons"])
                print(f"  {agency:<8} {victim_id}: personal_data = {shown}")
        scan = [
            r
            for topic in list_topics(bootstrap, prefix)
            for r in read_to_end(bootstrap, topic)
            if VICTIM_NAME.encode() in (r.value or b"")
            or any(VICTIM_NAME.encode() in v for _, v in r.headers or [])
        ]
        print(f"  records on any {prefix}.* topic with the name in clear: {len(scan)}")

        say("GR-HCG signed a receipt for each delivery; the hub's tracker pairs them")
        wait_for(
            lambda: (
                metric_value(
                    receipts_metrics, "corridor_deliveries_unacknowledged", agency="GR-HCG"
                )
                == 0.0
            ),
            120,
            "GR-HCG's receipts",
        )
        for line in metrics_excerpt(
            receipts_metrics,
            ("corridor_deliveries_unacknowledged", "corridor_receipts_total"),
        ):
            print(f"  {line}")
        print("(only GR-HCG ran its inbox client with --receipts: the others show as pending)")

        say("Incidents the hub correlated: `corridor incidents export --active-only`")
        incidents_out = WORKDIR / "incidents.jsonl"
        corridor(
            "incidents",
            "export",
            "--config",
            str(config),
            *kafka,
            "--active-only",
            "--out",
            str(incidents_out),
        )
        for line in incidents_out.read_text("utf-8").splitlines():
            incident = json.loads(line)
            print(
                f"  {incident['incident_id']} v{incident['version']} "
                f"confidence {incident['confidence']:.2f}: {incident['explanation']}"
            )

        say("An analyst's tool pulls the task force's incidents over TAXII 2.1")
        processes.append(taxii_step(config, kafka, bootstrap, prefix))

        say("What was quarantined, and why: `corridor quarantine`")
        corridor("quarantine", *kafka)

        say("Metrics (Prometheus text format)")
        print(f"worker:   http://127.0.0.1:{worker_metrics}/metrics")
        for line in metrics_excerpt(
            worker_metrics,
            (
                "corridor_stream_verified_total",
                "corridor_stream_quarantined_total",
                "corridor_stream_duplicates_total",
                "corridor_stream_accepted_total",
                "corridor_stream_incident_versions_total",
            ),
        ):
            print(f"  {line}")
        print(f"delivery: http://127.0.0.1:{delivery_metrics}/metrics")
        for line in metrics_excerpt(
            delivery_metrics,
            (
                "corridor_deliveries_total",
                "corridor_policy_decisions_total",
                "corridor_publish_to_inbox_seconds_count",
                "corridor_publish_to_inbox_seconds_sum",
            ),
        ):
            print(f"  {line}")
        say("The operator's view: `corridor status --once` (read from Prometheus)")
        code = corridor("status", "--prometheus", prometheus.url, "--once", check=False)
        print(f"(exit code {code}: 1 means a component is down or an alert fires; here the")
        print(" forged and the tampered records raise CorridorBadSignatures, as they should)")

        say("An investigator's view: the victim alert's path, from the audit chain")
        alert_ref = f"PK-FIA:{victim_id}"
        wait_for(
            lambda: "receipted by GR-HCG" in corridor_quiet("trace", alert_ref, *kafka).stdout,
            120,
            "the auditor to chain GR-HCG's receipt",
        )
        corridor("trace", alert_ref, *kafka)
        corridor("audit", "verify", "--config", str(config), *kafka)
    finally:
        say("Stopping what the demo started")
        for process in processes:
            stop_process(process, str(process.args))
        for stopper in stoppers:
            stopper()
        if broker is not None:
            broker.stop()
            print("local broker stopped")
    print("\ndemo complete")
    return 0


if __name__ == "__main__":
    sys.exit(main())
