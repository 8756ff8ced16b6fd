"""The receiver's answer to each request, and what it stores (no sockets)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from prometheus_client import CollectorRegistry

from consumers.delivery.plan import plan_delivery
from consumers.receiver_store import ReceiverStore
from consumers.webhooks.body import InboxRecord, webhook_body
from consumers.webhooks.metrics import ReceiverMetrics
from consumers.webhooks.receiver import ReceiverSettings, Request, WebhookEndpoint
from consumers.webhooks.signing import sign_request
from schemas.catalog import personal_data_schema
from schemas.json_mapping import from_json, to_json
from schemas.keys import encryption_key_id, generate_private_key
from schemas.personal_data import RecipientKey
from schemas.signing import sign_alert
from schemas.taskforce import Member, TaskForce
from schemas.topics import TopicNames
from schemas.truststore import TrustStore
from tests.unit.consumers.webhooks.webhook_fixtures import inbox_record

NOW = dt.datetime(2026, 11, 24, 9, 30, tzinfo=dt.UTC)
HUB_KEY = generate_private_key()
TARGET = "/corridor"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ReceiverStore]:
    with ReceiverStore(tmp_path / "gr.db") as opened:
        yield opened


@pytest.fixture
def endpoint(trust_store: TrustStore, topics: TopicNames, store: ReceiverStore) -> WebhookEndpoint:
    with_hub = trust_store.with_key("TF-HUB", "hub", HUB_KEY.public_key())
    settings = ReceiverSettings(agency="GR-HCG", topics=topics, max_skew_s=60)
    metrics = ReceiverMetrics.create(CollectorRegistry())
    return WebhookEndpoint(settings, with_hub, store, metrics, clock=lambda: NOW)


def _request(
    record: InboxRecord,
    *,
    recipient: str = "GR-HCG",
    key: Ed25519PrivateKey = HUB_KEY,
    at: dt.datetime = NOW,
    signed_id: str | None = None,
) -> Request:
    assert record.delivery_id is not None
    body = webhook_body(record.delivery_id, recipient, record)
    headers = sign_request(TARGET, signed_id or record.delivery_id, body, key, at)
    return Request("POST", TARGET, list(headers.items()), body)


def test_a_genuine_delivery_is_stored_once_and_repeats_are_acknowledged(
    endpoint: WebhookEndpoint,
    store: ReceiverStore,
    alert: dict[str, Any],
    fia_key: Ed25519PrivateKey,
    topics: TopicNames,
) -> None:
    record = inbox_record(alert, fia_key, topics)
    first = endpoint(_request(record))
    assert first.status == 200
    assert first.document == {
        "delivery_id": record.delivery_id,
        "stored": True,
        "status": "verified",
    }
    again = endpoint(_request(record, at=NOW + dt.timedelta(seconds=5)))
    assert again.status == 200 and again.document["stored"] is False
    assert store.count() == 1
    assert record.delivery_id is not None
    row = store.get(record.delivery_id)
    assert row is not None and row.verified and row.origin == "PK-FIA"
    assert row.document["alert"]["alert_id"] == alert["alert_id"]


@pytest.mark.parametrize(
    ("tamper", "status", "error"),
    [
        ({"key": generate_private_key()}, 401, "unknown_key"),
        ({"at": NOW - dt.timedelta(seconds=61)}, 401, "stale_timestamp"),
        ({"recipient": "TR-SG"}, 403, "wrong_recipient"),
        ({"signed_id": "another-delivery"}, 400, "malformed_body"),
    ],
)
def test_refused_requests_store_nothing(
    endpoint: WebhookEndpoint,
    store: ReceiverStore,
    alert: dict[str, Any],
    fia_key: Ed25519PrivateKey,
    topics: TopicNames,
    tamper: dict[str, Any],
    status: int,
    error: str,
) -> None:
    response = endpoint(_request(inbox_record(alert, fia_key, topics), **tamper))
    assert (response.status, response.document["error"]) == (status, error)
    assert store.count() == 0


def test_a_body_changed_after_signing_is_refused(
    endpoint: WebhookEndpoint,
    store: ReceiverStore,
    alert: dict[str, Any],
    fia_key: Ed25519PrivateKey,
    topics: TopicNames,
) -> None:
    request = _request(inbox_record(alert, fia_key, topics))
    document = json.loads(request.body)
    document["record"]["offset"] = 99
    changed = Request("POST", TARGET, request.headers, json.dumps(document).encode())
    response = endpoint(changed)
    assert (response.status, response.document["error"]) == (401, "bad_signature")
    assert store.count() == 0


def test_a_delivery_the_originator_did_not_sign_is_stored_as_rejected(
    endpoint: WebhookEndpoint,
    store: ReceiverStore,
    alert: dict[str, Any],
    tr_key: Ed25519PrivateKey,
    topics: TopicNames,
) -> None:
    record = inbox_record(alert, tr_key, topics)  # PK-FIA's alert, signed with TR-SG's key
    response = endpoint(_request(record))
    assert response.status == 200
    assert response.document["status"] == "rejected"
    assert record.delivery_id is not None
    row = store.get(record.delivery_id)
    assert row is not None and not row.verified


def test_a_cleared_receiver_stores_the_personal_data_decrypted(
    trust_store: TrustStore,
    topics: TopicNames,
    store: ReceiverStore,
    alert: dict[str, Any],
    fia_key: Ed25519PrivateKey,
) -> None:
    own_key = X25519PrivateKey.generate()
    personal = from_json(
        personal_data_schema().schema,
        {"persons": [{"role": "VICTIM", "full_name": "Webhook Canary", "nationality": "ER"}]},
    )
    signed = sign_alert(
        alert,
        fia_key,
        topics,
        personal_data=personal,
        recipients=[RecipientKey.of(own_key.public_key())],
    )
    members = tuple(
        Member(a, a, "coast_guard", True, True, personal_data=a == "GR-HCG")
        for a in ("PK-FIA", "GR-HCG")
    )
    plan = plan_delivery(
        signed.key,
        signed.value,
        signed.headers,
        TaskForce("t", topics, Path("t.json"), members),
        {"GR-HCG": {encryption_key_id(own_key.public_key())}},
    )
    write = plan.writes[0]
    record = InboxRecord(write.topic, 0, 0, write.key, write.value, write.headers)
    with_hub = trust_store.with_key("TF-HUB", "hub", HUB_KEY.public_key())
    settings = ReceiverSettings(
        agency="GR-HCG", topics=topics, max_skew_s=60, decryption_key=own_key
    )
    endpoint = WebhookEndpoint(
        settings, with_hub, store, ReceiverMetrics.create(CollectorRegistry()), clock=lambda: NOW
    )
    assert endpoint(_request(record)).status == 200
    assert record.delivery_id is not None
    row = store.get(record.delivery_id)
    assert row is not None and row.verified
    assert row.document["alert"]["personal_data"] == to_json(personal)
