"""read_to_end: an unreachable broker is a BrokerUnavailable (exit 3), not kafka-python's error."""

from __future__ import annotations

from typing import Any

import pytest
from kafka.errors import KafkaTimeoutError

from consumers import topic_reader
from consumers.errors import BrokerUnavailable


def test_an_unreachable_broker_is_broker_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    def unreachable(**config: Any) -> Any:
        raise KafkaTimeoutError("Unable to bootstrap from ['127.0.0.1:1']")

    monkeypatch.setattr(topic_reader, "KafkaConsumer", unreachable)
    with pytest.raises(BrokerUnavailable, match=r"cannot reach Kafka at 127\.0\.0\.1:1"):
        topic_reader.read_to_end("127.0.0.1:1", "corridor.inbox.GR-HCG")
