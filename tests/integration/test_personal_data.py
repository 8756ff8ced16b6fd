"""Personal data never travels in clear: a canary name, published, is nowhere on the cluster.

The originator publishes through ``corridor publish`` (personal data in clear in its
JSON, as its own system supplies it); the running pipeline verifies, deduplicates and
delivers; then every record of every topic of the cluster (keys, values, header names
and values, and the base64 members of quarantine records) and the hub's logs are
scanned for the canary. Only the cleared recipient's inbox client, with its own
decryption key, recovers it.
"""

from __future__ import annotations

import base64
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaAdminClient

from consumers.inbox.check import check_delivery
from consumers.topic_reader import read_to_end
from corridor_cli.main import main
from producers.scenarios import sample_alert
from schemas import personal_data as pd
from schemas.keys import write_private_key
from tests.integration.conftest import Pipeline, wait_for

pytestmark = pytest.mark.integration

TIMEOUT = 90.0  # may be the session's first test: includes the Faust group forming


def _canary_alert(canary: str, number: int) -> dict[str, Any]:
    alert = sample_alert("PK-FIA", number)
    alert["personal_data"] = {
        "persons": [
            {
                "role": "VICTIM",
                "full_name": canary,
                "date_of_birth": "2009-03",
                "nationality": "AF",
                "document_number": f"{canary}-passport",
                "notes": f"travelling with {canary}'s brother",
            },
            {"role": "WITNESS", "full_name": f"{canary} senior"},
        ]
    }
    return alert


def _publish(pipeline: Pipeline, alert: dict[str, Any], tmp_path: Path) -> None:
    key_file = tmp_path / "PK-FIA.key"
    write_private_key(key_file, pipeline.keys["PK-FIA"])
    alerts = tmp_path / "alerts.json"
    alerts.write_text(json.dumps(alert), "utf-8")
    code = main(
        [
            "publish",
            "--agency",
            "PK-FIA",
            "--key",
            str(key_file),
            "--file",
            str(alerts),
            "--config",
            str(pipeline.config),
            "--bootstrap",
            pipeline.bootstrap,
            "--topic-prefix",
            pipeline.taskforce.topics.prefix,
            "--json",
        ]
    )
    assert code == 0
    alerts.unlink()  # the originator's own copy in clear: not part of what is scanned


def _inbox_cli(pipeline: Pipeline, agency: str, tmp_path: Path) -> list[dict[str, Any]]:
    """Run ``corridor inbox --decryption-key`` until it has read everything delivered so far."""
    key_file = tmp_path / f"{agency}.x25519.key"
    write_private_key(key_file, pipeline.encryption_keys[agency])
    output = tmp_path / f"{agency}-inbox.jsonl"
    store = pipeline.workdir / "trust-store.json"
    delivered = len(read_to_end(pipeline.bootstrap, pipeline.taskforce.topics.inbox(agency)))
    code = main(
        [
            "inbox",
            "--agency",
            agency,
            "--trust-store",
            str(store),
            "--decryption-key",
            str(key_file),
            "--bootstrap",
            pipeline.bootstrap,
            "--topic-prefix",
            pipeline.taskforce.topics.prefix,
            "--group",
            f"pd-test-{uuid.uuid4().hex[:8]}",
            "--max-messages",
            str(delivered),
            "--output",
            str(output),
        ]
    )
    assert code == 0
    return [json.loads(line) for line in output.read_text("utf-8").splitlines()]


def _all_bytes(record: Any) -> list[bytes]:
    """Every byte string of a record, plus the decoded base64 inside quarantine records."""
    parts = [record.key or b"", record.value or b""]
    for name, value in record.headers or []:
        parts += [name.encode(), value or b""]
    try:
        document = json.loads(record.value)
    except (TypeError, ValueError):
        return parts
    if isinstance(document, dict) and document.get("format") == "corridor-quarantine/1":
        encoded = [document.get("value_b64"), document["source"].get("key_b64")]
        encoded += [v for _, v in document["source"].get("headers", [])]
        parts += [base64.b64decode(e) for e in encoded if e]
    return parts


def test_canary_personal_data_is_nowhere_in_clear_and_only_the_cleared_recipient_reads_it(
    pipeline: Pipeline, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    canary = f"Canary{uuid.uuid4().hex}"
    alert = _canary_alert(canary, 7000)
    _publish(pipeline, alert, tmp_path)
    published = capsys.readouterr()
    assert canary not in published.out + published.err
    topics = pipeline.taskforce.topics
    key = f"PK-FIA:{alert['alert_id']}".encode()

    def delivered(records: list[Any]) -> bool:
        return any(r.key == key for r in records)

    for agency in ("GR-HCG", "TR-SG", "EU-EUROPOL"):
        pipeline.read_topic(topics.inbox(agency), delivered, TIMEOUT)
    wait_for(pipeline.delivery_caught_up, 60, "the delivery service to commit")

    # 1. Every byte of every topic of the cluster, internal and changelog topics included.
    admin = KafkaAdminClient(bootstrap_servers=pipeline.bootstrap)
    try:
        names = sorted(admin.list_topics())
    finally:
        admin.close()
    prefix = topics.prefix
    assert topics.inbound("PK-FIA") in names
    assert any(n.startswith(f"{prefix}-streams-") and n.endswith("-changelog") for n in names)
    assert topics.quarantine in names
    canary_bytes = canary.encode()
    scanned = 0
    for name in names:
        for record in read_to_end(pipeline.bootstrap, name, timeout=60):
            scanned += 1
            for part in _all_bytes(record):
                assert canary_bytes not in part, f"canary in clear on topic {name}"
    assert scanned > 0

    # 2. The hub's logs: one JSON object a line (as shipped), without the canary or any
    # private key's bytes.
    secrets = [
        line
        for path in pipeline.workdir.glob("*.key")
        for line in path.read_bytes().splitlines()
        if line and not line.startswith(b"-----")
    ]
    assert secrets
    for log in ("worker.log", "delivery.log"):
        text = (pipeline.workdir / log).read_text("utf-8", "replace")
        assert canary not in text, log
        assert not [s for s in secrets if s.decode("latin-1") in text], log
        lines = text.splitlines()
        assert lines, f"{log} is empty"
        for line in lines:
            entry = json.loads(line)
            assert {"ts", "level", "logger", "message"} <= entry.keys(), line

    # 3. The record on the way: commitment signed, attachment beside it, on the inbound topic.
    inbound = [r for r in read_to_end(pipeline.bootstrap, topics.inbound("PK-FIA")) if r.key == key]
    assert len(inbound) == 1
    assert [n for n, _ in inbound[0].headers].count(pd.HEADER) == 1

    # 4. Recipients not cleared: no attachment at all, shown as redacted.
    for agency in ("TR-SG", "EU-EUROPOL"):
        copies = [r for r in read_to_end(pipeline.bootstrap, topics.inbox(agency)) if r.key == key]
        assert len(copies) == 1
        assert pd.HEADER not in [n for n, _ in copies[0].headers]
        item = check_delivery(
            copies[0].value,
            list(copies[0].headers),
            pipeline.trust_store,
            topics,
            decryption_key=pipeline.encryption_keys[agency],
        )
        assert item.verified, item.document
        assert item.document["alert"]["personal_data"] == pd.REDACTED

    # 5. The cleared recipient's copy has exactly one wrap, its own; its inbox client decrypts.
    copy = next(r for r in read_to_end(pipeline.bootstrap, topics.inbox("GR-HCG")) if r.key == key)
    attachment = pd.attachment_of(list(copy.headers))
    assert attachment is not None
    wraps = pd.decode_attachment(attachment)["wraps"]
    assert len(wraps) == 1
    assert {w["key_id"] for w in wraps} == pipeline.trust_store.delivery_key_ids("GR-HCG")
    documents = _inbox_cli(pipeline, "GR-HCG", tmp_path)
    mine = [
        d
        for d in documents
        if d.get("kind") == "alert" and d["alert"]["alert_id"] == alert["alert_id"]
    ]
    assert len(mine) == 1 and mine[0]["status"] == "verified", mine
    persons = mine[0]["alert"]["personal_data"]["persons"]
    assert [p["full_name"] for p in persons] == [canary, f"{canary} senior"]
    assert persons[0]["document_number"] == f"{canary}-passport"
    # The same copy read with another agency's key: not for it.
    other = check_delivery(
        copy.value,
        list(copy.headers),
        pipeline.trust_store,
        topics,
        decryption_key=pipeline.encryption_keys["TR-SG"],
    )
    assert other.document["alert"]["personal_data"] == pd.NOT_CLEARED
