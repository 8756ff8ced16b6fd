"""Classifying failed sends: retry, quarantine the input, or stop (pure)."""

from __future__ import annotations

import aiokafka.errors as aiokafka_errors
import kafka.errors as kafka_errors
import pytest
from faust.exceptions import ProducerSendError

from producers.send_failures import SendFailure, cause_name, classify


def _wrapped(inner: BaseException) -> BaseException:
    """``inner`` as Faust raises it: a ProducerSendError from the aiokafka error."""
    try:
        try:
            raise inner
        except Exception as exc:
            raise ProducerSendError(f"Error while sending: {exc!r}") from exc
    except ProducerSendError as outer:
        return outer


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (kafka_errors.MessageSizeTooLargeError(), SendFailure.RECORD_REFUSED),
        (aiokafka_errors.MessageSizeTooLargeError(), SendFailure.RECORD_REFUSED),
        (aiokafka_errors.RecordTooLargeError(), SendFailure.RECORD_REFUSED),
        (kafka_errors.InvalidRecordError(), SendFailure.RECORD_REFUSED),
        (kafka_errors.CorruptRecordError(), SendFailure.RECORD_REFUSED),
        (kafka_errors.TopicAuthorizationFailedError(), SendFailure.ACCESS_REFUSED),
        (aiokafka_errors.TopicAuthorizationFailedError(), SendFailure.ACCESS_REFUSED),
        (kafka_errors.ClusterAuthorizationFailedError(), SendFailure.ACCESS_REFUSED),
        (kafka_errors.SaslAuthenticationFailedError(), SendFailure.ACCESS_REFUSED),
        (kafka_errors.KafkaTimeoutError(), SendFailure.RETRIABLE),
        (aiokafka_errors.KafkaTimeoutError(), SendFailure.RETRIABLE),  # says retriable=False
        (kafka_errors.NotEnoughReplicasError(), SendFailure.RETRIABLE),
        (kafka_errors.NotLeaderForPartitionError(), SendFailure.RETRIABLE),
        (kafka_errors.UnknownTopicOrPartitionError(), SendFailure.RETRIABLE),
        (ConnectionError("reset"), SendFailure.RETRIABLE),
        (RuntimeError("unknown"), SendFailure.RETRIABLE),
    ],
    ids=lambda v: (
        type(v).__module__.split(".")[0] + "." + type(v).__name__
        if isinstance(v, BaseException)
        else str(v)
    ),
)
def test_failures_are_classified_bare_and_wrapped(
    error: BaseException, expected: SendFailure
) -> None:
    assert classify(error) is expected
    assert classify(_wrapped(error)) is expected


def test_the_deciding_error_is_named() -> None:
    wrapped = _wrapped(aiokafka_errors.MessageSizeTooLargeError("1.2 MB"))
    assert cause_name(wrapped) == "MessageSizeTooLargeError"
    assert cause_name(RuntimeError("x")) == "RuntimeError"


def test_a_cyclic_chain_ends() -> None:
    first, second = RuntimeError("a"), RuntimeError("b")
    first.__context__, second.__context__ = second, first
    assert classify(first) is SendFailure.RETRIABLE
