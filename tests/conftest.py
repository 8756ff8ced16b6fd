"""Shared pytest fixtures.

``kafka_bootstrap`` gives integration tests a real Kafka broker: the one named by the
``KAFKA_BOOTSTRAP`` environment variable if set, otherwise a throw-away single-node KRaft
broker started for the session by ``deploy/kafka_local`` (``deploy`` is on pytest's
``pythonpath``, see pyproject.toml).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from kafka_local.config import BrokerConfig
from kafka_local.errors import KafkaToolError
from kafka_local.node import LocalKafka


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Bootstrap address (``host:port``) of a Kafka broker for the whole test session."""
    external = os.environ.get("KAFKA_BOOTSTRAP", "").strip()
    if external:
        yield external
        return

    home = tmp_path_factory.mktemp("kafka")
    broker = LocalKafka(BrokerConfig.on_free_ports(home))
    try:
        bootstrap = broker.start(timeout=120.0)
    except KafkaToolError as exc:
        broker.stop()  # a broker that started but never answered must not outlive the session
        pytest.fail(
            "could not start the local Kafka broker for integration tests "
            f"(set KAFKA_BOOTSTRAP to use an existing one):\n{exc}",
            pytrace=False,
        )
    try:
        yield bootstrap
    finally:
        broker.stop()


@pytest.fixture
def topic_name() -> str:
    """A topic name no other test uses."""
    return f"test-{uuid.uuid4().hex}"
