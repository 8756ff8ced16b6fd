"""What the incidents topic says was published: read by the correlate agent before it rebuilds.

The correlation stage remembers each acknowledged incident version in its published
table, but that table's changelog record is sent after the acknowledgement and is not
awaited: a worker killed in between forgets a version its recipients already have. The
topic is the record of what they received, so the rebuild after a start takes the last
version of each incident from it as well (:meth:`CorrelationStage.recover_published`).

The read is a plain consumer without a group (it commits nothing and joins no group, so
it cannot disturb the worker's own consumer or Faust's table recovery), up to the end
offsets seen when it starts, bounded by a deadline, and run in a thread: kafka-python
blocks, and the worker's event loop must keep heart-beating and fetching meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from kafka import KafkaConsumer
from kafka.errors import KafkaError

from consumers.kafka_clients import kafka_consumer
from consumers.topic_reader import records_to_end
from schemas import reasons
from schemas.client_security import ClientSecurity
from schemas.codec import DECODE_ERRORS
from schemas.envelope import RecordHeaders
from schemas.errors import CorridorError, VerifyError
from schemas.topics import TopicNames
from schemas.truststore import TrustSource
from schemas.verification import verify_incident

logger = logging.getLogger(__name__)

#: How long the read of the incidents topic may take before the worker gives up (and exits).
DEFAULT_READ_TIMEOUT_S = 60.0
#: Back-off before reading again after a retriable failure: this times the attempt, capped.
RETRY_BACKOFF_S = 0.5
MAX_RETRY_BACKOFF_S = 5.0


class IncidentRecoveryError(CorridorError):
    """The incidents topic could not be read to its end in time: the rebuild cannot be trusted.

    The worker stops (non-zero) rather than rebuild from its table alone, which may have
    lost the record of a version recipients hold: an incident the restarted correlator no
    longer forms would then stay ACTIVE at its recipients.
    """

    retriable = True


@dataclass(frozen=True)
class TopicRecord:
    """One record of the incidents topic, as the fold needs it."""

    value: bytes | None
    headers: RecordHeaders
    offset: int


#: Verifies one record and returns its incident datum; raises VerifyError when it is not one.
VerifyVersion = Callable[[bytes, RecordHeaders], dict[str, Any]]


def hub_verifier(trust: TrustSource, topics: TopicNames, hub_id: str) -> VerifyVersion:
    """Verify a record as a recipient does: signed by the hub, for the incidents topic.

    Only verified versions count: the rebuild re-signs what it withdraws or merges, and
    the hub must never sign content it did not form itself.
    """

    def verify(value: bytes, headers: RecordHeaders) -> dict[str, Any]:
        return verify_incident(value, headers, trust.current(), topics, hub_id).incident

    return verify


def last_versions(records: Iterable[TopicRecord], verify: VerifyVersion) -> list[dict[str, Any]]:
    """The highest version of each incident among ``records`` (any order).

    A record that is not a hub-signed incident version (a tombstone, garbage) is skipped
    with a warning: it was never delivered as an incident, and the table still counts.
    """
    latest: dict[str, dict[str, Any]] = {}
    for record in records:
        try:
            if record.value is None:
                raise VerifyError(reasons.MALFORMED_ENVELOPE, "record has no value (tombstone)")
            incident = verify(record.value, record.headers)
        except (VerifyError, *DECODE_ERRORS) as exc:
            logger.warning(
                "incidents topic offset %d: not an incident version: %s", record.offset, exc
            )
            continue
        known = latest.get(incident["incident_id"])
        if known is None or incident["version"] > known["version"]:
            latest[incident["incident_id"]] = incident
    return [latest[i] for i in sorted(latest)]


def _retriable(exc: BaseException) -> bool:
    """A failure that another attempt may not meet: a broker away, a leader moving."""
    if isinstance(exc, KafkaError):
        return bool(exc.retriable)
    if isinstance(exc, CorridorError):
        return bool(getattr(exc, "retriable", False))
    return isinstance(exc, OSError)


def read_last_versions(
    bootstrap: str,
    topic: str,
    security: ClientSecurity,
    verify: VerifyVersion,
    timeout_s: float = DEFAULT_READ_TIMEOUT_S,
) -> list[dict[str, Any]]:
    """The last version of each incident on ``topic`` (blocking: run it in a thread).

    A retriable failure (a broker killed mid-read, a leader moving) starts the read again
    with a new consumer, until the deadline: the worker should not stop for a fault the
    cluster recovers from by itself in seconds.

    Raises:
        IncidentRecoveryError: the topic was not read to its end within ``timeout_s``, or
            the broker refused for good (an ACL, say).
    """
    deadline = time.monotonic() + timeout_s
    attempt = 0
    while True:
        attempt += 1
        try:
            return _read_once(bootstrap, topic, security, verify, deadline)
        except IncidentRecoveryError:
            raise
        except Exception as exc:
            if not _retriable(exc):
                raise IncidentRecoveryError(f"cannot read {topic}: {exc!r}") from exc
            pause = min(RETRY_BACKOFF_S * attempt, MAX_RETRY_BACKOFF_S)
            if time.monotonic() + pause > deadline:
                raise IncidentRecoveryError(
                    f"cannot read {topic} in {timeout_s:g}s: {exc!r}"
                ) from exc
            logger.warning(
                "reading %s failed (attempt %d): %r; reading it again in %.1fs",
                topic,
                attempt,
                exc,
                pause,
            )
            time.sleep(pause)  # a back-off in this reader's own thread, not a wait on others


def _read_once(
    bootstrap: str, topic: str, security: ClientSecurity, verify: VerifyVersion, deadline: float
) -> list[dict[str, Any]]:
    consumer = kafka_consumer(
        KafkaConsumer, bootstrap=bootstrap, security=security, enable_auto_commit=False
    )
    try:
        records = records_to_end(consumer, topic, deadline - time.monotonic())
        return last_versions(
            (TopicRecord(r.value, list(r.headers or []), r.offset) for r in records), verify
        )
    finally:
        consumer.close()


class PublishedOnTopic:
    """Reads the incidents topic's last versions off the event loop, within a deadline."""

    def __init__(
        self,
        bootstrap: str,
        topic: str,
        security: ClientSecurity,
        verify: VerifyVersion,
        timeout_s: float = DEFAULT_READ_TIMEOUT_S,
    ) -> None:
        self._bootstrap = bootstrap
        self._topic = topic
        self._security = security
        self._verify = verify
        self._timeout_s = timeout_s

    async def read(self) -> list[dict[str, Any]]:
        """The last version of each incident on the topic.

        Raises:
            IncidentRecoveryError: not read to the end in time (or the broker refused).
        """
        started = time.monotonic()
        read = asyncio.get_running_loop().run_in_executor(
            None,
            read_last_versions,
            self._bootstrap,
            self._topic,
            self._security,
            self._verify,
            self._timeout_s,
        )
        # The thread has its own deadline; this one also bounds a client stuck in a call
        # that has none (the thread then ends on its own, its result unused).
        try:
            versions = await asyncio.wait_for(read, self._timeout_s + 10.0)
        except TimeoutError as exc:
            raise IncidentRecoveryError(f"could not read {self._topic} in time") from exc
        except IncidentRecoveryError:
            raise
        except Exception as exc:  # a kafka-python error: the worker stops and says why
            raise IncidentRecoveryError(f"cannot read {self._topic}: {exc!r}") from exc
        logger.info(
            "read %d incidents' last versions from %s in %.1fs",
            len(versions),
            self._topic,
            time.monotonic() - started,
        )
        return versions
