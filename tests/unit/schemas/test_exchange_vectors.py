"""Webhook-request and audit-chain vectors against the real receiver and chain verifier."""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from prometheus_client import CollectorRegistry

from consumers.receiver_store import ReceiverStore
from consumers.webhooks.metrics import ReceiverMetrics
from consumers.webhooks.receiver import ReceiverSettings, Request, WebhookEndpoint
from schemas import audit, vectorgen
from schemas.topics import TopicNames
from schemas.truststore import parse_trust_store

MESSAGES: dict[str, Any] = json.loads(vectorgen.MESSAGE_VECTORS_PATH.read_text("utf-8"))
WEBHOOKS: dict[str, Any] = json.loads(vectorgen.WEBHOOK_VECTORS_PATH.read_text("utf-8"))
AUDIT: dict[str, Any] = json.loads(vectorgen.AUDIT_VECTORS_PATH.read_text("utf-8"))
STORE = parse_trust_store(MESSAGES["trust_store"])


@pytest.mark.parametrize(
    ("path", "render"),
    [
        (vectorgen.WEBHOOK_VECTORS_PATH, vectorgen.render_webhooks),
        (vectorgen.AUDIT_VECTORS_PATH, vectorgen.render_audit),
    ],
    ids=["webhooks", "audit"],
)
def test_files_are_what_the_generator_produces(path: Path, render: Any) -> None:
    assert path.read_text("utf-8") == render()


def _answer(vector: dict[str, Any], tmp_path: Path) -> tuple[int, dict[str, Any]]:
    now = dt.datetime.fromisoformat(vector["now"])
    endpoint = WebhookEndpoint(
        ReceiverSettings(agency=vector["receiver"], topics=TopicNames(WEBHOOKS["topic_prefix"])),
        STORE,
        ReceiverStore(tmp_path / "deliveries.db"),
        ReceiverMetrics.create(CollectorRegistry()),
        clock=lambda: now,
    )
    request = Request(
        vector["method"],
        vector["target"],
        [(name, value) for name, value in vector["headers"]],
        bytes.fromhex(vector["body_hex"]),
    )
    response = endpoint(request)
    return response.status, response.document


@pytest.mark.parametrize("vector", WEBHOOKS["valid"], ids=lambda v: v["name"])
def test_valid_webhook_requests_are_stored(vector: dict[str, Any], tmp_path: Path) -> None:
    status, document = _answer(vector, tmp_path)
    assert status == vector["expected_status"] == 200
    assert document["status"] == vector["expected"]
    assert document["stored"] is True


@pytest.mark.parametrize("vector", WEBHOOKS["invalid"], ids=lambda v: v["name"])
def test_invalid_webhook_requests_are_refused(vector: dict[str, Any], tmp_path: Path) -> None:
    status, document = _answer(vector, tmp_path)
    assert (status, document["error"]) == (vector["expected_status"], vector["expected"])


def _hub_keys() -> audit.KeyLookup:
    raw = base64.b64decode(AUDIT["hub_public_key_b64"])
    return audit.fixed_keys(Ed25519PublicKey.from_public_bytes(raw))


def _report(records: list[str], expect: int | None = None) -> audit.ChainReport:
    values = [(offset, value.encode()) for offset, value in enumerate(records)]
    return audit.verify_chain(values, _hub_keys(), expect_head_seq=expect)


def test_the_chain_is_intact_and_checkpointed() -> None:
    chain = AUDIT["chain"]
    report = _report(chain["records"])
    assert report.intact and report.findings == []
    assert (report.head_seq, report.head_hash) == (
        chain["expected_head_seq"],
        chain["expected_head_hash"],
    )
    assert report.checkpoints == chain["expected_checkpoints"]
    checkpoint = audit.parse_record(chain["records"][-1].encode())
    assert audit.checkpoint_signing_input(checkpoint).hex() == chain["checkpoint_signing_input_hex"]


def test_the_records_are_canonical_and_carry_their_hash() -> None:
    for value in AUDIT["chain"]["records"]:
        record = audit.parse_record(value.encode())
        assert record.to_bytes() == value.encode()
        assert record.compute_hash() == record.hash


@pytest.mark.parametrize("vector", AUDIT["invalid"], ids=lambda v: v["name"])
def test_altered_chains_report_their_errors(vector: dict[str, Any]) -> None:
    report = _report(vector["records"], vector["expect_head_seq"])
    assert not report.intact
    errors = sorted({f.code for f in report.findings if f.severity == audit.ERROR})
    assert errors == vector["expected_errors"]
