"""The Faust application: wires the verification and deduplication stages to topics.

Topology (keys ``AGENCY:alert_id`` end to end, so every stage is co-partitioned)::

    <prefix>.inbound.<AGENCY> --verify--> <prefix>.verified --dedupe--> <prefix>.alerts
                                 \\--> <prefix>.quarantine (reason + original bytes)

Records are raw bytes: the originator's signed envelope is passed on unchanged.
Every send is acknowledged (acks=all, idempotent producer) before the agent takes
the next event, and offsets are committed after that: at-least-once.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import faust

from schemas.envelope import RecordHeaders
from schemas.quarantine import SourceRecord
from schemas.truststore import TrustStore
from streams import kafka_transport
from streams.metrics import StreamMetrics
from streams.settings import StreamSettings
from streams.verifier import Rejected, Verifier

logger = logging.getLogger(__name__)


def _headers(message: Any) -> RecordHeaders:
    raw = message.headers or []
    items = raw.items() if isinstance(raw, dict) else raw
    return [(str(name), bytes(value)) for name, value in items]


#: Backoff between attempts of a send the broker did not acknowledge.
RETRY_BACKOFF_S = (0.5, 30.0)


async def send_acknowledged(
    topic: Any,
    key: bytes | None,
    value: bytes,
    headers: RecordHeaders | None = None,
    *,
    backoff: tuple[float, float] = RETRY_BACKOFF_S,
) -> None:
    """Send until the broker acknowledged it (acks=all); retry with backoff meanwhile.

    In Faust an exception escaping an agent still acks the event, and the
    producer flush before a commit does not fail on a lost send: either way the
    source offset would be committed without the output. So the send is retried
    here, and the agent takes no further event (commits nothing new) until it
    succeeds.
    """
    delay, ceiling = backoff
    while True:
        try:
            pending = await topic.send(key=key, value=value, headers=headers)
            await pending
            return
        except Exception as exc:  # ProducerSendError, KafkaError, timeouts: all retried
            name = topic.get_topic_name()
            logger.warning("send to %s not acknowledged, retrying in %.1fs: %r", name, delay, exc)
            await asyncio.sleep(delay)
            delay = min(delay * 2, ceiling)


def create_app(settings: StreamSettings, trust_store: TrustStore, metrics: StreamMetrics) -> Any:
    """Build the Faust app with its agents (not started)."""
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
    )
    inbound_names = [topics.inbound(m.agency_id) for m in settings.taskforce.publishers]
    inbound = app.topic(*inbound_names, key_type=bytes, value_type=bytes)
    verified_topic = app.topic(topics.verified, key_type=bytes, value_type=bytes)
    alerts_topic = app.topic(topics.alerts, key_type=bytes, value_type=bytes)
    quarantine_topic = app.topic(topics.quarantine, key_type=bytes, value_type=bytes)
    verifier = Verifier(trust_store, topics, metrics)

    @app.agent(inbound)
    async def verify(stream: Any) -> None:
        """Verify every inbound record; forward it unchanged or quarantine it."""
        async for event in stream.events():
            message = event.message
            headers = _headers(message)
            result = verifier.check(SourceRecord.of(message, headers))
            if isinstance(result, Rejected):
                logger.warning(
                    "quarantined %s[%d]@%d: %s",
                    message.topic,
                    message.partition,
                    message.offset,
                    result.reason,
                )
                await send_acknowledged(quarantine_topic, message.key, result.quarantine_value)
            else:
                await send_acknowledged(verified_topic, message.key, message.value, headers)

    @app.agent(verified_topic)
    async def dedupe(stream: Any) -> None:
        """Deduplication stage: passes everything through until it is built."""
        async for event in stream.events():
            message = event.message
            await send_acknowledged(alerts_topic, message.key, message.value, _headers(message))
            metrics.passed.inc()

    return app
