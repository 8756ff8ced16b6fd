"""The consumers' producers replace themselves after a send failed for want of the broker.

The fault matrix's two-down case found kafka-python's idempotent producer stuck for
good once a batch expired after it had been sent: the producer built after that
failure is what sends again.
"""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from kafka.errors import KafkaConnectionError, KafkaTimeoutError, MessageSizeTooLargeError

from consumers.errors import BrokerUnavailable
from consumers.kafka_clients import acked_producer, send_or_failed
from producers.renewable_producer import RETRY_BUILD_AFTER_S, RenewableProducer


class _Future:
    def __init__(self, error: Exception | None) -> None:
        self.is_done = True
        self.exception = error

    def succeeded(self) -> bool:
        return self.exception is None

    def add_errback(self, errback: Any, *args: Any) -> None:
        if self.exception is not None:
            errback(*args, self.exception)


class _Sender:
    def __init__(self) -> None:
        self.forced = False

    def force_close(self) -> None:
        self.forced = True

    def join(self, timeout: float) -> None:
        assert self.forced


class _Producer:
    """Answers every send with ``fail_with`` (None: acknowledged) until told otherwise."""

    built: ClassVar[list[_Producer]] = []

    def __init__(self, **config: Any) -> None:
        self.config = config
        self.sent: list[str] = []
        self.fail_with: Exception | None = None
        self.flush_times_out = False
        self.closed = False
        self._sender = _Sender()
        _Producer.built.append(self)

    def send(self, topic: str, **record: Any) -> _Future:
        self.sent.append(topic)
        return _Future(self.fail_with)

    def flush(self, timeout: float | None = None) -> None:
        if self.flush_times_out:
            raise KafkaTimeoutError("Timeout waiting for future")

    def close(self, timeout: float | None = None) -> None:
        self.closed = True


@pytest.fixture
def built() -> list[_Producer]:
    _Producer.built = []
    return _Producer.built


def _producer() -> Any:
    return acked_producer(_Producer, bootstrap="unused:1", client_id="unit")


def test_a_send_after_an_expired_batch_goes_to_a_new_producer(built: list[_Producer]) -> None:
    producer = _producer()
    built[0].fail_with = KafkaTimeoutError("Expiring 1 record(s): 30000 ms has passed")
    assert not send_or_failed(producer, "inbox", value=b"a").succeeded()

    assert send_or_failed(producer, "inbox", value=b"a").succeeded()

    assert len(built) == 2
    assert built[1].sent == ["inbox"]
    assert built[0]._sender.forced and built[0].closed
    assert built[1].config["enable_idempotence"] and built[1].config["acks"] == "all"


def test_a_flush_that_timed_out_renews_the_producer(built: list[_Producer]) -> None:
    producer = _producer()
    send_or_failed(producer, "inbox", value=b"a")
    built[0].flush_times_out = True
    with pytest.raises(KafkaTimeoutError):
        producer.flush(timeout=1)

    send_or_failed(producer, "inbox", value=b"a")
    producer.flush(timeout=1)

    assert len(built) == 2 and built[1].sent == ["inbox"]


def test_a_refused_record_keeps_the_producer(built: list[_Producer]) -> None:
    producer = _producer()
    built[0].fail_with = MessageSizeTooLargeError("too large")
    send_or_failed(producer, "inbox", value=b"a")
    built[0].fail_with = None
    send_or_failed(producer, "inbox", value=b"b")
    assert len(built) == 1 and built[0].sent == ["inbox", "inbox"]


def test_a_renewal_without_a_broker_fails_at_once_until_its_pause_ends() -> None:
    producers: list[_Producer] = [_Producer()]
    reachable = [True, False, True]

    def build() -> _Producer:
        if not reachable.pop(0):
            raise BrokerUnavailable("cannot reach Kafka")
        producers.append(_Producer())
        return producers[-1]

    now = [0.0]
    producer = RenewableProducer(build, clock=lambda: now[0])
    producers[1].fail_with = KafkaConnectionError("gone")
    producer.send("inbox", value=b"a")
    with pytest.raises(KafkaConnectionError):  # retriable: the callers' loops retry
        producer.send("inbox", value=b"a")
    with pytest.raises(KafkaConnectionError):  # at once, without another build
        producer.send("inbox", value=b"a")
    assert reachable == [True]
    now[0] = RETRY_BUILD_AFTER_S
    producer.send("inbox", value=b"a")
    assert producers[2].sent == ["inbox"]
    assert producer.renewals == 1


def test_closing_a_broken_producer_does_not_wait_for_it(built: list[_Producer]) -> None:
    producer = _producer()
    built[0].fail_with = KafkaTimeoutError("Expiring 1 record(s)")
    send_or_failed(producer, "inbox", value=b"a")
    producer.close(timeout=30)
    assert built[0]._sender.forced and built[0].closed and len(built) == 1
