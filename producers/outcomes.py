"""What happened to each published alert: published, failed, or unknown.

*published*: the broker acknowledged the record (acks=all) at a partition and offset.
*failed*: the record is not on the topic: it was never handed to the producer, or the
broker refused it (authorization, size, a corrupt record).
*unknown*: the record was handed to the producer but no acknowledgement came: the
producer expired it, or the broker answered no send at all for the delivery timeout (it
died, or the connection dropped while the record was in flight). It may or
may not be on the topic; publishing the same alert revision again is safe, because the
hub drops repeats of an alert revision it has passed already.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kafka.errors import KafkaError, KafkaTimeoutError

from producers.kafka_client import access_error, is_access_error
from schemas.client_security import ClientSecurity
from schemas.signing import SignedRecord

PUBLISHED = "published"
FAILED = "failed"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class PublishOutcome:
    """What happened to one alert."""

    alert_id: str
    """The alert's id."""
    revision: int
    """The alert's revision."""
    message_id: str
    """Envelope message id (for tracing)."""
    topic: str
    """Destination topic."""
    partition: int | None = None
    """Partition the broker stored it in, when acknowledged."""
    offset: int | None = None
    """Offset the broker assigned, when acknowledged."""
    error: str | None = None
    """Why it failed, or why its fate is unknown."""
    unknown: bool = False
    """True when it may or may not have been written (see the module docstring)."""

    @property
    def ok(self) -> bool:
        """True when the broker acknowledged the record."""
        return self.error is None

    @property
    def status(self) -> str:
        """``published``, ``failed`` or ``unknown``."""
        if self.ok:
            return PUBLISHED
        return UNKNOWN if self.unknown else FAILED


class NotSent(Exception):
    """The record was never handed to the producer (the reason is the message)."""


def may_have_been_written(exc: BaseException) -> bool:
    """True if a send that ended with ``exc`` may still have reached the log.

    kafka-python fails a batch with KafkaTimeoutError when the delivery timeout expires,
    whether or not the batch was on the wire, and with a retriable error (connection
    lost, request timed out, not enough replicas yet) only once it gave up retrying.
    Anything else is the broker's refusal of the record.
    """
    if isinstance(exc, NotSent):
        return False
    return isinstance(exc, KafkaTimeoutError) or bool(getattr(exc, "retriable", False))


def outcome_of(
    record: SignedRecord, handle: Any, security: ClientSecurity, timeout_s: float
) -> PublishOutcome:
    """The outcome of ``record`` from its send ``handle``: a producer future, or the
    exception that kept it from being sent. A future still pending is *unknown*."""

    def outcome(**result: Any) -> PublishOutcome:
        return PublishOutcome(
            alert_id=record.alert_id,
            revision=record.revision,
            message_id=record.header.message_id,
            topic=record.topic,
            **result,
        )

    if isinstance(handle, BaseException):
        return outcome(error=_reason(handle, record.topic, security))
    if not handle.is_done:
        return outcome(
            error=f"sent, not acknowledged; the broker answered nothing for {timeout_s:g} s",
            unknown=True,
        )
    if handle.failed():
        exc = handle.exception
        return outcome(
            error=_reason(exc, record.topic, security), unknown=may_have_been_written(exc)
        )
    return outcome(partition=handle.value.partition, offset=handle.value.offset)


def _reason(exc: BaseException, topic: str, security: ClientSecurity) -> str:
    """Why a send failed; an ACL refusal names the topic and the principal."""
    if isinstance(exc, KafkaError) and is_access_error(exc):
        return str(access_error(exc, security, action="write", resource=topic))
    return str(exc) or type(exc).__name__
