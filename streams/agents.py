"""The loops of the worker's Faust agents: take a batch, run its stage, wait for the acks.

Faust acks the events of a batch (and may commit their offsets) when the agent asks for
the next batch, so each loop asks only once every output of the batch is acknowledged.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from schemas import reasons
from streams.correlation_stage import CorrelationStage, Publication
from streams.features import AlertFeatures
from streams.metrics import StreamMetrics
from streams.outputs import StageOutputs
from streams.sending import Sending, send_all_acknowledged
from streams.stage_runner import Stage, StageRunner, enter_event, observe_batch

logger = logging.getLogger(__name__)

STAGE_CORRELATE = "correlate"
#: The worker's interpreter switch interval (seconds): how long the correlating thread may
#: keep the interpreter lock from the event loop that waits for it (Python's default: 5 ms).
LOOP_SWITCH_INTERVAL_S = 0.001


async def run_batched(
    stream: Any, stage: Stage, runner: StageRunner, batch: int, within_s: float
) -> None:
    """Take up to ``batch`` events (gathered for at most ``within_s``) through ``stage``."""
    async for events in stream.take_events(batch, within_s):
        await runner.run(stage, events)


class Correlate:
    """The correlate agent: alerts' features in batches, each changed incident published once."""

    def __init__(
        self,
        correlation: CorrelationStage,
        outputs: StageOutputs,
        incidents_topic: Any,
        metrics: StreamMetrics,
        incident_size_warning: int,
        published_on_topic: Callable[[], Awaitable[list[dict[str, Any]]]] | None = None,
    ) -> None:
        self.correlation = correlation
        self._outputs = outputs
        self._incidents_topic = incidents_topic
        self._metrics = metrics
        self._size_warning = incident_size_warning
        self._published_on_topic = published_on_topic

    async def run(self, stream: Any, batch: int, within_s: float) -> None:
        """Correlate batches of up to ``batch`` alerts gathered for at most ``within_s``.

        The batch's offsets are acknowledged only after every version was.
        """
        async for events in stream.take_events(batch, within_s):
            await self.take(events)

    async def take(self, events: list[Any]) -> None:
        """Correlate one batch and publish the incidents it changed."""
        started = time.perf_counter()
        outputs = self._outputs
        batch: list[tuple[AlertFeatures, bytes]] = []
        sources = []
        for event in events:
            message = event.message
            if message.value is None:
                tombstone = "record has no value (tombstone)"
                await outputs.quarantine(
                    message, outputs.poison(message, STAGE_CORRELATE, reasons.TOMBSTONE, tombstone)
                )
                continue
            try:
                batch.append((AlertFeatures.from_json(message.value), message.value))
            except Exception as exc:  # an unforeseen shape must not stop the stage
                logger.exception("cannot read features %s@%d", message.topic, message.offset)
                detail = f"{type(exc).__name__}: {exc}"
                await outputs.quarantine(
                    message, outputs.poison(message, STAGE_CORRELATE, reasons.UNPROCESSABLE, detail)
                )
                continue
            sources.append(message)
        if not batch:
            return
        if not self.correlation.rebuilt and self._published_on_topic is not None:
            # Before the first batch rebuilds the correlator: the versions recipients hold,
            # which a crash may have kept from the published table. Awaited in this task
            # with the batch in hand: take_events' buffering task waits for the batch and
            # then reads the stream's own current event, which enter_event leaves alone.
            self.correlation.recover_published(await self._published_on_topic())
        # Table writes go to the changelog partition of the current event (one partition).
        enter_event(events[-1])
        try:
            tables = self.correlation.store(batch)
            # In a thread: linking a batch into large incidents takes long enough to hold up
            # every other stage of this worker, which share its event loop. The thread
            # still shares the interpreter lock, but gives it up to the loop within
            # LOOP_SWITCH_INTERVAL_S (the worker sets it at start).
            publications = await asyncio.to_thread(self.correlation.correlate, batch, tables)
            self.correlation.evict_if_due(batch)
        except Exception as exc:  # a bug on some input: quarantine the batch, go on
            logger.exception("cannot correlate %d alerts", len(batch))
            detail = f"{type(exc).__name__}: {exc}"
            for message in sources:
                await outputs.quarantine(
                    message, outputs.poison(message, STAGE_CORRELATE, reasons.UNPROCESSABLE, detail)
                )
            return
        decided = time.perf_counter()
        self._metrics.correlate_seconds.observe(decided - started)
        self._metrics.correlation_batch.observe(len(batch))
        await self._publish(sources[-1], publications)
        observe_batch(self._metrics, STAGE_CORRELATE, len(batch), started, decided)
        state = self.correlation.correlator
        self._metrics.correlation_state.labels("alerts").set(len(state.alerts))
        self._metrics.correlation_state.labels("links").set(state.link_count())
        self._metrics.correlation_state.labels("common_values").set(len(state.common))

    async def _publish(self, source: Any, publications: list[Publication]) -> None:
        """Send every incident version at once, then remember each one acknowledged."""
        retried = self._metrics.send_retries.labels("incidents")
        refusals = await send_all_acknowledged(
            [
                Sending(
                    self._incidents_topic, p.record.key, p.record.value, p.record.headers, retried
                )
                for p in publications
            ]
        )
        quarantined = False
        for publication, refused in zip(publications, refusals, strict=True):
            if refused is not None:  # the record itself (too large): its input is quarantined
                if not quarantined:
                    rejected = self._outputs.poison(
                        source, STAGE_CORRELATE, reasons.RECORD_TOO_LARGE, str(refused)
                    )
                    await self._outputs.quarantine(source, rejected)
                    quarantined = True
                continue
            self.correlation.published(publication)
            incident = publication.incident
            self._metrics.incidents.labels(incident["status"]).inc()
            if len(incident["members"]) > self._size_warning:
                self._metrics.large_incidents.inc()
                logger.warning(
                    "incident %s version %d has %d members (over %d): a common value may "
                    "be gluing unrelated alerts together",
                    incident["incident_id"],
                    incident["version"],
                    len(incident["members"]),
                    self._size_warning,
                )
