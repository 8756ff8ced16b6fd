"""Refusals by the broker become one-line errors that say what to fix."""

from __future__ import annotations

import logging
import socket
from pathlib import Path
from typing import Any

import pytest
from kafka.errors import (
    ClusterAuthorizationFailedError,
    GroupAuthorizationFailedError,
    KafkaTimeoutError,
    TopicAuthorizationFailedError,
)

from producers.errors import BrokerUnavailable
from producers.kafka_client import access_error, client_config, connect, diagnose, speaks_tls
from schemas.client_security import PLAINTEXT_CLIENT, ClientSecurity
from schemas.errors import AuthenticationFailed, NotAuthorized

SCRAM = ClientSecurity(protocol="SASL_SSL", username="TR-SG", password="pw")


def test_topic_refusal_names_topic_and_principal() -> None:
    error = access_error(
        TopicAuthorizationFailedError("corridor.inbound.PK-FIA"),
        SCRAM,
        action="write",
        resource="corridor.inbound.PK-FIA",
    )
    assert isinstance(error, NotAuthorized)
    assert str(error) == "not authorized to write topic corridor.inbound.PK-FIA as User:TR-SG"


def test_group_and_cluster_refusals() -> None:
    group = access_error(GroupAuthorizationFailedError("corridor-inbox-PK-FIA"), SCRAM)
    assert str(group) == "not authorized to use consumer group corridor-inbox-PK-FIA as User:TR-SG"
    cluster = access_error(ClusterAuthorizationFailedError(), PLAINTEXT_CLIENT)
    assert str(cluster) == "not authorized to perform cluster operations"


@pytest.mark.parametrize(
    ("line", "security", "expected"),
    [
        (
            "Connection lost: [Error 58] SaslAuthenticationFailedError: Authentication failed "
            "during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512",
            SCRAM,
            "authentication failed as User:TR-SG at b:1: wrong user name or password",
        ),
        (
            "Connection lost: KafkaConnectionError: [SSL: SSLV3_ALERT_BAD_CERTIFICATE] sslv3 "
            "alert bad certificate (_ssl.c:2580)",
            ClientSecurity(protocol="SSL"),
            "requires a client certificate",
        ),
        (
            "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed",
            SCRAM,
            "is not trusted: set ca_file",
        ),
        (
            "Connection lost: InvalidReceiveError: Invalid frame length: 352518912",
            PLAINTEXT_CLIENT,
            "speaks TLS, not PLAINTEXT",
        ),
    ],
)
def test_diagnose(line: str, security: ClientSecurity, expected: str) -> None:
    cause = diagnose([line], "b:1", security)
    assert cause is not None
    assert expected in cause


def test_unknown_cause_is_none() -> None:
    assert diagnose(["Connection refused"], "b:1", SCRAM) is None


def _failing_factory(message: str) -> Any:
    def factory(**config: Any) -> Any:
        logging.getLogger("kafka.net.connection").error(message)
        raise KafkaTimeoutError("Unable to bootstrap from b:1")

    return factory


def test_connect_turns_a_logged_sasl_failure_into_authentication_failed() -> None:
    logger = logging.getLogger("kafka")
    logger.setLevel(logging.CRITICAL)  # as the CLI configures it
    try:
        with pytest.raises(AuthenticationFailed, match="wrong user name or password"):
            connect(
                _failing_factory("SaslAuthenticationFailedError: Authentication failed"),
                bootstrap="b:1",
                security=SCRAM,
                unavailable=BrokerUnavailable,
            )
        assert logger.level == logging.CRITICAL
    finally:
        logger.setLevel(logging.NOTSET)


def test_connect_without_a_known_cause_is_unavailable() -> None:
    with pytest.raises(BrokerUnavailable, match="cannot reach Kafka at b:1") as info:
        connect(
            _failing_factory("Connection refused"),
            bootstrap="b:1",
            security=PLAINTEXT_CLIENT,
            unavailable=BrokerUnavailable,
        )
    assert info.value.retriable


def test_connect_passes_the_configuration(tmp_path: Path) -> None:
    seen: dict[str, Any] = {}

    def factory(*args: Any, **config: Any) -> str:
        seen.update(config, args=args)
        return "client"

    assert connect(factory, "t", bootstrap="b", unavailable=BrokerUnavailable, x=1) == "client"
    assert seen == {"x": 1, "args": ("t",)}


def test_a_plaintext_listener_does_not_speak_tls() -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        assert not speaks_tls(f"127.0.0.1:{port}", timeout=0.5)
    assert not speaks_tls(f"127.0.0.1:{port}", timeout=0.5)  # closed: nothing listens


def test_client_passwords_never_reach_the_log(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="kafka")
    config = {**client_config("b:1", SCRAM), "client_id": "x"}
    # What kafka-python's admin client logs at DEBUG when it starts.
    logging.getLogger("kafka.admin.client").debug(
        "Starting KafkaAdminClient with configuration: %s", config
    )
    assert "Starting KafkaAdminClient with configuration" in caplog.text
    assert "'sasl_plain_username': 'TR-SG'" in caplog.text
    assert "'sasl_plain_password': '[redacted]'" in caplog.text
    assert config["sasl_plain_password"] == "pw"  # the client's own settings are untouched
