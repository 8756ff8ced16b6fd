"""kafka-python clients of the consumers' services: security applied, refusals explained.

Every service here builds its clients the same way: the deployment's client security,
a one-line error instead of kafka-python's when the broker refuses or cannot be
reached, and for producers the guarantee that a send counts only when acknowledged.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from kafka.errors import KafkaError
from kafka.record import default_records

from consumers.errors import BrokerUnavailable
from producers.errors import SendRefused
from producers.kafka_client import client_config, connect
from producers.renewable_producer import RenewableProducer
from producers.send_failures import SendFailure, cause_name, classify
from schemas.client_security import PLAINTEXT_CLIENT, ClientSecurity
from schemas.header_names import TolerantBuffer

#: How long the broker may hold a fetch of the hub's delivery service or an agency's inbox
#: client when none of its partitions has new records (kafka-python's own: 500 ms). The
#: client keeps one fetch in flight per broker, for the partitions with nothing fetched
#: waiting, so a partition just consumed waits for that fetch to come back.
SHORT_FETCH_WAIT_MS = 100


def _tolerant(read_msg: Callable[..., Any]) -> Callable[..., Any]:
    """kafka-python's record parser, reading a header name that is not UTF-8 (pinned:
    kafka-python 3.0, see constraints.txt; :mod:`schemas.header_names` says why).

    The parser sets the batch's position only once a record is read whole, so a record
    that failed is simply read again, from a buffer whose header names decode tolerantly.
    """

    def read_tolerantly(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return read_msg(self, *args, **kwargs)
        except UnicodeDecodeError:
            strict = self._buffer
            self._buffer = TolerantBuffer(strict)
            try:
                return read_msg(self, *args, **kwargs)
            finally:
                self._buffer = strict

    read_tolerantly.tolerant = True  # type: ignore[attr-defined]
    return read_tolerantly


def read_undecodable_header_names() -> None:
    """Let every kafka-python consumer read records whose header names are not UTF-8."""
    batch = default_records.DefaultRecordBatch
    if not getattr(batch._read_msg, "tolerant", False):
        batch._read_msg = _tolerant(batch._read_msg)


read_undecodable_header_names()

logger = logging.getLogger(__name__)


#: How long a new group consumer waits for its topics' partitions before its first poll.
TOPIC_METADATA_WAIT_S = 10.0


def load_topic_metadata(
    consumer: Any,
    topics: tuple[str, ...],
    wait_s: float = TOPIC_METADATA_WAIT_S,
    clock: Callable[[], float] = time.monotonic,
) -> bool:
    """Load the partitions of a subscribed group consumer's ``topics`` before it first polls.

    kafka-python joins the group on the first poll. When its metadata does not list a
    topic's partitions yet (the topic was just created, or on a loaded machine the
    metadata response came after the join), the leader assigns nothing and a second
    rebalance follows at once; in that second rebalance kafka-python 3.0.12 was seen to
    wedge for good: no assignment, heartbeats stopped, and polls that return at once
    (one core busy). A blocking metadata fetch first gives the join the partitions and
    the consumer's group view the same snapshot, so the first assignment is the final
    one. Returns False if some topic still has no partitions after ``wait_s`` (the
    consumer is used anyway: it picks the topic up when it appears).
    """
    deadline = clock() + wait_s
    while True:
        consumer.topics()  # every topic's metadata, fetched now
        if all(consumer.partitions_for_topic(topic) for topic in topics):
            return True
        if clock() >= deadline:
            logger.warning("no partitions known for %s yet; subscribing anyway", ", ".join(topics))
            return False
        time.sleep(0.2)


def kafka_consumer(
    factory: Callable[..., Any],
    *topics: str,
    bootstrap: str,
    security: ClientSecurity = PLAINTEXT_CLIENT,
    **config: Any,
) -> Any:
    """A consumer of ``topics`` (none: assigned later) with ``config`` on top.

    A group consumer's topic metadata is loaded before it is returned
    (:func:`load_topic_metadata`).
    """

    def build(*args: Any, **kwargs: Any) -> Any:
        consumer = factory(*args, **kwargs)
        if topics and config.get("group_id") is not None:
            load_topic_metadata(consumer, topics)
        return consumer

    return connect(
        build,
        *topics,
        bootstrap=bootstrap,
        security=security,
        unavailable=BrokerUnavailable,
        **client_config(bootstrap, security),
        **config,
    )


def acked_producer(
    factory: Callable[..., Any],
    *,
    bootstrap: str,
    security: ClientSecurity = PLAINTEXT_CLIENT,
    **config: Any,
) -> Any:
    """An idempotent producer whose sends are acknowledged by all in-sync replicas,
    replaced by a new one after a send failed retriably (:mod:`producers.renewable_producer`).
    """

    def build() -> Any:
        return connect(
            factory,
            bootstrap=bootstrap,
            security=security,
            unavailable=BrokerUnavailable,
            **client_config(bootstrap, security),
            acks="all",
            enable_idempotence=True,
            **config,
        )

    return RenewableProducer(build)


class FailedSend:
    """The future of a send the client refused before it was queued (kafka-python raises
    its size check's ``MessageSizeTooLargeError`` from ``send()`` itself)."""

    is_done = True

    def __init__(self, exception: KafkaError) -> None:
        self.exception = exception

    def succeeded(self) -> bool:
        return False


def send_or_failed(producer: Any, topic: str, **record: Any) -> Any:
    """``producer.send(topic, **record)``; a refusal raised at once comes back as a future."""
    try:
        return producer.send(topic, **record)
    except KafkaError as exc:
        return FailedSend(exc)


def send_failure(future: Any) -> SendFailure | None:
    """How a flushed kafka-python send failed (None: acknowledged).

    A future not done after the flush timed out: retriable, like any timeout.
    """
    if future.is_done and future.succeeded():
        return None
    error = getattr(future, "exception", None) if future.is_done else None
    return SendFailure.RETRIABLE if error is None else classify(error)


def refusal(topic: str, future: Any) -> SendRefused:
    """The :class:`SendRefused` for a future that :func:`send_failure` found refused."""
    exc = future.exception
    return SendRefused(
        topic, cause_name(exc), record_refused=classify(exc) is SendFailure.RECORD_REFUSED
    )
