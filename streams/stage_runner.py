"""Runs a stage over a batch of events: decide, send everything at once, then remember.

The stage decides a prefix of the batch (:mod:`streams.stage_plan`); all its records are
handed to the producer before any acknowledgement is awaited, so a batch costs one round
trip (two when passes have follow-ups) instead of one per record. A pass the broker
refused for the record itself quarantines its input; any other refusal stops the worker
(:func:`streams.sending.exits_on_unrecoverable`). The stage remembers a pass only once it
and its follow-ups were acknowledged, and the runner returns only then: Faust acks the
batch's events (and may commit their offsets) only after that.
"""

from __future__ import annotations

import logging
import time
import weakref
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from faust.streams import _current_event

from producers.errors import SendRefused
from schemas import reasons
from streams.metrics import PHASE_DECIDE, PHASE_SEND, StreamMetrics
from streams.outputs import poison
from streams.sending import RETRY_BACKOFF_S, Sending, send_all_acknowledged, stop_requested
from streams.stage_plan import Output, Step, quarantined

logger = logging.getLogger(__name__)


class Stage(Protocol):
    """A stage as the runner drives it (:class:`~streams.verify_stage.VerifyStage` ...)."""

    name: str
    """The stage's name in metrics and quarantine records."""

    def process(self, events: Sequence[Any]) -> list[Step]:
        """Decide a non-empty prefix of ``events``: one step per event."""

    def acknowledged(self, step: Step) -> None:
        """``step``'s pass and follow-ups were acknowledged: remember it."""


def observe_batch(
    metrics: StreamMetrics, stage: str, records: int, started: float, decided: float
) -> None:
    """Time the batch of ``stage`` started and decided at these ``perf_counter`` readings,
    sent until now."""
    metrics.stage_batch_seconds.labels(stage, PHASE_DECIDE).observe(decided - started)
    metrics.stage_batch_seconds.labels(stage, PHASE_SEND).observe(time.perf_counter() - decided)
    metrics.stage_batch_records.labels(stage).observe(records)


def enter_event(event: Any) -> None:
    """Make ``event`` the current event of this task: Faust sends a table's changelog
    writes to its partition, and reads a partitioned store of that partition.

    Only the task-local current event is set. ``Stream.take_events`` buffers events in
    another task, which reads the stream's ``current_event`` attribute after waiting for
    the agent to finish a batch; ``Stream._set_current_event`` would set that attribute
    too, and the next event buffered would be taken for the one set here.
    """
    _current_event.set(weakref.ref(event))


class StageRunner:
    """Sends the outputs of a stage's steps to the topics of their roles, acknowledged."""

    def __init__(
        self,
        topics: Mapping[str, Any],
        metrics: StreamMetrics,
        *,
        backoff: tuple[float, float] = RETRY_BACKOFF_S,
        stopping: Callable[[], bool] = stop_requested,
    ) -> None:
        self._topics = topics
        self._metrics = metrics
        self._backoff = backoff
        self._stopping = stopping

    async def run(self, stage: Stage, events: Sequence[Any]) -> None:
        """Take ``events`` through ``stage``; returns once every output is acknowledged."""
        remaining = list(events)
        while remaining:
            started = time.perf_counter()
            steps = stage.process(remaining)
            decided = time.perf_counter()
            await self.settle(stage, steps)
            observe_batch(self._metrics, stage.name, len(steps), started, decided)
            remaining = remaining[len(steps) :]

    async def settle(self, stage: Stage, steps: Sequence[Step]) -> None:
        """Send ``steps``' records, quarantine refused passes, send follow-ups, remember."""
        first: list[tuple[Step, Output, bool]] = []
        for step in steps:
            first.extend((step, output, False) for output in step.sent)
            if step.passed is not None:
                first.append((step, step.passed, True))
        refusals = await self._send([output for _, output, _ in first])
        passed: list[Step] = []
        second: list[Output] = []
        for (step, _, is_pass), refused in zip(first, refusals, strict=True):
            if refused is None:
                if is_pass:
                    passed.append(step)
                continue
            if not is_pass:  # a quarantine record or audit event must be written
                raise refused
            message = step.event.message
            rejected = poison(
                self._metrics, message, step.stage, reasons.RECORD_TOO_LARGE, str(refused)
            )
            second.extend(quarantined(step.event, step.stage, rejected).sent)
        for step in passed:
            second.extend(step.follow_ups)
        for refused in await self._send(second):
            if refused is not None:
                raise refused
        for step in passed:
            stage.acknowledged(step)

    async def _send(self, outputs: Sequence[Output]) -> list[SendRefused | None]:
        if not outputs:
            return []
        sendings = [
            Sending(
                self._topics[output.topic],
                output.key,
                output.value,
                output.headers,
                retried=self._metrics.send_retries.labels(output.topic),
            )
            for output in outputs
        ]
        return await send_all_acknowledged(sendings, backoff=self._backoff, stopping=self._stopping)
