"""Serves a :class:`~consumers.taxii.endpoint.TaxiiEndpoint` over HTTPS.

The same stdlib ``http.server`` + ``ssl`` arrangement as the webhook receiver (TLS 1.2+,
the handshake in the connection's own thread, one thread per connection), with the
same certificate loading (:func:`consumers.webhook_receiver.server_tls_context`).
Why not a framework: docs/stix-taxii.md, "The server".
"""

from __future__ import annotations

import http.server
import json
import logging
import socket
import ssl
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from consumers.taxii.endpoint import TAXII_MEDIA_TYPE, TaxiiRequest, TaxiiResponse
from consumers.webhook_receiver import server_tls_context
from schemas.errors import ConfigError

logger = logging.getLogger(__name__)

Endpoint = Callable[[TaxiiRequest], TaxiiResponse]
#: Request bodies are never needed (read-only); larger ones are refused unread.
_MAX_BODY = 1 << 20


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _TLSServer
    timeout = 30
    protocol_version = "HTTP/1.1"
    server_version = "corridor-taxii"
    sys_version = ""

    def setup(self) -> None:
        self.request.settimeout(self.timeout)
        self.request.do_handshake()
        super().setup()

    def do_GET(self) -> None:
        self._answer("GET")

    def do_POST(self) -> None:
        self._answer("POST")

    def do_PUT(self) -> None:
        self._answer("PUT")

    def do_DELETE(self) -> None:
        self._answer("DELETE")

    def _answer(self, method: str) -> None:
        length = self.headers.get("Content-Length", "0")
        if not length.isdigit() or int(length) > _MAX_BODY:
            self.close_connection = True
        else:
            self.rfile.read(int(length))
        request = TaxiiRequest(method, self.path, list(self.headers.items()))
        response = self.server.endpoint(request)
        payload = json.dumps(response.body).encode()
        self.send_response(response.status)
        self.send_header("Content-Type", TAXII_MEDIA_TYPE)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s %s", self.address_string(), format % args)


class _TLSServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], endpoint: Endpoint, context: ssl.SSLContext):
        self.endpoint = endpoint
        self._context = context
        super().__init__(address, _Handler)

    def get_request(self) -> tuple[socket.socket, Any]:
        conn, address = self.socket.accept()
        tls = self._context.wrap_socket(conn, server_side=True, do_handshake_on_connect=False)
        return tls, address

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        logger.warning("connection from %s failed: %r", client_address[0], error)


class TaxiiServer:
    """An HTTPS server for one endpoint; ``port`` 0 picks a free port."""

    def __init__(
        self, endpoint: Endpoint, host: str, port: int, cert_file: Path, key_file: Path
    ) -> None:
        context = server_tls_context(cert_file, key_file)
        try:
            self._server = _TLSServer((host, port), endpoint, context)
        except OSError as exc:
            raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The port it listens on."""
        return int(self._server.server_address[1])

    def start(self) -> None:
        """Serve in a background thread."""
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="taxii-server", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving (if it started) and close the socket."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
        self._server.server_close()
