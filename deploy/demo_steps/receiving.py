"""What the task-force members receive in the demo: deliveries, an agency's own inbox
client, the victim's name decrypted or redacted, receipts."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from consumers.inbox.check import check_delivery
from consumers.topic_reader import group_caught_up, read_to_end
from demo_steps.harness import (
    PUBLISHERS,
    VICTIM_NAME,
    WORKDIR,
    DemoRun,
    corridor,
    list_topics,
    metric_value,
    metrics_excerpt,
    say,
    wait_for,
)
from demo_steps.hub import Hub
from schemas.keys import load_decryption_key
from schemas.taskforce import load_taskforce
from schemas.truststore import load_trust_store


def wait_for_deliveries(run: DemoRun, hub: Hub) -> None:
    """Until the hub has verified, correlated and delivered everything published."""
    config, prefix, bootstrap = run.config, run.prefix, run.bootstrap
    topics = load_taskforce(config, topic_prefix=prefix).topics
    group = hub.delivery_group
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


def show_inboxes(run: DemoRun, victim_alert: dict[str, Any]) -> None:
    """Each member's verified deliveries, GR-HCG's inbox client, the victim's name."""
    config, kafka, prefix, bootstrap = run.config, run.kafka, run.prefix, run.bootstrap
    topics = load_taskforce(config, topic_prefix=prefix).topics
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


def show_receipts(hub: Hub) -> None:
    """GR-HCG's receipts, as the hub's tracker counts them."""
    receipts_metrics = hub.receipts_metrics
    say("GR-HCG signed a receipt for each delivery; the hub's tracker pairs them")
    wait_for(
        lambda: (
            metric_value(receipts_metrics, "corridor_deliveries_unacknowledged", agency="GR-HCG")
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
