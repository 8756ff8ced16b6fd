"""What the agencies publish in the demo: sample alerts, a named victim, a simulated
operation, and three kinds of bad input (a mistake, a forgery, a tampered record)."""

from __future__ import annotations

import json
from typing import Any

from kafka import KafkaProducer

from demo_steps.harness import (
    PUBLISHERS,
    VICTIM_NAME,
    WORKDIR,
    DemoRun,
    corridor,
    publish_file,
    say,
)
from producers.scenarios import sample_alert
from schemas.catalog import alert_schema
from schemas.json_mapping import from_json
from schemas.keys import load_private_key
from schemas.signing import sign_alert
from schemas.taskforce import load_taskforce


def publish_alerts(run: DemoRun) -> dict[str, Any]:
    """Every agency's alerts, PK-FIA's alert naming a victim, the simulated operations;
    returns the victim alert."""
    config, kafka = run.config, run.kafka
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
    return victim_alert


def publish_bad_input(run: DemoRun) -> None:
    """Broken JSON (refused before sending), a forged signature, a tampered record."""
    config, kafka, prefix, bootstrap = run.config, run.kafka, run.prefix, run.bootstrap
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
    producer.send(record.topic, key=record.key, value=bytes(tampered), headers=record.headers).get(
        timeout=30
    )
    producer.close()
    print(f"sent 1 tampered record to {record.topic}")
