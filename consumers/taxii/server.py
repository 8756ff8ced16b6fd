"""Serves a :class:`~consumers.taxii.endpoint.TaxiiEndpoint` over HTTPS.

The same HTTPS server as the webhook receiver (:mod:`consumers.https.server`: TLS 1.2+,
the handshake in the connection's own thread, one thread per connection).
Why not a framework: docs/stix-taxii.md, "The server".
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from consumers.https.server import HttpsServer, TlsHandler
from consumers.taxii.endpoint import TAXII_MEDIA_TYPE, TaxiiRequest, TaxiiResponse

logger = logging.getLogger(__name__)

Endpoint = Callable[[TaxiiRequest], TaxiiResponse]
#: Request bodies are never needed (read-only); larger ones are refused unread.
_MAX_BODY = 1 << 20


class _Handler(TlsHandler):
    server_version = "corridor-taxii"
    sys_version = ""

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


class TaxiiServer(HttpsServer):
    """The TAXII server's HTTPS server; ``port`` 0 picks a free port."""

    handler = _Handler
    thread_name = "taxii-server"
