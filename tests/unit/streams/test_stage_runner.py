"""The stage runner: every output acknowledged before the stage remembers anything."""

from __future__ import annotations

import asyncio

import aiokafka.errors as aiokafka_errors
import faust
import pytest
from faust.streams import current_event
from prometheus_client import CollectorRegistry

from producers.errors import SendRefused
from streams.metrics import StreamMetrics
from streams.stage_plan import AUDIT, QUARANTINE, Output, Step
from streams.stage_runner import StageRunner, enter_event
from tests.unit.streams.stage_fakes import (
    FakeEvent,
    FakeMessage,
    FakeTopic,
    fake_topics,
    new_metrics,
)


class _Stage:
    """Passes every record on to the audit role (a must-send) or quarantine; remembers."""

    name = "test"

    def __init__(self, role: str) -> None:
        self.role = role
        self.remembered: list[Step] = []

    def process(self, events: list[FakeEvent]) -> list[Step]:
        return [Step(event, "test", sent=[Output(self.role, b"k", b"v")]) for event in events]

    def acknowledged(self, step: Step) -> None:
        self.remembered.append(step)


class _Refusing(FakeTopic):
    async def send(self, *, key: bytes | None, value: bytes, headers: object) -> object:
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        future.set_exception(aiokafka_errors.TopicAuthorizationFailedError())
        return future


@pytest.mark.parametrize("role", [AUDIT, QUARANTINE])
def test_a_refused_must_send_stops_the_stage(role: str) -> None:
    topics = fake_topics()
    topics[role] = _Refusing(role)
    runner = StageRunner(topics, new_metrics(), backoff=(0.0, 0.0), stopping=lambda: False)
    event = FakeEvent(FakeMessage("t", 0, 0, b"k", b"v"))
    with pytest.raises(SendRefused):
        asyncio.run(runner.run(_Stage(role), [event]))


def test_entering_an_event_leaves_the_streams_own_current_event_alone() -> None:
    """take_events' buffering task reads Stream.current_event after the batch: it must
    still be the event that task set, not one the agent entered for a table write."""
    app = faust.App("unit-enter", broker="memory://")
    stream = app.stream([])
    buffered = FakeEvent(FakeMessage("t", 1, 9, b"k", b"v"))
    stream.current_event = buffered
    entered = FakeEvent(FakeMessage("t", 2, 3, b"k", b"v"))
    enter_event(entered)
    assert current_event() is entered
    assert stream.current_event is buffered


def test_each_batch_is_timed_by_phase_and_counted() -> None:
    registry = CollectorRegistry()
    metrics = StreamMetrics.create(registry)
    runner = StageRunner(fake_topics(), metrics, backoff=(0.0, 0.0), stopping=lambda: False)
    events = [FakeEvent(FakeMessage("t", 0, offset, b"k", b"v")) for offset in range(3)]

    async def two_batches() -> None:
        await runner.run(_Stage(AUDIT), events)
        await runner.run(_Stage(AUDIT), events[:1])

    asyncio.run(two_batches())
    for phase in ("decide", "send"):
        labels = {"stage": "test", "phase": phase}
        assert registry.get_sample_value("corridor_stream_stage_batch_seconds_count", labels) == 2
    labels = {"stage": "test"}
    assert registry.get_sample_value("corridor_stream_stage_batch_records_count", labels) == 2
    assert registry.get_sample_value("corridor_stream_stage_batch_records_sum", labels) == 4
