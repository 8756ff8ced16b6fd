"""Acknowledged sends: retried while they may succeed, refused at once when they cannot."""

from __future__ import annotations

import asyncio
import time
from types import SimpleNamespace
from typing import Any

import aiokafka.errors as aiokafka_errors
import pytest
from faust.exceptions import ProducerSendError

from producers.errors import SendInterrupted, SendRefused
from streams.sending import STOP_POLL_S, Sending, send_acknowledged, send_all_acknowledged


class _Topic:
    """A topic whose sends fail with ``errors`` in turn (then succeed), as Faust's do."""

    def __init__(self, *errors: BaseException) -> None:
        self.errors = list(errors)
        self.attempts = 0
        self.delivered: list[bytes] = []

    def get_topic_name(self) -> str:
        return "out"

    async def send(self, *, key: bytes | None, value: bytes, headers: Any) -> Any:
        self.attempts += 1
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        if self.errors:
            error = self.errors.pop(0)
            try:
                raise ProducerSendError(f"Error while sending: {error!r}") from error
            except ProducerSendError as exc:
                future.set_exception(exc)
        else:
            self.delivered.append(value)
            future.set_result("metadata")
        return future


@pytest.mark.parametrize(
    ("error", "record_refused"),
    [
        (aiokafka_errors.MessageSizeTooLargeError(), True),
        (aiokafka_errors.RecordTooLargeError(), True),
        (aiokafka_errors.TopicAuthorizationFailedError(), False),
    ],
    ids=["message-too-large", "record-too-large", "not-authorized"],
)
def test_a_send_that_cannot_succeed_is_refused_without_retry(
    error: BaseException, record_refused: bool
) -> None:
    topic = _Topic(*[error] * 5)
    with pytest.raises(SendRefused) as info:
        asyncio.run(send_acknowledged(topic, b"k", b"v", backoff=(0.0, 0.0)))
    assert topic.attempts == 1
    assert info.value.record_refused is record_refused
    assert info.value.topic == "out"
    assert type(error).__name__ in str(info.value)


def test_retriable_failures_then_a_refusal() -> None:
    topic = _Topic(aiokafka_errors.KafkaTimeoutError(), aiokafka_errors.MessageSizeTooLargeError())
    with pytest.raises(SendRefused):
        asyncio.run(send_acknowledged(topic, b"k", b"v", backoff=(0.0, 0.0)))
    assert topic.attempts == 2
    assert topic.delivered == []


def test_a_retrying_send_stops_promptly_when_asked() -> None:
    topic = _Topic(*[aiokafka_errors.KafkaTimeoutError()] * 1000)
    stop_at = time.monotonic() + 0.3

    async def run() -> None:
        await send_acknowledged(
            topic, b"k", b"v", backoff=(30.0, 30.0), stopping=lambda: time.monotonic() > stop_at
        )

    started = time.monotonic()
    with pytest.raises(SendInterrupted):
        asyncio.run(run())
    # Within one poll of the request, although the backoff is 30 s.
    assert time.monotonic() - started < 0.3 + 2 * STOP_POLL_S + 0.5
    assert topic.delivered == []


def test_a_healthy_send_completes_when_a_stop_was_asked() -> None:
    """Only a send the broker leaves unacknowledged is abandoned on stop."""
    topic = _Topic()
    asyncio.run(send_acknowledged(topic, b"k", b"v", stopping=lambda: True))
    assert topic.delivered == [b"v"]


class _SilentTopic(_Topic):
    """A broker that never answers: the send's future never completes."""

    async def send(self, *, key: bytes | None, value: bytes, headers: Any) -> Any:
        self.attempts += 1
        return asyncio.get_running_loop().create_future()


def test_an_unanswered_send_is_abandoned_promptly_on_stop() -> None:
    topic = _SilentTopic()
    started = time.monotonic()
    with pytest.raises(SendInterrupted):
        asyncio.run(send_acknowledged(topic, b"k", b"v", stopping=lambda: True))
    assert time.monotonic() - started < 2 * STOP_POLL_S + 0.5
    assert topic.attempts == 1


def _sendings(topic: _Topic, count: int) -> list[Sending]:
    return [Sending(topic, b"k", str(i).encode()) for i in range(count)]


def test_a_batch_is_retried_until_every_record_is_acknowledged() -> None:
    topic = _Topic(aiokafka_errors.KafkaTimeoutError(), aiokafka_errors.NotEnoughReplicasError())
    outcomes = asyncio.run(send_all_acknowledged(_sendings(topic, 3), backoff=(0.0, 0.0)))
    assert outcomes == [None, None, None]
    # The first two failed once and were sent again, in their order, after the third.
    assert topic.delivered == [b"2", b"0", b"1"]


def test_a_record_refused_in_a_batch_is_reported_the_others_acknowledged() -> None:
    topic = _Topic(aiokafka_errors.MessageSizeTooLargeError())
    outcomes = asyncio.run(send_all_acknowledged(_sendings(topic, 2), backoff=(0.0, 0.0)))
    assert isinstance(outcomes[0], SendRefused) and outcomes[0].record_refused
    assert outcomes[1] is None
    assert topic.delivered == [b"1"]


def test_a_batch_refused_for_this_client_raises() -> None:
    topic = _Topic(aiokafka_errors.TopicAuthorizationFailedError())
    with pytest.raises(SendRefused) as info:
        asyncio.run(send_all_acknowledged(_sendings(topic, 2), backoff=(0.0, 0.0)))
    assert not info.value.record_refused


def test_a_retrying_batch_stops_promptly_when_asked() -> None:
    topic = _Topic(*[aiokafka_errors.KafkaTimeoutError()] * 1000)
    stop_at = time.monotonic() + 0.3
    started = time.monotonic()
    with pytest.raises(SendInterrupted):
        asyncio.run(
            send_all_acknowledged(
                _sendings(topic, 2),
                backoff=(30.0, 30.0),
                stopping=lambda: time.monotonic() > stop_at,
            )
        )
    assert time.monotonic() - started < 0.3 + 2 * STOP_POLL_S


class _RenewableProducer:
    """Stands in for the app's producer: broken until renewed."""

    def __init__(self, topic: _Topic) -> None:
        self.topic = topic
        self.renewals = 0

    async def renew(self) -> None:
        self.renewals += 1
        self.topic.errors.clear()


def _broken_topic() -> _Topic:
    """A topic whose producer answers OutOfOrderSequenceNumber until it is renewed."""
    topic = _Topic(*[aiokafka_errors.OutOfOrderSequenceNumber()] * 50)
    topic.app = SimpleNamespace(producer=_RenewableProducer(topic))  # type: ignore[attr-defined]
    return topic


def test_a_broken_producer_is_renewed_and_the_send_then_acknowledged() -> None:
    # Found by the fault matrix's leader-kill case: after a batch failed across a leader
    # change, every retry on the same idempotent producer got OutOfOrderSequenceNumber,
    # and the worker stalled for good.
    topic = _broken_topic()
    asyncio.run(send_acknowledged(topic, b"k", b"v", backoff=(0.0, 0.0)))
    assert topic.delivered == [b"v"]
    assert topic.app.producer.renewals == 1  # type: ignore[attr-defined]


def test_a_batch_on_a_broken_producer_is_renewed_and_then_acknowledged() -> None:
    topic = _broken_topic()
    sendings = [Sending(topic, b"k", value) for value in (b"a", b"b")]
    outcomes = asyncio.run(send_all_acknowledged(sendings, backoff=(0.0, 0.0)))
    assert outcomes == [None, None]
    assert topic.delivered == [b"a", b"b"]
    assert topic.app.producer.renewals == 1  # type: ignore[attr-defined]
