"""One signed webhook POST over HTTPS, and how its outcome is classified.

Each attempt is signed afresh (a new ``Corridor-Timestamp``), carries the same
delivery id and body, and follows no redirects. The URL is never logged: it may
carry a token of the receiving agency.
"""

from __future__ import annotations

import datetime as dt
import http.client
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from consumers.webhooks.signing import sign_request
from schemas.errors import ConfigError

USER_AGENT = "corridor-webhooks/1"
#: Statuses worth another attempt besides 5xx: the receiver said "later".
RETRIABLE_4XX = frozenset({408, 425, 429})
_MAX_RESPONSE_READ = 64 * 1024


@dataclass(frozen=True)
class PostResult:
    """The outcome of one POST."""

    status: int | None
    """HTTP status, None when no response arrived (connection, TLS or timeout error)."""
    error: str | None
    """Why it failed, None when it succeeded."""
    seconds: float
    """How long it took."""

    @property
    def ok(self) -> bool:
        """The receiver accepted it (2xx)."""
        return self.status is not None and 200 <= self.status < 300

    @property
    def retriable(self) -> bool:
        """Another attempt may succeed: no response, 5xx, 408, 425 or 429.

        Other statuses (4xx: bad signature, wrong recipient, malformed) will not change
        by repeating the same request, so the delivery goes to the dead letters at once.
        """
        return self.status is None or self.status >= 500 or self.status in RETRIABLE_4XX

    @property
    def outcome(self) -> str:
        """Metric label: delivered, http_4xx, http_5xx, http_other or network_error."""
        if self.status is None:
            return "network_error"
        if self.ok:
            return "delivered"
        if 400 <= self.status < 600:
            return f"http_{self.status // 100}xx"
        return "http_other"


def tls_context(ca_file: Path | None) -> ssl.SSLContext:
    """Certificate-verifying client context: system CAs, or only those in ``ca_file``."""
    try:
        context = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(f"cannot load CA certificates from {ca_file}: {exc}") from exc
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


class WebhookClient:
    """Signs and POSTs deliveries as the hub; safe to share between threads."""

    def __init__(
        self,
        hub_key: Ed25519PrivateKey,
        *,
        timeout_s: float,
        ca_file: Path | None = None,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self._key = hub_key
        self._timeout_s = timeout_s
        self._context = tls_context(ca_file)
        self._clock = clock

    def post(self, url: str, delivery_id: str, body: bytes) -> PostResult:
        """POST ``body`` to ``url`` signed for ``delivery_id``; never raises for I/O errors."""
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname:
            return PostResult(None, "not an https:// URL", 0.0)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            **sign_request(target, delivery_id, body, self._key, self._clock()),
        }
        started = time.monotonic()
        connection = http.client.HTTPSConnection(
            parts.hostname, parts.port, timeout=self._timeout_s, context=self._context
        )
        try:
            connection.request("POST", target, body=body, headers=headers)
            response = connection.getresponse()
            response.read(_MAX_RESPONSE_READ)
            status = response.status
        except (OSError, http.client.HTTPException) as exc:
            return PostResult(None, f"{type(exc).__name__}: {exc}", time.monotonic() - started)
        finally:
            connection.close()
        elapsed = time.monotonic() - started
        if 200 <= status < 300:
            return PostResult(status, None, elapsed)
        return PostResult(status, f"HTTP {status}", elapsed)
