"""The agency side of webhooks: an HTTPS endpoint that verifies and stores each POST.

:class:`WebhookEndpoint` decides the answer to one request (no sockets):

* 401, nothing stored: the hub's signature is missing, wrong, or its timestamp is
  further than ``max_skew_s`` from this clock;
* 400 / 403, nothing stored: the body is malformed, or addressed to another agency;
* 200: stored (``"stored": true``) or already stored under that delivery id
  (``"stored": false``). The originator's signature is verified here again, as
  ``corridor inbox`` does; a delivery that fails it is stored with status
  ``rejected`` (the record of what arrived), not refused, since resending cannot fix it;
* 503: the store could not be written, so the hub retries.

:class:`WebhookServer` serves an endpoint over TLS (stdlib ``http.server`` and
``ssl``, one thread per connection, TLS handshake in that thread).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from consumers.errors import StoreError, WebhookAuthError, WebhookFormatError
from consumers.https.server import HttpsServer, TlsHandler
from consumers.inbox.check import check_delivery
from consumers.receiver_store import ReceiverStore
from consumers.webhooks.body import MAX_BODY_BYTES, parse_webhook_body
from consumers.webhooks.metrics import ReceiverMetrics
from consumers.webhooks.signing import DEFAULT_MAX_SKEW_S, verify_request
from schemas.errors import ConfigError
from schemas.taskforce import DEFAULT_HUB_ID
from schemas.topics import TopicNames
from schemas.truststore import TrustStore

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReceiverSettings:
    """How an agency's webhook receiver checks requests."""

    agency: str
    """The receiving agency: POSTs addressed to another are refused."""
    topics: TopicNames
    """Topic naming of the deployment (the originator's envelope names its inbound topic)."""
    hub_id: str = DEFAULT_HUB_ID
    """The hub's signing identity in the trust store."""
    max_skew_s: float = DEFAULT_MAX_SKEW_S
    """Oldest (and furthest in the future) signed timestamp accepted, in seconds."""
    decryption_key: X25519PrivateKey | None = None
    """The agency's X25519 key, to decrypt personal data it is cleared for before storing."""


@dataclass(frozen=True)
class Request:
    """One received HTTP request."""

    method: str
    """Request method."""
    target: str
    """Path and query as on the request line."""
    headers: list[tuple[str, str]]
    """Header pairs as received."""
    body: bytes
    """The body."""


@dataclass(frozen=True)
class Response:
    """The answer to one request."""

    status: int
    """HTTP status."""
    document: dict[str, Any]
    """JSON body."""


Endpoint = Callable[[Request], Response]


class WebhookEndpoint:
    """Verifies the hub's and the originator's signatures, then stores exactly once."""

    def __init__(
        self,
        settings: ReceiverSettings,
        trust_store: TrustStore,
        store: ReceiverStore,
        metrics: ReceiverMetrics,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self._settings = settings
        self._trust_store = trust_store
        self._store = store
        self._metrics = metrics
        self._clock = clock

    def __call__(self, request: Request) -> Response:
        """Answer one request (see the module documentation)."""
        settings = self._settings
        try:
            signed = verify_request(
                request.method,
                request.target,
                request.headers,
                request.body,
                self._trust_store,
                settings.hub_id,
                self._clock(),
                settings.max_skew_s,
            )
        except WebhookAuthError as exc:
            logger.warning("refused a webhook request: %s", exc)
            return self._answer("unauthorized", 401, {"error": exc.reason, "detail": exc.detail})
        try:
            delivery = parse_webhook_body(request.body)
        except WebhookFormatError as exc:
            return self._answer("bad_request", 400, {"error": "malformed_body", "detail": str(exc)})
        if delivery.delivery_id != signed.delivery_id:
            detail = "the body's delivery_id is not the signed Corridor-Delivery-Id"
            return self._answer("bad_request", 400, {"error": "malformed_body", "detail": detail})
        if delivery.recipient != settings.agency:
            detail = f"addressed to {delivery.recipient}, this endpoint is {settings.agency}'s"
            return self._answer("bad_request", 403, {"error": "wrong_recipient", "detail": detail})
        record = delivery.record
        item = check_delivery(
            record.value,
            record.headers,
            self._trust_store,
            settings.topics,
            hub_id=settings.hub_id,
            partition=record.partition,
            offset=record.offset,
            decryption_key=settings.decryption_key,
            agency=settings.agency,
        )
        try:
            new = self._store.store(item, channel="webhook")
        except StoreError as exc:
            logger.error("could not store delivery %s: %s", delivery.delivery_id, exc)
            return self._answer("store_error", 503, {"error": "store_unavailable"})
        if not item.verified:
            logger.warning(
                "delivery %s stored as rejected: %s", delivery.delivery_id, item.document["reason"]
            )
        return self._answer(
            "stored" if new else "duplicate",
            200,
            {
                "delivery_id": delivery.delivery_id,
                "stored": new,
                "status": item.document["status"],
            },
        )

    def _answer(self, outcome: str, status: int, document: dict[str, Any]) -> Response:
        self._metrics.requests.labels(outcome).inc()
        return Response(status, document)


class _Handler(TlsHandler):
    def do_POST(self) -> None:
        length_text = self.headers.get("Content-Length")
        if length_text is None or not length_text.isdigit():
            self._send(Response(411, {"error": "length_required"}))
            return
        length = int(length_text)
        if length > MAX_BODY_BYTES:
            self._send(Response(413, {"error": "body_too_large"}))
            self.close_connection = True
            return
        body = self.rfile.read(length)
        request = Request("POST", self.path, list(self.headers.items()), body)
        self._send(self.server.endpoint(request))

    def do_GET(self) -> None:
        self._send(Response(405, {"error": "method_not_allowed"}))

    def _send(self, response: Response) -> None:
        payload = json.dumps(response.document).encode()
        self.send_response(response.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


class WebhookServer(HttpsServer):
    """The webhook receiver's HTTPS server; ``port`` 0 picks a free port."""

    handler = _Handler
    thread_name = "webhook-receiver"


def parse_listen(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (IPv6 as ``[::1]:8443``) to a bind address."""
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not host:
        raise ConfigError(f"--listen {text!r}: expected HOST:PORT, e.g. 127.0.0.1:8443")
    number = int(port)
    if number > 65535:
        raise ConfigError(f"--listen {text!r}: port out of range")
    return host.strip("[]"), number
