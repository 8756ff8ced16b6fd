"""The Faust application: wires the verification and deduplication stages to topics.

Topology (keys ``AGENCY:alert_id`` end to end, so every stage is co-partitioned)::

    <prefix>.inbound.<AGENCY> --verify--> <prefix>.verified --dedupe--> <prefix>.alerts
                                 \\--> <prefix>.quarantine          \\--> <prefix>.correlation
                                                                      (features, 1 partition)
    <prefix>.correlation --correlate--> <prefix>.incidents (signed by the hub)

verify drops exact repeats (same bytes verified before) without checking the
signature again; dedupe passes a new alert or a higher revision (as an update)
and drops the same or an older revision. Both keep their state in Faust tables
whose entries expire after ``dedupe_retention_s`` of event time.

Records are raw bytes: the originator's signed envelope is passed on unchanged.
Every send is acknowledged (acks=all, idempotent producer) before the agent takes
the next event, and offsets are committed after that: at-least-once.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import Any

import faust

from schemas import hub_headers, reasons
from schemas.client_security import SASL_SSL, ClientSecurity
from schemas.codec import DECODE_ERRORS, decode_single_object
from schemas.envelope import (
    HEADER_MESSAGE_ID,
    RecordHeaders,
    check_record_headers,
    open_envelope,
)
from schemas.errors import VerifyError
from schemas.quarantine import SourceRecord
from schemas.topics import message_key
from schemas.truststore import TrustSource
from schemas.verification import VerifiedAlert
from streams import kafka_transport
from streams.audit_events import dedupe_drop_event
from streams.correlation_stage import (
    FEATURES_TABLE,
    PUBLISHED_TABLE,
    CorrelationStage,
    Publication,
)
from streams.correlator import Correlator
from streams.dedupe import Decision, format_origin, parse_origin
from streams.dedupe_stage import (
    DIGESTS_TABLE,
    REVISIONS_TABLE,
    ExactRepeats,
    Repeat,
    RevisionGate,
)
from streams.features import AlertFeatures, features_of
from streams.metrics import StreamMetrics
from streams.outputs import StageOutputs, record_headers, unusable_verified
from streams.sending import RETRY_BACKOFF_S, exits_on_unrecoverable, send_acknowledged
from streams.settings import StreamSettings
from streams.supervision import AgentSupervision
from streams.tables import CorridorTable, changelog_config
from streams.verifier import Rejected, Verifier

logger = logging.getLogger(__name__)

#: Kafka's timestamp type of a record the broker stamped when appending it.
LOG_APPEND_TIME = 1
#: The ``stage`` of the worker's quarantine records.
STAGE_VERIFY, STAGE_DEDUPE, STAGE_CORRELATE = "verify", "dedupe", "correlate"


def _text(raw: bytes | None) -> str | None:
    return None if raw is None else raw.decode("utf-8", "replace")


__all__ = ["RETRY_BACKOFF_S", "create_app", "send_acknowledged", "source_topics"]


#: The revision status of each decision that passes a revision on to the alerts topic.
PASSED_STATUS = {
    Decision.NEW: hub_headers.STATUS_NEW,
    Decision.UPDATE: hub_headers.STATUS_UPDATE,
    Decision.SUPERSEDED: hub_headers.STATUS_SUPERSEDED,
}

#: The correlation topic has one partition; every record carries this key.
CORRELATION_KEY = b"taskforce"


def _features(value: bytes) -> bytes | None:
    """Correlation features of a verified record value (None, logged, if it cannot decode)."""
    try:
        _, alert = decode_single_object(open_envelope(value).payload)
        return features_of(alert).to_json()
    except (VerifyError, *DECODE_ERRORS) as exc:  # verified upstream: a bug if it happens
        logger.error("cannot extract correlation features: %r", exc)
        return None


def _observe_passed_on(metrics: StreamMetrics, value: bytes) -> None:
    """Observe the time from the originator's signed produce time to now (passed on)."""
    try:
        header = open_envelope(value).header
    except VerifyError as exc:  # verified upstream: a bug if it happens
        logger.error("cannot read the envelope of a verified record: %r", exc)
        return
    seconds = (dt.datetime.now(dt.UTC) - header.produced_at).total_seconds()
    metrics.produce_to_alerts.labels(header.agency).observe(max(seconds, 0.0))


def _replayed(verifier: Verifier, source: SourceRecord, headers: RecordHeaders) -> Rejected:
    """Quarantine verified bytes that came again: as a replay, unless the headers were altered.

    The signature needs no second check, but steps 1-5 (envelope and record headers)
    run again so that tampered headers get their own reason whatever arrived first.
    """
    assert source.value is not None
    verifier.count_received(source)
    try:
        check_record_headers(open_envelope(source.value).header, headers)
    except VerifyError as exc:
        return verifier.reject(source, exc.reason, exc.detail)
    return verifier.reject(
        source,
        reasons.REPLAYED,
        "these exact bytes were already accepted from another record of this topic",
    )


def _arrived_at(message: Any) -> dt.datetime:
    """When the broker appended an inbound record (LogAppendTime), else the processing time.

    Inbound topics are created with LogAppendTime, which no sender can set; with a
    producer-set CreateTime the wall clock is the only time a sender cannot forge.
    """
    if getattr(message, "timestamp_type", None) == LOG_APPEND_TIME:
        return dt.datetime.fromtimestamp(message.timestamp, dt.UTC)
    return dt.datetime.now(dt.UTC)


def _event_ms(message: Any) -> int:
    """Event time of a consumed record in milliseconds (Faust gives seconds)."""
    return int(message.timestamp * 1000)


def faust_credentials(security: ClientSecurity) -> Any:
    """Faust's ``broker_credentials`` for ``security`` (None: PLAINTEXT)."""
    context = security.ssl_context()
    if security.protocol == SASL_SSL:
        return faust.SASLCredentials(
            username=security.username,
            password=security.password,
            ssl_context=context,
            mechanism=security.sasl_mechanism,
        )
    if context is not None:
        return faust.SSLCredentials(context)
    return None


def source_topics(settings: StreamSettings) -> list[str]:
    """The topics the worker's agents read (its consumer group's), inbound ones first."""
    topics = settings.taskforce.topics
    inbound = [topics.inbound(m.agency_id) for m in settings.taskforce.publishers]
    return [*inbound, topics.verified, topics.correlation]


def create_app(
    settings: StreamSettings,
    trust: TrustSource,
    metrics: StreamMetrics,
    supervision: AgentSupervision,
) -> Any:
    """Build the Faust app with its agents (not started); ``trust`` is asked on every check.

    ``supervision`` hears when an agent starts and when one crashes (then the worker stops).
    """
    topics = settings.taskforce.topics
    hosts = settings.bootstrap.split(",")
    scheme = kafka_transport.register()
    app = faust.App(
        settings.app_id,
        broker=[f"{scheme}://{host}" for host in hosts],
        datadir=settings.data_dir,
        store=settings.store,
        key_serializer="raw",
        value_serializer="raw",
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication_factor,
        producer_acks=-1,
        consumer_auto_offset_reset="earliest",
        broker_commit_interval=settings.commit_interval_s,
        web_enabled=True,
        web_bind="127.0.0.1",
        web_port=settings.web_port,
        web_in_thread=False,
        # Fail a send after 30 s (then retried by send_acknowledged) rather than Faust's 20 min.
        producer_request_timeout=30.0,
        broker_credentials=faust_credentials(settings.security),
        Table=CorridorTable,
        **settings.membership.faust_settings(),
    )
    inbound_names = [topics.inbound(m.agency_id) for m in settings.taskforce.publishers]
    inbound = app.topic(*inbound_names, key_type=bytes, value_type=bytes)
    verified_topic = app.topic(topics.verified, key_type=bytes, value_type=bytes)
    alerts_topic = app.topic(topics.alerts, key_type=bytes, value_type=bytes)
    correlation_topic = app.topic(
        topics.correlation, key_type=bytes, value_type=bytes, partitions=1
    )
    incidents_topic = app.topic(topics.incidents, key_type=bytes, value_type=bytes)
    quarantine_topic = app.topic(topics.quarantine, key_type=bytes, value_type=bytes)
    audit_events_topic = app.topic(topics.audit_events, key_type=bytes, value_type=bytes)
    verifier = Verifier(trust, topics, metrics, settings.freshness)
    window_ms = int(settings.dedupe_retention_s * 1000)
    # Older bytes are stale whatever record they come in: digests need the window only.
    digest_window_ms = int(settings.freshness.window_s * 1000)

    def retained_table(name: str, window_ms: int) -> Any:
        return app.Table(
            name,
            default=None,
            key_type=bytes,
            value_type=bytes,
            partitions=settings.partitions,
            extra_topic_configs=changelog_config(window_ms),
        )

    correlation = CorrelationStage(
        Correlator(
            max_fanout=settings.correlation_max_fanout,
            full_weight_upto=settings.correlation_full_weight_upto,
        ),
        app.Table(FEATURES_TABLE, default=None, key_type=bytes, value_type=bytes, partitions=1),
        app.Table(PUBLISHED_TABLE, default=None, key_type=bytes, value_type=bytes, partitions=1),
        hub_id=settings.taskforce.hub_id,
        hub_key=settings.hub_key,
        topics=topics,
        retention_ms=int(settings.correlation_retention_s * 1000),
    )
    repeats = ExactRepeats(
        retained_table(DIGESTS_TABLE, digest_window_ms), digest_window_ms, metrics
    )
    gate = RevisionGate(retained_table(REVISIONS_TABLE, window_ms), window_ms, metrics)

    @app.on_partitions_revoked.connect
    async def forget_revoked(sender: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
        revoked = args[0] if args else kwargs.get("revoked", set())
        partitions = {tp.partition for tp in revoked}
        repeats.state.forget(partitions)
        gate.state.forget(partitions)

    outputs = StageOutputs(quarantine_topic, metrics)
    quarantine, poison, pass_on = outputs.quarantine, outputs.poison, outputs.pass_on

    def screen(message: Any) -> VerifiedAlert | Rejected | None:
        """Verify one inbound record (None: the hub's own re-reading of an accepted one)."""
        headers = record_headers(message)
        source = SourceRecord.of(message, headers)
        if message.value is None:  # no digest to look up: straight to its rejection
            return verifier.check(source, _arrived_at(message))
        repeat = repeats.check(
            message.value, message.topic, message.partition, message.offset, _event_ms(message)
        )
        if repeat is Repeat.REREAD:
            return None
        if repeat is Repeat.REPLAYED:
            return _replayed(verifier, source, headers)
        return verifier.check(source, _arrived_at(message))

    @app.agent(inbound)
    @exits_on_unrecoverable
    async def verify(stream: Any) -> None:
        """Drop exact repeats, verify the rest; pass on keyed by the signed id, or quarantine."""
        supervision.started("verify")
        async for event in stream.events():
            message = event.message
            event_ms = _event_ms(message)
            try:
                result = screen(message)
            except Exception as exc:  # an unforeseen shape must not stop the stage
                logger.exception("cannot verify %s@%d", message.topic, message.offset)
                detail = f"{type(exc).__name__}: {exc}"
                result = poison(message, STAGE_VERIFY, reasons.UNPROCESSABLE, detail)
            if result is None:
                continue
            if isinstance(result, Rejected):
                await quarantine(message, result)
                continue
            headers = record_headers(message)
            alert = result.alert
            # The record key is not signed: downstream stages are keyed by the signed identity.
            key = message_key(alert["agency"], alert["alert_id"])
            forwarded = [
                *hub_headers.without_hub_headers(headers),
                (hub_headers.REVISION, str(alert["revision"]).encode()),
                (hub_headers.INBOUND_OFFSET, format_origin(message.partition, message.offset)),
            ]
            if not await pass_on(
                message,
                STAGE_VERIFY,
                verified_topic,
                key,
                message.value,
                forwarded,
                output="verified",
            ):
                continue
            repeats.remember(
                message.value, message.topic, message.partition, message.offset, event_ms
            )

    @app.agent(verified_topic)
    @exits_on_unrecoverable
    async def dedupe(stream: Any) -> None:
        """Pass on new alerts and higher revisions (as updates); drop repeats and stale ones."""
        supervision.started("dedupe")
        async for event in stream.events():
            message = event.message
            headers = record_headers(message)
            raw_revision = hub_headers.header_value(headers, hub_headers.REVISION)
            unusable = unusable_verified(message.key, message.value, raw_revision)
            if unusable is not None:  # the hub wrote neither: quarantined, never dropped
                reason, detail = unusable
                await quarantine(message, poison(message, STAGE_DEDUPE, reason, detail))
                continue
            assert raw_revision is not None
            revision = int(raw_revision)
            event_ms = _event_ms(message)
            origin = parse_origin(hub_headers.header_value(headers, hub_headers.INBOUND_OFFSET))
            decision = gate.decide(message.key, revision, message.partition, event_ms, origin)
            if decision not in PASSED_STATUS:
                # Invisible on every topic: told to the auditor (acknowledged, like any send).
                drop = dedupe_drop_event(
                    key=message.key,
                    value=message.value,
                    revision=revision,
                    decision=decision,
                    topic=message.topic,
                    partition=message.partition,
                    offset=message.offset,
                    at_ms=int(time.time() * 1000),
                    message_id=_text(hub_headers.header_value(headers, HEADER_MESSAGE_ID)),
                )
                await send_acknowledged(audit_events_topic, message.key, drop)
                continue
            forwarded = [
                *hub_headers.without_hub_headers(headers),
                (hub_headers.REVISION_STATUS, PASSED_STATUS[decision]),
            ]
            if not await pass_on(
                message,
                STAGE_DEDUPE,
                alerts_topic,
                message.key,
                message.value,
                forwarded,
                output="alerts",
            ):
                continue
            _observe_passed_on(metrics, message.value)
            # A superseded revision must not replace the newer one's correlation features.
            features = None if decision is Decision.SUPERSEDED else _features(message.value)
            if features is not None:
                await send_acknowledged(
                    correlation_topic,
                    CORRELATION_KEY,
                    features,
                    retried=metrics.send_retries.labels("correlation"),
                )
            gate.passed(message.key, revision, message.partition, event_ms, decision, origin)

    async def publish_incidents(source: Any, publications: list[Publication]) -> None:
        """Send each incident version (acknowledged), then remember it as published."""
        for publication in publications:
            record = publication.record
            if not await pass_on(
                source,
                STAGE_CORRELATE,
                incidents_topic,
                record.key,
                record.value,
                record.headers,
                output="incidents",
            ):
                break
            correlation.published(publication)
            incident = publication.incident
            metrics.incidents.labels(incident["status"]).inc()
            if len(incident["members"]) > settings.incident_size_warning:
                metrics.large_incidents.inc()
                logger.warning(
                    "incident %s version %d has %d members (over %d): a common value may "
                    "be gluing unrelated alerts together",
                    incident["incident_id"],
                    incident["version"],
                    len(incident["members"]),
                    settings.incident_size_warning,
                )

    @app.agent(correlation_topic)
    @exits_on_unrecoverable
    async def correlate(stream: Any) -> None:
        """Link alerts of different agencies into incidents; publish each changed incident.

        Alerts are taken in batches (up to ``correlation_batch``, gathered for at most
        ``incident_coalesce_s``) and each incident they changed is published once per
        batch. The batch's offsets are acknowledged only after every version was.
        """
        supervision.started("correlate")
        async for events in stream.take_events(
            settings.correlation_batch, settings.incident_coalesce_s
        ):
            started = time.perf_counter()
            batch: list[tuple[AlertFeatures, bytes]] = []
            sources = []
            for event in events:
                message = event.message
                if message.value is None:
                    tombstone = "record has no value (tombstone)"
                    await quarantine(
                        message, poison(message, STAGE_CORRELATE, reasons.TOMBSTONE, tombstone)
                    )
                    continue
                try:
                    batch.append((AlertFeatures.from_json(message.value), message.value))
                except Exception as exc:  # an unforeseen shape must not stop the stage
                    logger.exception("cannot read features %s@%d", message.topic, message.offset)
                    detail = f"{type(exc).__name__}: {exc}"
                    await quarantine(
                        message, poison(message, STAGE_CORRELATE, reasons.UNPROCESSABLE, detail)
                    )
                    continue
                sources.append(message)
            if not batch:
                continue
            # Table writes go to the changelog partition of "the current event", which
            # take_events sets in its own task, not in this one: name it (one partition).
            stream._set_current_event(events[-1])
            try:
                publications = correlation.process_batch(batch)
            except Exception as exc:  # a bug on some input: quarantine the batch, go on
                logger.exception("cannot correlate %d alerts", len(batch))
                detail = f"{type(exc).__name__}: {exc}"
                for message in sources:
                    await quarantine(
                        message, poison(message, STAGE_CORRELATE, reasons.UNPROCESSABLE, detail)
                    )
                continue
            metrics.correlate_seconds.observe(time.perf_counter() - started)
            metrics.correlation_batch.observe(len(batch))
            await publish_incidents(sources[-1], publications)
            state = correlation.correlator
            metrics.correlation_state.labels("alerts").set(len(state.alerts))
            metrics.correlation_state.labels("links").set(state.link_count())
            metrics.correlation_state.labels("common_values").set(len(state.common))

    for agent, name in ((verify, "verify"), (dedupe, "dedupe"), (correlate, "correlate")):
        supervision.attach(agent, name)
    return app
