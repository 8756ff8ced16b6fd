"""The real client and server over TLS on 127.0.0.1 (no broker): verified both ways."""

from __future__ import annotations

import datetime as dt
import http.client
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from prometheus_client import CollectorRegistry

from consumers.receiver_store import ReceiverStore
from consumers.webhooks.body import webhook_body
from consumers.webhooks.client import WebhookClient
from consumers.webhooks.metrics import ReceiverMetrics
from consumers.webhooks.receiver import ReceiverSettings, WebhookEndpoint, WebhookServer
from schemas.keys import generate_private_key
from schemas.topics import TopicNames
from schemas.truststore import TrustStore
from tests.tls_files import Tls, make_tls_files
from tests.unit.consumers.webhooks.webhook_fixtures import inbox_record

HUB_KEY = generate_private_key()


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Tls:
    return make_tls_files(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def server(
    tls: Tls, tmp_path: Path, trust_store: TrustStore, topics: TopicNames
) -> Iterator[tuple[WebhookServer, ReceiverStore]]:
    store = ReceiverStore(tmp_path / "gr.db")
    endpoint = WebhookEndpoint(
        ReceiverSettings(agency="GR-HCG", topics=topics),
        trust_store.with_key("TF-HUB", "hub", HUB_KEY.public_key()),
        store,
        ReceiverMetrics.create(CollectorRegistry()),
    )
    running = WebhookServer(endpoint, "127.0.0.1", 0, tls.cert, tls.key)
    running.start()
    try:
        yield running, store
    finally:
        running.stop()
        store.close()


def _body(alert: dict[str, Any], key: Ed25519PrivateKey, topics: TopicNames) -> tuple[str, bytes]:
    record = inbox_record(alert, key, topics)
    assert record.delivery_id is not None
    return record.delivery_id, webhook_body(record.delivery_id, "GR-HCG", record)


def test_a_signed_post_over_tls_is_stored_once(
    server: tuple[WebhookServer, ReceiverStore],
    tls: Tls,
    alert: dict[str, Any],
    fia_key: Ed25519PrivateKey,
    topics: TopicNames,
) -> None:
    running, store = server
    delivery_id, body = _body(alert, fia_key, topics)
    client = WebhookClient(HUB_KEY, timeout_s=10, ca_file=tls.ca)
    url = f"https://127.0.0.1:{running.port}/hook?x=1"
    first = client.post(url, delivery_id, body)
    again = client.post(url, delivery_id, body)
    assert (first.status, first.ok, again.status) == (200, True, 200)
    assert store.delivery_ids() == [delivery_id]


def test_the_client_refuses_a_server_it_cannot_verify(
    server: tuple[WebhookServer, ReceiverStore],
    alert: dict[str, Any],
    fia_key: Ed25519PrivateKey,
    topics: TopicNames,
) -> None:
    running, store = server
    delivery_id, body = _body(alert, fia_key, topics)
    client = WebhookClient(HUB_KEY, timeout_s=10)  # system CAs only: the test CA is unknown
    result = client.post(f"https://127.0.0.1:{running.port}/hook", delivery_id, body)
    assert result.status is None and result.retriable
    assert result.error is not None and "CERTIFICATE_VERIFY_FAILED" in result.error
    assert store.count() == 0


def test_an_unsigned_post_is_refused_and_stores_nothing(
    server: tuple[WebhookServer, ReceiverStore],
    tls: Tls,
    alert: dict[str, Any],
    fia_key: Ed25519PrivateKey,
    topics: TopicNames,
) -> None:
    running, store = server
    _, body = _body(alert, fia_key, topics)
    context = ssl.create_default_context(cafile=str(tls.ca))
    connection = http.client.HTTPSConnection("127.0.0.1", running.port, context=context)
    try:
        connection.request("POST", "/hook", body=body, headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        assert response.status == 401
        assert b"missing_header" in response.read()
    finally:
        connection.close()
    assert store.count() == 0


def test_a_post_signed_by_another_key_is_refused(
    server: tuple[WebhookServer, ReceiverStore],
    tls: Tls,
    alert: dict[str, Any],
    fia_key: Ed25519PrivateKey,
    topics: TopicNames,
) -> None:
    running, store = server
    delivery_id, body = _body(alert, fia_key, topics)
    impostor = WebhookClient(
        generate_private_key(),
        timeout_s=10,
        ca_file=tls.ca,
        clock=lambda: dt.datetime.now(dt.UTC),
    )
    result = impostor.post(f"https://127.0.0.1:{running.port}/hook", delivery_id, body)
    assert result.status == 401 and not result.retriable
    assert store.count() == 0
