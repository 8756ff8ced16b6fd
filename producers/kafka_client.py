"""kafka-python clients with the deployment's security, and their refusals as clear errors.

kafka-python reports a failed authentication only as "Unable to bootstrap" (the cause goes to
its log), so :func:`connect` listens to its connection log while a client bootstraps and
names the cause: wrong password, missing or untrusted certificate, TLS/PLAINTEXT mismatch.
:func:`access_error` turns the broker's authorization errors into one-line messages naming
the principal, e.g. ``not authorized to write corridor.inbound.PK-FIA as User:TR-SG``.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import ssl
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from kafka.errors import (
    AuthorizationError,
    ClusterAuthorizationFailedError,
    GroupAuthorizationFailedError,
    KafkaError,
    SaslAuthenticationFailedError,
    TopicAuthorizationFailedError,
)

from schemas.client_security import PLAINTEXT, PLAINTEXT_CLIENT, SASL_SSL, ClientSecurity
from schemas.errors import AuthenticationFailed, CorridorError, KafkaAccessError, NotAuthorized

T = TypeVar("T")

_KAFKA_LOGGER = "kafka"


_SECRET_KEYS = ("sasl_plain_password", "ssl_password")


class RedactSecrets(logging.Filter):
    """Masks client passwords in kafka-python's log records (its admin client logs its whole
    configuration at DEBUG)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, dict):
            record.args = _redacted(args)
        elif isinstance(args, tuple):
            record.args = tuple(_redacted(a) if isinstance(a, dict) else a for a in args)
        return True


def _redacted(values: Any) -> Any:
    if not any(values.get(key) for key in _SECRET_KEYS):
        return values
    return {k: ("[redacted]" if k in _SECRET_KEYS and v else v) for k, v in values.items()}


for _name in ("kafka.admin.client", "kafka.producer.kafka", "kafka.consumer.group"):
    logging.getLogger(_name).addFilter(RedactSecrets())


def client_config(bootstrap: str, security: ClientSecurity = PLAINTEXT_CLIENT) -> dict[str, Any]:
    """``bootstrap_servers`` and the security settings of a kafka-python client."""
    return {"bootstrap_servers": bootstrap.split(","), **security.kafka_config()}


class _ConnectionLog(logging.Handler):
    """Collects kafka-python's connection failure messages while a client bootstraps."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if len(self.messages) < 50:
            with contextlib.suppress(Exception):
                self.messages.append(record.getMessage())


@contextlib.contextmanager
def _listening() -> Iterator[_ConnectionLog]:
    handler = _ConnectionLog()
    logger = logging.getLogger(_KAFKA_LOGGER)
    level, propagate = logger.level, logger.propagate
    if logger.getEffectiveLevel() > logging.WARNING:
        # The CLI silences kafka-python; hear its failures here without passing them on.
        logger.setLevel(logging.WARNING)
        logger.propagate = False
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate


def diagnose(messages: list[str], bootstrap: str, security: ClientSecurity) -> str | None:
    """Why the broker refused the connection, from kafka-python's log lines (None: unknown)."""
    text = "\n".join(messages)
    who = security.as_principal()
    if "SaslAuthenticationFailed" in text or "Authentication failed" in text:
        return f"authentication failed{who} at {bootstrap}: wrong user name or password"
    if "CERTIFICATE_VERIFY_FAILED" in text:
        return (
            f"the certificate of {bootstrap} is not trusted: set ca_file to the CA that signed it"
        )
    if "BAD_CERTIFICATE" in text or "CERTIFICATE_REQUIRED" in text:
        return (
            f"{bootstrap} refused the TLS connection{who}: it requires a client certificate "
            "signed by its CA (mutual TLS: cert_file and key_file)"
        )
    if "Invalid frame length" in text and security.protocol == PLAINTEXT:
        return (
            f"{bootstrap} speaks TLS, not PLAINTEXT: this broker needs a security file "
            "(--kafka-security) with protocol SSL or SASL_SSL"
        )
    if security.tls and ("WRONG_VERSION_NUMBER" in text or "record layer failure" in text):
        return f"{bootstrap} does not speak TLS: use protocol PLAINTEXT for this listener"
    return None


def speaks_tls(bootstrap: str, timeout: float = 3.0) -> bool:
    """True if the first bootstrap server completes a TLS handshake (nothing is verified).

    A PLAINTEXT client's request to a TLS listener sometimes ends in a bare disconnect
    instead of a telltale answer; this tells that case apart from a broker that is down.
    """
    host, _, port = bootstrap.split(",", 1)[0].strip().rpartition(":")
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # only asks "is this TLS?"; no data is exchanged
    try:
        with (
            socket.create_connection((host.strip("[]"), int(port)), timeout=timeout) as raw,
            context.wrap_socket(raw, server_hostname=host.strip("[]")),
        ):
            return True
    except (OSError, ValueError):
        return False


def _diagnose_disconnect(
    messages: list[str], bootstrap: str, security: ClientSecurity
) -> str | None:
    """Name the cause when the broker just closed the connection (it answers nothing else).

    A PLAINTEXT request to a TLS listener, or a failed SCRAM exchange, often ends in a bare
    disconnect: kafka-python loses the race with the broker's close. A listener that completes
    a TLS handshake is up, so the refusal is about the protocol or the credentials.
    """
    if security.protocol == PLAINTEXT:
        if speaks_tls(bootstrap):
            return diagnose(["Invalid frame length"], bootstrap, security)
        return None
    disconnected = any("socket disconnected" in m for m in messages)
    if security.protocol == SASL_SSL and disconnected and speaks_tls(bootstrap):
        return (
            f"{bootstrap} closed the connection while authenticating{security.as_principal()}: "
            f"wrong user name or password (or {security.sasl_mechanism} is not enabled there)"
        )
    return None


def connect(
    factory: Callable[..., T],
    *args: Any,
    bootstrap: str,
    security: ClientSecurity = PLAINTEXT_CLIENT,
    unavailable: Callable[[str], CorridorError],
    **kwargs: Any,
) -> T:
    """Call ``factory(*args, **kwargs)`` to build a kafka-python client and explain refusals.

    ``kwargs`` carry the whole client configuration, :func:`client_config` included;
    ``bootstrap`` and ``security`` only name the target and principal in messages.

    Raises:
        AuthenticationFailed: the broker refused the credentials or the TLS settings.
        NotAuthorized: an ACL refused the first request (e.g. the admin client's metadata).
        CorridorError: from ``unavailable(message)`` when the broker cannot be reached.
    """
    with _listening() as log:
        try:
            return factory(*args, **kwargs)
        except AuthorizationError as exc:
            raise access_error(exc, security) from exc
        except SaslAuthenticationFailedError as exc:
            raise AuthenticationFailed(
                diagnose([str(exc)], bootstrap, security) or str(exc)
            ) from exc
        except KafkaError as exc:
            cause = diagnose(log.messages, bootstrap, security)
            if cause is None:
                cause = _diagnose_disconnect(log.messages, bootstrap, security)
            if cause is not None:
                raise AuthenticationFailed(cause) from exc
            raise unavailable(
                f"cannot reach Kafka at {bootstrap}: {exc}. Is the broker running "
                "(make kafka-up) and KAFKA_BOOTSTRAP right?"
            ) from exc


def access_error(
    exc: KafkaError,
    security: ClientSecurity,
    *,
    action: str | None = None,
    resource: str | None = None,
) -> KafkaAccessError:
    """A one-line error for an authorization failure: what was refused, to whom."""
    who = security.as_principal()
    if isinstance(exc, TopicAuthorizationFailedError):
        what = f"{action or 'use'} topic {resource or _detail(exc)}"
    elif isinstance(exc, GroupAuthorizationFailedError):
        what = f"use consumer group {_detail(exc) or resource}"
    elif isinstance(exc, ClusterAuthorizationFailedError):
        what = "perform cluster operations"
    elif isinstance(exc, SaslAuthenticationFailedError):
        return AuthenticationFailed(f"authentication failed{who}: wrong user name or password")
    else:
        what = f"{action or 'do that'}{f' on {resource}' if resource else ''}"
    return NotAuthorized(f"not authorized to {what}{who}")


def is_access_error(exc: BaseException) -> bool:
    """True for the broker's authorization and authentication refusals."""
    return isinstance(exc, AuthorizationError | SaslAuthenticationFailedError)


def _detail(exc: KafkaError) -> str:
    """The resource kafka-python names in an authorization error (its message)."""
    message = str(exc)
    return message.rsplit(": ", 1)[-1] if ": " in message else ""
