"""Webhook-request vectors against the real receiver."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from consumers.receiver_store import ReceiverStore
from consumers.webhooks.metrics import ReceiverMetrics
from consumers.webhooks.receiver import ReceiverSettings, Request, WebhookEndpoint
from schemas import vectorgen
from schemas.topics import TopicNames
from schemas.truststore import parse_trust_store

MESSAGES: dict[str, Any] = json.loads(vectorgen.MESSAGE_VECTORS_PATH.read_text("utf-8"))
WEBHOOKS: dict[str, Any] = json.loads(vectorgen.WEBHOOK_VECTORS_PATH.read_text("utf-8"))
STORE = parse_trust_store(MESSAGES["trust_store"])


def test_the_file_is_what_the_generator_produces() -> None:
    assert vectorgen.WEBHOOK_VECTORS_PATH.read_text("utf-8") == vectorgen.render_webhooks()


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
