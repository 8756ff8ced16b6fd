"""Fills the TAXII store from the members' inboxes: the inbox is the only source.

For every served agency the ingester reads ``<prefix>.inbox.<AGENCY>`` from where
it stopped (positions in the store, no consumer group), verifies each record as
``corridor inbox`` does (:func:`consumers.inbox.check.check_delivery`, against the
trust store or the live key registry), and stores the STIX objects of each verified
alert and incident in that agency's collection. What the sharing policy did not
deliver to an agency is never in its inbox, so never in its collection. A verified
recall notice revokes the recalled alert's objects. A delivery that does not verify
is logged and counted (``corridor_taxii_skipped_total``) and not served. Personal
data is never decrypted here: the ingester has no agency's private key.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from stix2.exceptions import STIXError

from consumers.errors import InboxMissing
from consumers.inbox.check import check_delivery
from consumers.kafka_clients import kafka_consumer
from consumers.stix.bundle import delivery_objects, mappable, revoked_report_id, to_dict
from consumers.taxii.metrics import TaxiiMetrics
from consumers.taxii.store import Position, TaxiiStore
from schemas.client_security import PLAINTEXT_CLIENT, ClientSecurity
from schemas.taskforce import DEFAULT_HUB_ID
from schemas.topics import TopicNames
from schemas.truststore import TrustSource

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class IngestSettings:
    """Which inboxes the ingester reads."""

    bootstrap: str
    """Kafka bootstrap servers."""
    topics: TopicNames
    """Topic naming of the deployment."""
    agencies: frozenset[str]
    """The agencies whose inbox is served."""
    hub_id: str = DEFAULT_HUB_ID
    """The hub's signing identity (incidents, recall notices)."""
    poll_timeout_ms: int = 200
    """How long one poll waits."""
    security: ClientSecurity = PLAINTEXT_CLIENT
    """How the ingester authenticates to Kafka (it must be allowed to read the inboxes)."""


class InboxIngester:
    """Reads the served inboxes into the store; ``poll_once`` is one round."""

    def __init__(
        self,
        settings: IngestSettings,
        trust: TrustSource,
        store: TaxiiStore,
        metrics: TaxiiMetrics,
        consumer_factory: Callable[..., Any] = KafkaConsumer,
    ) -> None:
        self._settings = settings
        self._trust = trust
        self._store = store
        self._metrics = metrics
        self._agency_of = {settings.topics.inbox(a): a for a in settings.agencies}
        self._consumer = kafka_consumer(
            consumer_factory,
            bootstrap=settings.bootstrap,
            security=settings.security,
            client_id="corridor-taxii",
            enable_auto_commit=False,
        )
        self._assign()

    def _assign(self) -> None:
        parts = []
        for topic in sorted(self._agency_of):
            numbers = self._consumer.partitions_for_topic(topic)
            if not numbers:
                raise InboxMissing(
                    f"cannot read topic {topic}{self._settings.security.as_principal()}: it "
                    "does not exist or no ACL lets this principal read it"
                )
            parts += [TopicPartition(topic, p) for p in sorted(numbers)]
        self._consumer.assign(parts)
        for tp in parts:
            offset = self._store.next_offset(tp.topic, tp.partition)
            if offset is None:
                self._consumer.seek_to_beginning(tp)
            else:
                self._consumer.seek(tp, offset)

    def poll_once(self) -> int:
        """Read and store one poll's records; how many were read."""
        polled = self._consumer.poll(timeout_ms=self._settings.poll_timeout_ms)
        count = 0
        for batch in polled.values():
            for record in batch:
                self._ingest(record)
                count += 1
        return count

    def run(self, stop: threading.Event) -> None:
        """Poll until ``stop`` is set."""
        while not stop.is_set():
            self.poll_once()

    def caught_up(self) -> bool:
        """True when every served inbox was read to its current end."""
        parts = list(self._consumer.assignment())
        ends = self._consumer.end_offsets(parts)
        return all(
            (self._store.next_offset(tp.topic, tp.partition) or 0) >= ends[tp] for tp in parts
        )

    def _ingest(self, record: Any) -> None:
        agency = self._agency_of[record.topic]
        position = Position(record.topic, record.partition, record.offset)
        item = check_delivery(
            record.value,
            list(record.headers or []),
            self._trust,
            self._settings.topics,
            hub_id=self._settings.hub_id,
            partition=record.partition,
            offset=record.offset,
            agency=agency,
        )
        document = item.document
        if mappable(document):
            try:
                objects = [to_dict(o) for o in delivery_objects(document)]
            except (KeyError, TypeError, ValueError, STIXError) as exc:
                # Verified but not expressible in STIX: skip it rather than stop every
                # collection on it (it would be read again and again after a restart).
                self._skip(agency, position, "unmappable", f"{type(exc).__name__}: {exc}")
                return
            self._store.add(agency, objects, position)
            self._metrics.ingested.labels(agency, document["kind"]).inc()
            return
        recalled = revoked_report_id(document)
        if recalled is not None:
            report = self._store.latest(agency, recalled)
            refs = [] if report is None else list(report.get("object_refs", []))
            at = document["recall"]["issued_at"]
            revoked = self._store.revoke(agency, [recalled, *refs], at, position)
            logger.warning(
                "delivery %s recalled: %d STIX objects of %s revoked for %s",
                item.recalled_delivery_id,
                revoked,
                recalled,
                agency,
            )
            self._metrics.ingested.labels(agency, "recall").inc()
            return
        self._skip(
            agency, position, str(document.get("reason", "unmappable")), document.get("detail", "")
        )

    def _skip(self, agency: str, position: Position, reason: str, detail: str) -> None:
        logger.warning(
            "inbox record %s/%d@%d for %s not served over TAXII: %s %s",
            position.topic,
            position.partition,
            position.offset,
            agency,
            reason,
            detail,
        )
        self._metrics.skipped.labels(agency, reason).inc()
        self._store.mark(position)

    def close(self) -> None:
        """Close the consumer."""
        self._consumer.close()
