"""One HTTPS server arrangement for Corridor's HTTP endpoints (webhook receiver, TAXII).

The stdlib ``http.server`` with ``ssl``: TLS 1.2+, one thread per connection, and
the TLS handshake in the connection's own thread so that a slow client cannot hold
up accepting others. Each endpoint brings its request handler (a subclass of
:class:`TlsHandler`) and a pure ``endpoint`` callable the handler reaches as
``self.server.endpoint``.
"""

from __future__ import annotations

import http.server
import logging
import socket
import ssl
import sys
import threading
from pathlib import Path
from typing import Any

from schemas.errors import ConfigError

logger = logging.getLogger(__name__)


def server_tls_context(cert_file: Path, key_file: Path) -> ssl.SSLContext:
    """TLS 1.2+ server context from PEM certificate (chain) and key files."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(certfile=str(cert_file), keyfile=str(key_file))
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(
            f"cannot load the TLS certificate {cert_file} and key {key_file}: {exc}"
        ) from exc
    return context


class TlsHandler(http.server.BaseHTTPRequestHandler):
    """Base request handler: handshake in this thread, a timeout, HTTP/1.1, quiet log."""

    server: TlsServer
    timeout = 30
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        self.request.settimeout(self.timeout)
        self.request.do_handshake()
        super().setup()

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s %s", self.address_string(), format % args)


class TlsServer(http.server.ThreadingHTTPServer):
    """Accepts connections and wraps them in TLS without handshaking yet."""

    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        endpoint: Any,
        context: ssl.SSLContext,
        handler: type[TlsHandler],
    ) -> None:
        self.endpoint = endpoint
        self._context = context
        super().__init__(address, handler)

    def get_request(self) -> tuple[socket.socket, Any]:
        conn, address = self.socket.accept()
        # The handshake runs in the connection's thread (TlsHandler.setup).
        tls = self._context.wrap_socket(conn, server_side=True, do_handshake_on_connect=False)
        return tls, address

    def handle_error(self, request: Any, client_address: Any) -> None:
        # E.g. a failed TLS handshake, or a client that left before the answer.
        error = sys.exc_info()[1]
        logger.warning("connection from %s failed: %r", client_address[0], error)


class HttpsServer:
    """An HTTPS server for one endpoint; ``port`` 0 picks a free port."""

    handler: type[TlsHandler] = TlsHandler
    thread_name = "https-server"

    def __init__(
        self, endpoint: Any, host: str, port: int, cert_file: Path, key_file: Path
    ) -> None:
        context = server_tls_context(cert_file, key_file)
        try:
            self._server = TlsServer((host, port), endpoint, context, self.handler)
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
            target=self._server.serve_forever, name=self.thread_name, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving (if it started) and close the socket."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
        self._server.server_close()
