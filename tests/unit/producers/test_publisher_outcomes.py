"""AlertPublisher gives every alert an outcome within its deadline, and closing never raises.

The producer is a stand-in whose futures end as scripted: acknowledged, refused by the
broker, expired by the delivery timeout, never completed (the broker died), or refused
before the record reached the producer.
"""

from __future__ import annotations

import threading
import time
from collections import namedtuple
from typing import Any, ClassVar

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from kafka.errors import (
    KafkaConnectionError,
    KafkaTimeoutError,
    MessageSizeTooLargeError,
    TopicAuthorizationFailedError,
)

from producers import publisher as publisher_module
from producers.outcomes import may_have_been_written
from producers.publisher import AlertPublisher
from producers.scenarios import sample_alert
from producers.settings import PublisherSettings
from schemas.json_mapping import alert_from_json
from schemas.signing import SignedRecord, sign_alert
from schemas.topics import TopicNames

Metadata = namedtuple("Metadata", "partition offset")
PENDING = object()
"""A send the broker never answers."""
NEVER = threading.Event()
"""Never set: waiting on it is waiting for an answer that does not come."""


class FakeFuture:
    """A producer future that ends as scripted (or never, for PENDING)."""

    def __init__(self, result: object) -> None:
        self.result = result

    @property
    def is_done(self) -> bool:
        return self.result is not PENDING

    def add_both(self, callback: Any) -> None:
        if self.result is not PENDING:
            callback(self.result)  # kafka-python calls back at once when already done

    def add_errback(self, errback: Any, *args: Any) -> None:
        if isinstance(self.result, Exception):
            errback(*args, self.result)

    def failed(self) -> bool:
        return isinstance(self.result, Exception)

    @property
    def exception(self) -> Any:
        return self.result

    @property
    def value(self) -> Any:
        return self.result

    def get(self, timeout: float) -> Any:
        if self.result is PENDING:
            NEVER.wait(timeout)  # the broker never answers
            raise KafkaTimeoutError(f"Timeout after waiting for {timeout} secs.")
        if isinstance(self.result, Exception):
            raise self.result
        return self.result


class FakeSender:
    def __init__(self) -> None:
        self.forced = False

    def force_close(self) -> None:
        self.forced = True

    def join(self, timeout: float) -> None:
        return None


class FakeProducer:
    """Answers each send with the next scripted result; close raises like kafka-python's."""

    script: ClassVar[list[object]] = []
    built: ClassVar[list[FakeProducer]] = []

    def __init__(self, **config: Any) -> None:
        FakeProducer.built.append(self)
        self.results = self.script  # shared: a renewed producer goes on with the script
        self.futures: list[FakeFuture] = []
        self._sender = FakeSender()
        self.closed = False

    def partitions_for(self, topic: str) -> set[int]:
        return {0}

    def send(self, topic: str, **record: Any) -> FakeFuture:
        result = self.results.pop(0)
        if isinstance(result, type) and issubclass(result, Exception):
            raise result("refused before sending")
        future = FakeFuture(result)
        self.futures.append(future)
        return future

    def close(self, timeout: float) -> None:
        if not self._sender.forced and any(not f.is_done for f in self.futures):
            raise KafkaTimeoutError("Timeout waiting for future")
        self.closed = True


def _records(key: Ed25519PrivateKey, count: int) -> list[SignedRecord]:
    records = []
    for i in range(count):
        datum, _ = alert_from_json(sample_alert("PK-FIA", 100 + i))
        records.append(sign_alert(datum, key, TopicNames()))
    return records


@pytest.fixture(autouse=True)
def short_grace(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(publisher_module, "EXPIRY_GRACE_S", 0.1)


def _publisher(script: list[object], timeout_s: float = 0.3) -> AlertPublisher:
    FakeProducer.script = script
    FakeProducer.built = []
    settings = PublisherSettings(bootstrap="127.0.0.1:1", delivery_timeout_s=timeout_s)
    return AlertPublisher(settings, Ed25519PrivateKey.generate(), producer_factory=FakeProducer)


def test_every_alert_gets_an_outcome(fia_key: Ed25519PrivateKey) -> None:
    script: list[object] = [
        Metadata(2, 41),
        TopicAuthorizationFailedError("x"),
        MessageSizeTooLargeError("too large"),
        KafkaTimeoutError("Expiring 1 record(s): 6000 ms has passed since batch creation"),
        KafkaConnectionError("connection lost"),
        PENDING,
        KafkaTimeoutError,  # raised by send(): never handed to the producer
    ]
    publisher = _publisher(script)
    started = time.monotonic()
    outcomes = publisher.publish(_records(fia_key, len(script)))
    elapsed = time.monotonic() - started
    publisher.close()
    assert [o.status for o in outcomes] == [
        "published",
        "failed",
        "failed",
        "unknown",
        "unknown",
        "unknown",
        "failed",
    ]
    assert (outcomes[0].partition, outcomes[0].offset) == (2, 41)
    assert all(o.error for o in outcomes[1:])
    assert "the broker answered nothing for 0.3 s" in str(outcomes[5].error)
    assert elapsed < 0.3 + 0.1 + 0.5, "bounded by the delivery timeout and the grace"


def test_outcomes_come_as_soon_as_known(fia_key: Ed25519PrivateKey) -> None:
    publisher = _publisher([Metadata(0, 1), PENDING, Metadata(0, 2)])
    each = publisher.publish_each(_records(fia_key, 3))
    first = next(each)  # before the pending one is given up on
    assert (first.status, first.offset) == ("published", 1)
    assert [o.status for o in each] == ["unknown", "published"]
    publisher.close()


def test_close_with_records_pending_does_not_raise(fia_key: Ed25519PrivateKey) -> None:
    publisher = _publisher([PENDING, PENDING])
    with publisher:
        assert [o.status for o in publisher.publish(_records(fia_key, 2))] == ["unknown"] * 2
    producer: Any = publisher._producer
    assert producer._sender.forced and producer.closed


class SlowSend(FakeProducer):
    def send(self, topic: str, **record: Any) -> FakeFuture:
        NEVER.wait(0.05)  # send() blocks, as when the producer's buffer is full
        return super().send(topic, **record)


def _slow_publisher(script: list[object]) -> AlertPublisher:
    SlowSend.script = script
    settings = PublisherSettings(bootstrap="127.0.0.1:1", delivery_timeout_s=0.2)
    return AlertPublisher(settings, Ed25519PrivateKey.generate(), producer_factory=SlowSend)


def test_a_busy_broker_is_waited_for(fia_key: Ed25519PrivateKey) -> None:
    # 20 sends of 0.05 s take 1 s, five times the delivery timeout: all acknowledged.
    publisher = _slow_publisher([Metadata(0, i) for i in range(20)])
    outcomes = publisher.publish(_records(fia_key, 20))
    publisher.close()
    assert [o.offset for o in outcomes] == list(range(20))


def test_after_a_stall_the_rest_is_not_sent(fia_key: Ed25519PrivateKey) -> None:
    # Two acknowledged, then the broker dies: nothing completes any more.
    publisher = _slow_publisher([Metadata(0, 0), Metadata(0, 1)] + [PENDING] * 30)
    started = time.monotonic()
    outcomes = publisher.publish(_records(fia_key, 32))
    elapsed = time.monotonic() - started
    publisher.close()
    statuses = [o.status for o in outcomes]
    assert statuses[:2] == ["published", "published"]
    sent = len(publisher._producer.futures)
    assert 2 < sent < 32, "sending stopped once the broker answered nothing for the timeout"
    assert statuses[2:sent] == ["unknown"] * (sent - 2)
    assert statuses[sent:] == ["failed"] * (32 - sent)
    assert "not sent" in str(outcomes[-1].error)
    assert elapsed < 0.2 + 0.1 + 0.5


@pytest.mark.parametrize(
    ("exc", "maybe"),
    [
        pytest.param(KafkaTimeoutError("expired"), True, id="expired"),
        pytest.param(KafkaConnectionError("lost"), True, id="retriable"),
        pytest.param(MessageSizeTooLargeError("big"), False, id="too-large"),
        pytest.param(TopicAuthorizationFailedError("acl"), False, id="acl"),
        pytest.param(ValueError("x"), False, id="other"),
    ],
)
def test_which_errors_leave_the_outcome_unknown(exc: Exception, maybe: bool) -> None:
    assert may_have_been_written(exc) is maybe


def test_a_publish_after_an_expired_send_goes_to_a_new_producer(
    fia_key: Ed25519PrivateKey,
) -> None:
    # kafka-python's idempotent producer never sends again after a batch that had been
    # sent expired (the fault matrix's two-down case): a new producer must take over.
    script: list[object] = [
        KafkaTimeoutError("Expiring 1 record(s): 30000 ms has passed since batch creation"),
        Metadata(0, 7),
    ]
    publisher = _publisher(script)
    first, second = _records(fia_key, 2)
    assert publisher.publish([first])[0].status == "unknown"
    assert publisher.publish([second])[0].status == "published"
    publisher.close()
    old, new = FakeProducer.built
    assert old._sender.forced and old.closed
    assert new.futures and new.closed
