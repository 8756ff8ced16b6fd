"""Correlation on the real broker: three agencies' views of one operation become one incident."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from consumers.delivery.plan import FORWARDED_HEADERS
from consumers.delivery.routing import HEADER_DELIVERY_ID
from consumers.inbox.check import check_delivery
from consumers.incident_log import IncidentLog
from consumers.topic_reader import read_to_end
from producers.publisher import AlertPublisher
from producers.scenarios import sample_datum
from producers.settings import PublisherSettings
from tests.integration.conftest import REPO, Pipeline, wait_for

pytestmark = pytest.mark.integration

TIMEOUT = 90.0


def _indicators(**given: Any) -> dict[str, Any]:
    empty: dict[str, Any] = {
        "phone_numbers": [],
        "messaging_handles": [],
        "social_media_handles": [],
        "payment_channels": [],
        "smuggler_aliases": [],
    }
    return {**empty, **given}


def _operation_views() -> dict[str, dict[str, Any]]:
    """One Aegean crossing as three agencies write it, plus an unrelated decoy."""
    base = sample_datum("TR-SG", 5000, route="aegean-crossing")

    def view(agency: str, seq: int, **indicators: Any) -> dict[str, Any]:
        datum = sample_datum(agency, seq, route="aegean-crossing")
        datum["observed_from"], datum["observed_to"] = base["observed_from"], base["observed_to"]
        datum["indicators"] = _indicators(**indicators)
        return datum

    return {
        # The Turkish coast guard writes the smuggler's number internationally...
        "TR-SG": view(
            "TR-SG", 5001, phone_numbers=["+90 532 412 7788"], smuggler_aliases=["Kaptan Yusuf"]
        ),
        # ...the Hellenic coast guard in Turkish national format, with the alias romanised
        # its own way; PK-FIA links to it through that alias and a shared hawala reference.
        "GR-HCG": view(
            "GR-HCG",
            5002,
            phone_numbers=["0532 412 77 88"],
            smuggler_aliases=["Hajji Balouch"],
            payment_channels=[{"method": "HAWALA", "identifier": "HWL-7781-IST"}],
        ),
        "PK-FIA": view(
            "PK-FIA",
            5003,
            smuggler_aliases=["حاجی بلوچ"],
            payment_channels=[{"method": "HAWALA", "identifier": "hwl 7781 ist"}],
        ),
        # Same crossing, same week, nothing else in common: must stay out.
        "decoy": view(
            "GR-HCG",
            5004,
            phone_numbers=["+30 694 555 0101"],
            payment_channels=[{"method": "HAWALA", "identifier": "HWL-0001-ATH"}],
        ),
    }


def _publish(pipeline: Pipeline, alerts: list[dict[str, Any]]) -> None:
    settings = PublisherSettings(bootstrap=pipeline.bootstrap, topics=pipeline.taskforce.topics)
    for alert in alerts:
        with AlertPublisher(settings, pipeline.keys[alert["agency"]]) as publisher:
            outcomes = publisher.publish([publisher.sign(alert)])
        assert all(o.ok for o in outcomes), [o.error for o in outcomes]


def test_three_agencies_views_become_one_incident_delivered_and_exported(
    pipeline: Pipeline,
) -> None:
    views = _operation_views()
    members = {f"{v['agency']}:{v['alert_id']}" for k, v in views.items() if k != "decoy"}
    decoy = views["decoy"]
    decoy_key = f"{decoy['agency']}:{decoy['alert_id']}"
    _publish(pipeline, list(views.values()))
    log = IncidentLog(pipeline.trust_store, pipeline.taskforce.topics, "TF-HUB")

    def incident_with_all_members() -> dict[str, Any] | None:
        for record in read_to_end(pipeline.bootstrap, pipeline.taskforce.topics.incidents):
            log.add(record.value, list(record.headers))
        for incident in log.latest.values():
            keys = {f"{m['agency']}:{m['alert_id']}" for m in incident["members"]}
            if members <= keys and incident["status"] == "ACTIVE":
                return incident
        return None

    incident = wait_for(incident_with_all_members, TIMEOUT, "an incident of the three views")
    keys = {f"{m['agency']}:{m['alert_id']}" for m in incident["members"]}
    assert decoy_key not in keys
    assert log.rejected == []
    assert incident["agencies"] == ["GR-HCG", "PK-FIA", "TR-SG"]
    shared = {(s["kind"], s["value"]) for s in incident["shared_indicators"]}
    assert ("phone", "+905324127788") in shared  # E.164: its holders agree on the country
    assert ("agent", "hwl7781ist") in shared  # a hawala reference without an account number
    # The explanation lists each piece of evidence with its weight.
    explanation = incident["explanation"]
    assert "phone 5324127788 (+" in explanation
    assert "alias Hajji Balouch ~ حاجی بلوچ (+" in explanation
    assert "bits" in explanation
    assert incident["version"] >= 1

    # Delivered to a member that is not an originator, signed by the hub.
    def delivered(records: list[Any]) -> bool:
        return any(r.key == incident["incident_id"].encode() for r in records)

    records = pipeline.read_topic(pipeline.taskforce.topics.inbox("EU-EUROPOL"), delivered, TIMEOUT)
    items = [
        check_delivery(r.value, list(r.headers), pipeline.trust_store, pipeline.taskforce.topics)
        for r in records
        if r.key == incident["incident_id"].encode()
    ]
    assert all(i.verified for i in items), [i.document for i in items]
    assert items[-1].document["kind"] == "incident"
    # The hub's release (who else may receive it) stays on the hub's topic.
    incident_records = [r for r in records if r.key == incident["incident_id"].encode()]
    for record in incident_records:
        names = {name for name, _ in record.headers}
        assert "corridor-release" not in names
        assert names <= set(FORWARDED_HEADERS) | {HEADER_DELIVERY_ID}

    # corridor incidents export writes it with its member keys.
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "corridor_cli.main",
            "incidents",
            "export",
            "--config",
            str(pipeline.config),
            "--bootstrap",
            pipeline.bootstrap,
            "--active-only",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    exported = [json.loads(line) for line in result.stdout.splitlines()]
    mine = [e for e in exported if e["incident_id"] == incident["incident_id"]]
    assert len(mine) == 1
    assert members <= set(mine[0]["member_keys"])
