"""The delivery service: copies each alert and incident into every entitled member's inbox.

Who is entitled is the sharing policy's decision (``consumers.policy``), made per
member and counted. The originator's signed bytes travel unchanged, so every
recipient verifies the originator itself; of the record headers only an allowlist
travels, so no hub-internal header (such as who else may receive an incident)
reaches a recipient. Encrypted personal data (a Kafka header outside the signature)
reaches only recipients cleared for it, with only their own key wrap. Offsets are
committed only after every inbox write of the polled batch was acknowledged
(acks=all); a failure rewinds to the last commit and the batch is delivered again
with the same delivery ids.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kafka import KafkaConsumer, KafkaProducer
from kafka.errors import KafkaError

from consumers.errors import DeliveryError
from consumers.kafka_clients import (
    acked_producer,
    kafka_consumer,
    refusal,
    send_failure,
    send_or_failed,
)
from consumers.lag import GroupLagMonitor
from consumers.metrics import DeliveryMetrics
from consumers.offsets import rewind_to_last_commit
from consumers.policy import ALERT, INCIDENT, Decision, decide_all
from consumers.quarantine_writer import send_to_quarantine
from consumers.routing import delivery_id
from producers.publisher import request_timeout_ms
from producers.send_failures import SendFailure
from schemas import hub_headers, reasons
from schemas.access import DEFAULT_DELIVERY_GROUP
from schemas.client_security import PLAINTEXT_CLIENT, ClientSecurity
from schemas.codec import decode_single_object
from schemas.envelope import (
    HEADER_AGENCY,
    HEADER_ENVELOPE,
    HEADER_KEY_ID,
    HEADER_KIND,
    HEADER_MESSAGE_ID,
    RecordHeaders,
    open_envelope,
)
from schemas.errors import VerifyError
from schemas.group_membership import DYNAMIC, GroupMembership
from schemas.marking import Release
from schemas.personal_data import HEADER as PERSONAL_DATA_HEADER
from schemas.personal_data import headers_for_recipient
from schemas.signing import INCIDENT_KIND
from schemas.taskforce import TaskForce

logger = logging.getLogger(__name__)

HEADER_DELIVERY_ID = "corridor-delivery-id"
#: Inbox producer linger (see ``DeliverySettings.producer_linger_ms``).
DEFAULT_PRODUCER_LINGER_MS = 5
#: Inbox producer batch size (see ``DeliverySettings.producer_batch_bytes``).
DEFAULT_PRODUCER_BATCH_BYTES = 256 * 1024
STAGE = "delivery"
UNDELIVERABLE = "undeliverable"
#: The only record headers a recipient receives (besides the delivery id).
FORWARDED_HEADERS = frozenset(
    {
        HEADER_ENVELOPE,
        HEADER_KIND,
        HEADER_AGENCY,
        HEADER_KEY_ID,
        HEADER_MESSAGE_ID,
        hub_headers.REVISION_STATUS,
        # Rewritten per recipient: only its own key wrap, or removed (not cleared).
        PERSONAL_DATA_HEADER,
    }
)


@dataclass(frozen=True)
class DeliverySettings:
    """How the delivery service runs."""

    bootstrap: str
    """Kafka bootstrap servers."""
    taskforce: TaskForce
    """Members and topic names."""
    group_id: str = DEFAULT_DELIVERY_GROUP
    """Consumer group; several instances share the partitions."""
    poll_timeout_ms: int = 200
    """How long one poll waits for records."""
    max_batch: int = 500
    """Records per poll, hence per commit."""
    delivery_timeout_s: float = 30.0
    """How long a batch's inbox writes may take before the batch is retried."""
    encryption_key_ids: Mapping[str, Collection[str]] = field(default_factory=dict)
    """Per agency, the ids of its encryption keys whose wraps it may receive (trust store)."""
    security: ClientSecurity = PLAINTEXT_CLIENT
    """How the service authenticates (the hub's identity on a secured cluster)."""
    lag_interval_s: float = 5.0
    """How often the consumer lag gauge is measured (two requests to the broker)."""
    membership: GroupMembership = DYNAMIC
    """Session timeout and static identity in the consumer group."""
    producer_linger_ms: int = DEFAULT_PRODUCER_LINGER_MS
    """How long the inbox producer waits for more records before sending a partition's
    batch: a polled batch is handed over at once and flushed, so this only bounds how
    long one urgent record may wait."""
    producer_batch_bytes: int = DEFAULT_PRODUCER_BATCH_BYTES
    """Largest batch of records per inbox partition in one produce request."""


@dataclass(frozen=True)
class InboxWrite:
    """One record to write to one member's inbox."""

    recipient: str
    """Recipient agency id."""
    topic: str
    """Its inbox topic."""
    key: bytes | None
    """The original key."""
    value: bytes
    """The originator's signed bytes, unchanged."""
    headers: RecordHeaders
    """The forwarded headers plus the delivery id."""
    produced_at: dt.datetime
    """The originator's produce time, for the latency metric."""
    personal_data: bool = False
    """Whether the recipient is cleared for the personal-data fields."""


@dataclass(frozen=True)
class DeliveryPlan:
    """What to do with one verified record."""

    writes: list[InboxWrite]
    """Inbox writes (possibly none: e.g. TLP:RED naming nobody else)."""
    undeliverable: str | None = None
    """Why the record cannot be delivered at all (quarantined instead)."""
    kind: str = ALERT
    """``alert`` or ``incident``."""
    decisions: tuple[Decision, ...] = ()
    """The policy's decision for every member."""


def plan_delivery(
    key: bytes | None,
    value: bytes | None,
    headers: RecordHeaders,
    taskforce: TaskForce,
    encryption_key_ids: Mapping[str, Collection[str]] | None = None,
) -> DeliveryPlan:
    """Decide the inbox writes for one record of the alerts topic (pure).

    A recipient the policy clears for personal data gets the attachment with only the
    wraps for its ``encryption_key_ids``; everyone else gets no attachment.
    """
    key_ids = encryption_key_ids or {}
    if value is None:
        return DeliveryPlan(writes=[], undeliverable=f"{reasons.TOMBSTONE}: record has no value")
    try:
        envelope = open_envelope(value)
    except VerifyError as exc:
        return DeliveryPlan(writes=[], undeliverable=f"{exc.reason}: {exc.detail}")
    # An incident's release is the hub's header: its payload (all members' details, the
    # largest records on the wire) is not decoded here; every recipient verifies it.
    if envelope.header.kind == INCIDENT_KIND:
        kind = INCIDENT
        raw_release = hub_headers.header_value(headers, hub_headers.RELEASE)
        if raw_release is None:
            return DeliveryPlan(
                writes=[], undeliverable="missing_release: incident without the hub's release"
            )
        try:
            release = Release.from_json(raw_release)
        except ValueError as exc:
            return DeliveryPlan(writes=[], undeliverable=f"missing_release: {exc}")
    else:
        kind = ALERT
        try:
            _, datum = decode_single_object(envelope.payload)
        except VerifyError as exc:
            return DeliveryPlan(writes=[], undeliverable=f"{exc.reason}: {exc.detail}")
        release = Release.of_alert(
            datum["agency"], datum["tlp"], datum["tlp_recipients"], datum["handling_code"]
        )
    decisions = tuple(decide_all(kind, release, taskforce))
    forwarded = [(n, v) for n, v in headers if n in FORWARDED_HEADERS]
    writes = [
        InboxWrite(
            recipient=d.recipient,
            topic=taskforce.topics.inbox(d.recipient),
            key=key,
            value=value,
            headers=[
                *headers_for_recipient(
                    forwarded,
                    cleared=d.personal_data,
                    key_ids=key_ids.get(d.recipient, ()),
                ),
                (HEADER_DELIVERY_ID, delivery_id(d.recipient, envelope.header.message_id).encode()),
            ],
            produced_at=envelope.header.produced_at,
            personal_data=d.personal_data,
        )
        for d in decisions
        if d.allowed
    ]
    return DeliveryPlan(writes=writes, kind=kind, decisions=decisions)


class DeliveryService:
    """Consumes the alerts topic and writes inbox copies, at least once."""

    def __init__(
        self,
        settings: DeliverySettings,
        metrics: DeliveryMetrics,
        *,
        consumer_factory: Callable[..., Any] = KafkaConsumer,
        producer_factory: Callable[..., Any] = KafkaProducer,
    ) -> None:
        self._settings = settings
        self._metrics = metrics
        topics = settings.taskforce.topics
        self._consumer = kafka_consumer(
            consumer_factory,
            topics.alerts,
            topics.incidents,
            bootstrap=settings.bootstrap,
            security=settings.security,
            group_id=settings.group_id,
            client_id="corridor-delivery",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=settings.max_batch,
            **settings.membership.kafka_python_config(),
        )
        self._consumer_factory = consumer_factory
        for member in settings.taskforce.recipients:  # no failure yet is worth showing: 0
            metrics.failures.labels(member.agency_id)
        self._producer = acked_producer(
            producer_factory,
            bootstrap=settings.bootstrap,
            security=settings.security,
            client_id="corridor-delivery",
            linger_ms=settings.producer_linger_ms,
            batch_size=settings.producer_batch_bytes,
            delivery_timeout_ms=int(settings.delivery_timeout_s * 1000),
            request_timeout_ms=request_timeout_ms(settings.delivery_timeout_s),
        )

    def run(self, stop: threading.Event) -> None:
        """Deliver until ``stop`` is set; a failed batch is retried from the last commit.

        The group's lag is measured beside it, from outside the group: measuring on the
        service's own consumer between polls could stall its deliveries.
        """
        topics = self._settings.taskforce.topics
        lag = GroupLagMonitor(
            self._settings.bootstrap,
            self._settings.group_id,
            (topics.alerts, topics.incidents),
            self._metrics.lag,
            security=self._settings.security,
            interval_s=self._settings.lag_interval_s,
            consumer_factory=self._consumer_factory,
        )
        lag.start()
        backoff = 0.5
        try:
            while not stop.is_set():
                try:
                    self.step()
                    backoff = 0.5
                except (DeliveryError, KafkaError) as exc:
                    logger.warning("delivery batch failed, retrying from last commit: %s", exc)
                    self._rewind()
                    stop.wait(backoff)
                    backoff = min(backoff * 2, 10.0)
        finally:
            lag.close()

    def step(self) -> int:
        """Poll once, deliver the batch, commit. Returns the number of records handled."""
        polled = self._consumer.poll(timeout_ms=self._settings.poll_timeout_ms)
        records = [r for batch in polled.values() for r in batch]
        if records:
            self._deliver(records)
            self._consumer.commit()
        return len(records)

    def _deliver(self, records: Iterable[Any]) -> None:
        pending: list[tuple[InboxWrite, Any, Any]] = []
        quarantined: list[Any] = []
        taskforce = self._settings.taskforce
        for record in records:
            self._metrics.received.inc()
            headers = _headers(record)
            try:
                plan = plan_delivery(
                    record.key, record.value, headers, taskforce, self._settings.encryption_key_ids
                )
            except Exception as exc:  # an unforeseen shape must not stop the service
                logger.exception("cannot plan the delivery of %s", _where(record))
                why = f"{reasons.UNPROCESSABLE}: {type(exc).__name__}: {exc}"
                plan = DeliveryPlan(writes=[], undeliverable=why)
            if plan.undeliverable is not None:
                logger.error("undeliverable record at %s: %s", _where(record), plan.undeliverable)
                quarantined.append(self._quarantine(record, headers, plan.undeliverable))
                continue
            for decision in plan.decisions:
                self._metrics.decisions.labels(plan.kind, decision.recipient, decision.reason).inc()
            for write in plan.writes:
                future = send_or_failed(
                    self._producer,
                    write.topic,
                    key=write.key,
                    value=write.value,
                    headers=write.headers,
                )
                pending.append((write, future, record))
        self._producer.flush(timeout=self._settings.delivery_timeout_s)
        refused = self._refused(pending, quarantined)
        pending = [(w, f, r) for w, f, r in pending if _position(r) not in refused]
        failed = [w.recipient for w, f, _ in pending if not (f.is_done and f.succeeded())]
        failed += ["quarantine" for f in quarantined if not (f.is_done and f.succeeded())]
        now = dt.datetime.now(dt.UTC)
        for write, future, _ in pending:
            if future.is_done and future.succeeded():
                self._metrics.delivered.labels(write.recipient).inc()
                self._metrics.end_to_end.labels(write.recipient).observe(
                    (now - write.produced_at).total_seconds()
                )
            else:
                self._metrics.failures.labels(write.recipient).inc()
        if failed:
            raise DeliveryError(f"{len(failed)} writes not acknowledged (to {sorted(set(failed))})")

    def _refused(
        self, pending: list[tuple[InboxWrite, Any, Any]], quarantined: list[Any]
    ) -> set[tuple[str, int, int]]:
        """Quarantine the records whose inbox copies can never be written; returns them.

        Only when nothing else failed in a way a retry may fix: the batch is then read
        again anyway, and its refused records are quarantined on that pass. Raises
        :class:`SendRefused` when the producer may not write at all (an operator must act).
        """
        failures: list[tuple[InboxWrite | None, Any, Any, SendFailure | None]]
        failures = [(w, f, r, send_failure(f)) for w, f, r in pending]
        failures += [(None, f, None, send_failure(f)) for f in quarantined]
        if any(failure is SendFailure.RETRIABLE for *_, failure in failures):
            return set()
        for write, future, _, failure in failures:
            if failure is SendFailure.ACCESS_REFUSED:
                raise refusal(write.topic if write else "quarantine", future)
        refused: dict[tuple[str, int, int], tuple[Any, str]] = {}
        for write, future, record, failure in failures:
            if failure is SendFailure.RECORD_REFUSED and record is not None and write is not None:
                why = str(refusal(write.topic, future))
                refused.setdefault(_position(record), (record, why))
        if not refused:
            return set()
        written = []
        for record, why in refused.values():
            logger.error("record at %s quarantined: %s", _where(record), why)
            detail = f"{reasons.RECORD_TOO_LARGE}: {why}"
            written.append(self._quarantine(record, _headers(record), detail))
        self._producer.flush(timeout=self._settings.delivery_timeout_s)
        for future in written:
            failure = send_failure(future)
            if failure is SendFailure.RETRIABLE:
                raise DeliveryError("quarantine records of refused deliveries not acknowledged")
            if failure is not None:
                raise refusal(self._settings.taskforce.topics.quarantine, future)
        return set(refused)

    def _quarantine(self, record: Any, headers: RecordHeaders, why: str) -> Any:
        code = why.partition(":")[0]
        if code in reasons.POISON:
            self._metrics.poison.labels(STAGE, code).inc()
        return send_to_quarantine(
            self._producer,
            self._settings.taskforce.topics.quarantine,
            record,
            headers,
            stage=STAGE,
            reason=UNDELIVERABLE,
            detail=why,
            truncated=self._metrics.truncated,
        )

    def _rewind(self) -> None:
        try:
            rewind_to_last_commit(self._consumer)
        except KafkaError as exc:
            logger.warning("could not rewind to the last commit: %s", exc)

    def close(self) -> None:
        """Flush, leave the group and close the clients."""
        self._producer.close(timeout=self._settings.delivery_timeout_s)
        self._consumer.close()


def _headers(record: Any) -> RecordHeaders:
    """A record's headers; a null header value reads as empty bytes."""
    return [(str(n), b"" if v is None else bytes(v)) for n, v in (record.headers or [])]


def _position(record: Any) -> tuple[str, int, int]:
    return (record.topic, record.partition, record.offset)


def _where(record: Any) -> str:
    return f"{record.topic}[{record.partition}]@{record.offset}"
