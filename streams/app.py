"""The Faust application: wires the worker's stages to topics.

Topology (keys ``AGENCY:alert_id`` end to end, so every stage is co-partitioned)::

    <prefix>.inbound.<AGENCY> --verify--> <prefix>.verified --dedupe--> <prefix>.alerts
                                 \\--> <prefix>.quarantine          \\--> <prefix>.correlation
                                                                      (features, 1 partition)
    <prefix>.correlation --correlate--> <prefix>.incidents (signed by the hub)

verify (:mod:`streams.verify_stage`) drops exact repeats (same bytes verified before)
without checking the signature again; dedupe (:mod:`streams.dedupe_batch`) passes a new
alert or a higher revision (as an update) and drops the same or an older revision. Both
keep their state in Faust tables whose entries expire after ``dedupe_retention_s`` of
event time, and take their records in batches (:mod:`streams.stage_runner`).

Records are raw bytes: the originator's signed envelope is passed on unchanged.
Every output of a batch is acknowledged (acks=all, idempotent producer) before the agent
takes the next batch, and offsets are committed after that: at-least-once.
"""

from __future__ import annotations

import logging
from typing import Any

import faust

from schemas.client_security import SASL_SSL, ClientSecurity
from schemas.truststore import TrustSource
from streams import kafka_transport
from streams.agents import Correlate, run_batched
from streams.consumer_thread import set_fetch_max_wait
from streams.correlation_stage import FEATURES_TABLE, PUBLISHED_TABLE, CorrelationStage
from streams.correlator import Correlator
from streams.dedupe import digest_written_at, revision_written_at
from streams.dedupe_batch import DedupeStage
from streams.dedupe_stage import DIGESTS_TABLE, REVISIONS_TABLE, ExactRepeats, RevisionGate
from streams.heap import freeze_survivors
from streams.incident_recovery import PublishedOnTopic, hub_verifier
from streams.metrics import StreamMetrics
from streams.outputs import StageOutputs
from streams.sending import RETRY_BACKOFF_S, exits_on_unrecoverable, send_acknowledged
from streams.settings import StreamSettings
from streams.stage_plan import ALERTS, AUDIT, CORRELATION, QUARANTINE, VERIFIED
from streams.stage_runner import StageRunner, enter_event
from streams.supervision import AgentSupervision
from streams.tables import CorridorTable, PackedTable, WrittenAt, changelog_config
from streams.verifier import Verifier
from streams.verify_stage import VerifyStage

logger = logging.getLogger(__name__)

__all__ = ["RETRY_BACKOFF_S", "create_app", "send_acknowledged", "source_topics"]


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


def _faust_app(settings: StreamSettings) -> faust.App:
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
        topic_replication_factor=settings.taskforce.replication.replication_factor,
        producer_acks=-1,
        producer_linger=settings.producer_linger_s,
        producer_max_batch_size=settings.producer_max_batch_bytes,
        consumer_auto_offset_reset="earliest",
        broker_commit_interval=settings.commit_interval_s,
        web_enabled=True,
        web_bind="127.0.0.1",
        web_port=settings.web_port,
        web_in_thread=False,
        # Fail a send after 30 s (then retried by the sending stage) rather than Faust's 20 min.
        producer_request_timeout=30.0,
        broker_credentials=faust_credentials(settings.security),
        Table=CorridorTable,
        **settings.membership.faust_settings(),
    )
    kafka_transport.set_internal_topic_config(app, settings.taskforce.replication.topic_config())
    set_fetch_max_wait(app, settings.fetch_max_wait_ms)
    return app


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
    app = _faust_app(settings)

    def raw_topic(*names: str, partitions: int | None = None) -> Any:
        return app.topic(*names, key_type=bytes, value_type=bytes, partitions=partitions)

    inbound = raw_topic(*(topics.inbound(m.agency_id) for m in settings.taskforce.publishers))
    verified_topic = raw_topic(topics.verified)
    correlation_topic = raw_topic(topics.correlation, partitions=1)
    quarantine_topic = raw_topic(topics.quarantine)
    runner = StageRunner(
        {
            VERIFIED: verified_topic,
            ALERTS: raw_topic(topics.alerts),
            CORRELATION: correlation_topic,
            QUARANTINE: quarantine_topic,
            AUDIT: raw_topic(topics.audit_events),
        },
        metrics,
    )

    def retained_table(name: str, window_ms: int, written_at: WrittenAt) -> Any:
        # Built as app.Table builds one, as a PackedTable: on memory:// its entries are packed.
        table = PackedTable(
            app,
            name=name,
            default=None,
            beacon=app.tables.beacon,
            key_type=bytes,
            value_type=bytes,
            partitions=settings.partitions,
            extra_topic_configs=changelog_config(window_ms),
            written_at=written_at,
        )
        return app.tables.add(table)

    def single_table(name: str) -> Any:
        return app.Table(name, default=None, key_type=bytes, value_type=bytes, partitions=1)

    # Older bytes are stale whatever record they come in: digests need the window only.
    digest_window_ms = int(settings.freshness.window_s * 1000)
    repeats = ExactRepeats(
        retained_table(DIGESTS_TABLE, digest_window_ms, digest_written_at),
        digest_window_ms,
        metrics,
    )
    window_ms = int(settings.dedupe_retention_s * 1000)
    gate = RevisionGate(
        retained_table(REVISIONS_TABLE, window_ms, revision_written_at), window_ms, metrics
    )
    verify_stage = VerifyStage(
        Verifier(trust, topics, metrics, settings.freshness), repeats, metrics, enter_event
    )
    dedupe_stage = DedupeStage(gate, metrics, enter_event)
    correlation = CorrelationStage(
        Correlator(
            max_fanout=settings.correlation_max_fanout,
            full_weight_upto=settings.correlation_full_weight_upto,
        ),
        single_table(FEATURES_TABLE),
        single_table(PUBLISHED_TABLE),
        hub_id=settings.taskforce.hub_id,
        hub_key=settings.hub_key,
        topics=topics,
        retention_ms=int(settings.correlation_retention_s * 1000),
    )
    correlating = Correlate(
        correlation,
        StageOutputs(quarantine_topic, metrics),
        raw_topic(topics.incidents),
        metrics,
        settings.incident_size_warning,
        PublishedOnTopic(
            settings.bootstrap,
            topics.incidents,
            settings.security,
            hub_verifier(trust, topics, settings.taskforce.hub_id),
        ).read,
    )

    @app.on_partitions_revoked.connect
    async def forget_revoked(sender: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
        revoked = args[0] if args else kwargs.get("revoked", set())
        partitions = {tp.partition for tp in revoked}
        repeats.state.forget(partitions)
        gate.state.forget(partitions)

    @app.agent(inbound)
    @exits_on_unrecoverable
    async def verify(stream: Any) -> None:
        """Drop exact repeats, verify the rest; pass on keyed by the signed id, or quarantine."""
        supervision.started("verify")
        await run_batched(
            stream, verify_stage, runner, settings.stage_batch, settings.stage_batch_s
        )

    @app.agent(verified_topic)
    @exits_on_unrecoverable
    async def dedupe(stream: Any) -> None:
        """Pass on new alerts and higher revisions (as updates); drop repeats and stale ones."""
        supervision.started("dedupe")
        await run_batched(
            stream, dedupe_stage, runner, settings.stage_batch, settings.stage_batch_s
        )

    @app.agent(correlation_topic)
    @exits_on_unrecoverable
    async def correlate(stream: Any) -> None:
        """Link alerts of different agencies into incidents; publish each changed incident.

        Alerts are taken in batches (up to ``correlation_batch``, gathered for at most
        ``incident_coalesce_s``) and each incident they changed is published once per batch.
        """
        supervision.started("correlate")
        await correlating.run(stream, settings.correlation_batch, settings.incident_coalesce_s)

    async def freeze_heap() -> None:
        """Keep full garbage collections short (:mod:`streams.heap`)."""
        freeze_survivors()

    if settings.gc_freeze_interval_s > 0:
        app.timer(interval=settings.gc_freeze_interval_s)(freeze_heap)

    for agent, name in ((verify, "verify"), (dedupe, "dedupe"), (correlate, "correlate")):
        supervision.attach(agent, name)
    return app
