"""The verification stage as a plain function of one record: verified, or quarantined.

A record is accepted when its envelope verifies (``schemas.verification``) and its
signed produce time is fresh at arrival (``schemas.freshness``).
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from schemas import reasons
from schemas.errors import VerifyError
from schemas.freshness import FreshnessPolicy, check_freshness
from schemas.header_names import undecodable_problem
from schemas.quarantine import SourceRecord, build_quarantine
from schemas.topics import TopicNames
from schemas.truststore import TrustSource
from schemas.verification import VerifiedAlert, verify_alert
from streams.metrics import StreamMetrics

STAGE = "verify"


@dataclass(frozen=True)
class Rejected:
    """A record that failed verification."""

    reason: str
    """Reason code (``schemas.reasons``)."""
    quarantine_value: bytes
    """The quarantine record to write."""


class Verifier:
    """Verifies inbound records against the trust store and counts the outcome.

    ``trust`` is asked for the current trust store on every check: a fixed
    :class:`~schemas.truststore.TrustStore`, or the live key registry.
    """

    def __init__(
        self,
        trust: TrustSource,
        topics: TopicNames,
        metrics: StreamMetrics,
        freshness: FreshnessPolicy | None = None,
    ) -> None:
        self.trust = trust
        self._topics = topics
        self._metrics = metrics
        self._freshness = freshness or FreshnessPolicy()
        self._agency_of_topic = len(topics.inbound(""))

    def check(self, source: SourceRecord, arrived_at: dt.datetime) -> VerifiedAlert | Rejected:
        """Verify ``source``, which the broker appended at ``arrived_at``; never raises."""
        self.count_received(source)
        started = time.perf_counter()
        try:
            undecodable = undecodable_problem(source.headers)
            if undecodable is not None:
                raise VerifyError(reasons.UNDECODABLE_HEADER, undecodable)
            if source.value is None:
                raise VerifyError(reasons.TOMBSTONE, "record has no value (tombstone)")
            verified = verify_alert(
                source.value,
                source.headers,
                self.trust.current(),
                self._topics,
                read_topic=source.topic,
            )
            # Only a verified produce time is worth judging: a forgery is reported as such.
            check_freshness(verified.envelope.header.produced_at, arrived_at, self._freshness)
        except VerifyError as exc:
            return self.reject(source, exc.reason, exc.detail)
        finally:
            self._metrics.verify_seconds.observe(time.perf_counter() - started)
        header = verified.envelope.header
        self._metrics.verified.labels(header.agency).inc()
        self._metrics.produce_to_verified.labels(header.agency).observe(
            max((dt.datetime.now(dt.UTC) - header.produced_at).total_seconds(), 0.0)
        )
        return verified

    def count_received(self, source: SourceRecord) -> None:
        """Count one inbound record read: once per record, whether it is verified here or
        refused before verification (a replay)."""
        self._metrics.received.labels(self._topic_agency(source.topic)).inc()

    def _topic_agency(self, topic: str) -> str:
        """The agency whose inbound topic ``topic`` is."""
        return topic[self._agency_of_topic :]

    def reject(self, source: SourceRecord, reason: str, detail: str) -> Rejected:
        """Count ``source`` as quarantined for ``reason`` and build its quarantine record."""
        self._metrics.quarantined.labels(
            stage=STAGE, reason=reason, agency=self._topic_agency(source.topic)
        ).inc()
        return rejection(self._metrics, source, STAGE, reason, detail)


def rejection(
    metrics: StreamMetrics, source: SourceRecord, stage: str, reason: str, detail: str
) -> Rejected:
    """The bounded quarantine record of ``source``; a poison or truncated one is counted."""
    record = build_quarantine(
        source, stage=stage, reason=reason, detail=detail, at=dt.datetime.now(dt.UTC)
    )
    if reason in reasons.POISON:
        metrics.poison.labels(stage, reason).inc()
    if record.truncated:
        metrics.truncated.labels(stage).inc()
    return Rejected(reason=reason, quarantine_value=record.data)
