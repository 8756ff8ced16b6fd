"""The correlation stage over Faust tables: store features, correlate, sign incidents.

The correlator's state is a function of the alerts it has seen, so only those
(compact features) and the last published version of each incident are stored
in tables; after a restart the correlator is rebuilt from them and emits only
what had not been published yet.

The published table is written once the broker acknowledged a version, and Faust sends
its changelog record later still, without awaiting it: a worker killed in between loses
the record of a version its recipients hold. Writing the table first would not help (the
changelog send is as unawaited, and a record of a version that was then never sent would
keep it from ever being sent), and the worker has no Kafka transactions to tie the two
records together. So the rebuild also takes each incident's last version as read from
the incidents topic (:meth:`CorrelationStage.recover_published`, read by
:mod:`streams.incident_recovery`): otherwise an incident published just before a crash,
which the restarted correlator no longer forms, would never be withdrawn and would stay
ACTIVE at its recipients.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from schemas import hub_headers
from schemas.codec import decode_single_object
from schemas.envelope import open_envelope
from schemas.marking import Release
from schemas.signing import SignedRecord, sign_incident
from schemas.topics import TopicNames
from streams.correlator import Correlator
from streams.features import AlertFeatures
from streams.incidents import content_digest, incident_release

FEATURES_TABLE = "correlation-alerts"
PUBLISHED_TABLE = "correlation-incidents"
#: Sweep for alerts past the retention window every this many events.
EVICT_EVERY = 500
#: UUIDv5 namespace of incident versions' message ids (wire format section 12.3).
INCIDENT_VERSION_NAMESPACE = uuid.UUID("3b8f0d2e-6a41-5c7e-9f12-4d0e8a6b1c57")


def incident_message_id(incident: dict[str, Any], digest: str | None = None) -> str:
    """The one message id of an incident version, however often it is signed again.

    A restarted hub that lost the record of a publication signs the same version
    again; with the same id every recipient derives the same delivery id and stores
    it once. The content digest is part of the name, so a version that a restart
    rebuilt with other content is a distinct message, never a silent substitute.
    ``digest`` is ``content_digest(incident)`` when the caller has it already.
    """
    digest = digest if digest is not None else content_digest(incident)
    name = f"{incident['incident_id']}/{incident['version']}/{digest}"
    return str(uuid.uuid5(INCIDENT_VERSION_NAMESPACE, name))


@dataclass(frozen=True)
class TableContents:
    """The tables' values as read in the event loop, for the rebuild after a start."""

    features: list[bytes]
    """Every stored alert's features."""
    published: list[bytes]
    """Every incident's last published payload."""


@dataclass(frozen=True)
class Publication:
    """One incident version, signed and ready to send."""

    record: SignedRecord
    """The signed record for the incidents topic."""
    incident: dict[str, Any]
    """The incident datum it carries."""


class CorrelationStage:
    """Per-event correlation with durable state (tables are plain mappings here)."""

    def __init__(
        self,
        correlator: Correlator,
        features_table: Any,
        published_table: Any,
        *,
        hub_id: str,
        hub_key: Ed25519PrivateKey,
        topics: TopicNames,
        retention_ms: int,
    ) -> None:
        self.correlator = correlator
        self._features = features_table
        self._published = published_table
        self._hub_id = hub_id
        self._hub_key = hub_key
        self._topics = topics
        self._retention_ms = retention_ms
        self._rebuilt = False
        self._events = 0
        self._published_on_topic: list[dict[str, Any]] = []

    @property
    def rebuilt(self) -> bool:
        """Whether the state was rebuilt from the tables (on the first batch after a start)."""
        return self._rebuilt

    def recover_published(self, versions: Sequence[dict[str, Any]]) -> None:
        """The last incident versions on the incidents topic, for the rebuild.

        Call before the first batch after a start. For each incident the later of the
        topic's and the table's last version counts as published.
        """
        self._published_on_topic = list(versions)

    def process(self, raw_features: bytes) -> list[Publication]:
        """Take one alert's features; return the signed incident versions to publish."""
        return self.process_batch([(AlertFeatures.from_json(raw_features), raw_features)])

    def process_batch(self, batch: Sequence[tuple[AlertFeatures, bytes]]) -> list[Publication]:
        """Take several alerts' features (parsed, and as read); one version per changed incident.

        Parse each record with ``AlertFeatures.from_json`` first, so that a record that
        does not parse is set aside before any state changes. Versions of an incident
        are coalesced over the batch: a burst into one incident publishes it once.
        The three steps, in order, are also called apart by the worker, which runs the
        middle one in a thread (:class:`streams.agents.Correlate`).
        """
        tables = self.store(batch)
        publications = self.correlate(batch, tables)
        self.evict_if_due(batch)
        return publications

    def store(self, batch: Sequence[tuple[AlertFeatures, bytes]]) -> TableContents | None:
        """Write the batch's features to the table; before the first batch after a start,
        first read the tables' contents for the rebuild.

        Call in the event loop: Faust tables send their changelog through the loop, and
        a rebalance's recovery writes them there.
        """
        tables = None
        if not self._rebuilt:  # as they were before this batch
            tables = TableContents(
                features=[bytes(v) for v in self._features.values()],
                published=[bytes(v) for v in self._published.values()],
            )
        for features, raw in batch:
            self._features[features.key.encode()] = raw
        return tables

    def correlate(
        self, batch: Sequence[tuple[AlertFeatures, bytes]], tables: TableContents | None
    ) -> list[Publication]:
        """Link the batch and sign one version per changed incident (rebuilding first, from
        ``tables``, after a start).

        Touches only the correlator and this object, never a table, so the worker may run
        it in a thread while the event loop serves the other stages.
        """
        pending = [] if tables is None else self._rebuild(tables)
        changes = self.correlator.add_many(features for features, _ in batch)
        return pending + [self._sign(change.incident, change.digest) for change in changes]

    def evict_if_due(self, batch: Sequence[tuple[AlertFeatures, bytes]]) -> None:
        """Every ``EVICT_EVERY`` alerts, forget those past the retention window (table
        too: call in the event loop)."""
        before, self._events = self._events, self._events + len(batch)
        if batch and before // EVICT_EVERY != self._events // EVICT_EVERY:
            self._evict(max(features.observed_to_ms for features, _ in batch))

    def published(self, publication: Publication) -> None:
        """Remember an incident version once the broker acknowledged it."""
        incident = publication.incident
        # The payload as signed: the incident is not encoded a second time.
        self._published[incident["incident_id"].encode()] = open_envelope(
            publication.record.value
        ).payload

    def _sign(self, incident: dict[str, Any], digest: str) -> Publication:
        record = sign_incident(
            incident,
            self._hub_key,
            self._topics,
            self._hub_id,
            message_id=incident_message_id(incident, digest),
        )
        release = self._release(incident)
        headers = [*record.headers, (hub_headers.RELEASE, release.to_json().encode())]
        return Publication(record=replace(record, headers=headers), incident=incident)

    def _release(self, incident: dict[str, Any]) -> Release:
        """Who may receive this version: entitled to every member alert.

        A member whose features already left the retention window can no longer be
        checked, so such a version goes only to the members' originators.
        """
        keys = [f"{m['agency']}:{m['alert_id']}" for m in incident["members"]]
        alerts = [self.correlator.alerts.get(key) for key in keys]
        known = [a for a in alerts if a is not None]
        if len(known) == len(keys):
            return incident_release(known)
        originators = frozenset(m["agency"] for m in incident["members"])
        return Release(
            originators=originators,
            tlp=incident["tlp"],
            clearances=frozenset(),
            named=originators,
            handling=incident["handling_code"],
        )

    def _rebuild(self, tables: TableContents) -> list[Publication]:
        self._rebuilt = True
        alerts = [AlertFeatures.from_json(v) for v in tables.features]
        published = {
            incident["incident_id"]: incident
            for incident in (decode_single_object(v)[1] for v in tables.published)
        }
        for incident in self._published_on_topic:
            known = published.get(incident["incident_id"])
            if known is None or incident["version"] > known["version"]:
                # Not written back to the table: the topic is read again at every start.
                published[incident["incident_id"]] = incident
        self._published_on_topic = []
        changes = self.correlator.rebuild(alerts, [published[i] for i in sorted(published)])
        return [self._sign(change.incident, change.digest) for change in changes]

    def _evict(self, now_ms: int) -> None:
        horizon = now_ms - self._retention_ms
        for key, alert in list(self.correlator.alerts.items()):
            if alert.observed_to_ms < horizon:
                self._features.pop(key.encode(), None)
        self.correlator.evict_before(horizon)
