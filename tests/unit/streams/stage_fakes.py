"""Fakes for driving a stage through the real StageRunner without a broker."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import aiokafka.errors as aiokafka_errors
from faust.exceptions import ProducerSendError
from prometheus_client import CollectorRegistry

from streams.metrics import StreamMetrics
from streams.stage_plan import ALERTS, AUDIT, CORRELATION, QUARANTINE, VERIFIED
from streams.stage_runner import Stage, StageRunner


@dataclass
class FakeMessage:
    """What a stage reads of a Faust message."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]] = field(default_factory=list)
    timestamp: float = 0.0
    timestamp_type: int = 0


@dataclass
class FakeEvent:
    """A Faust event: the message it carries."""

    message: FakeMessage


def _failed(error: BaseException) -> ProducerSendError:
    """The error Faust's producer raises for ``error`` (as the real one wraps it)."""
    try:
        raise ProducerSendError(f"Error while sending: {error!r}") from error
    except ProducerSendError as exc:
        return exc


class FakeTopic:
    """A topic that acknowledges every send but those numbered in ``refuse`` (too large)."""

    def __init__(self, name: str, refuse: Sequence[int] = ()) -> None:
        self.name = name
        self.refuse = set(refuse)
        self.sends = 0
        self.records: list[tuple[bytes | None, bytes, Any]] = []

    def get_topic_name(self) -> str:
        return self.name

    async def send(self, *, key: bytes | None, value: bytes, headers: Any) -> Any:
        number = self.sends
        self.sends += 1
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        if number in self.refuse:
            future.set_exception(_failed(aiokafka_errors.MessageSizeTooLargeError()))
        else:
            self.records.append((key, value, headers))
            future.set_result("metadata")
        return future


def fake_topics(refuse_passes: Sequence[int] = ()) -> dict[str, FakeTopic]:
    """Topics of every output role; the pass topics refuse the sends numbered ``refuse_passes``."""
    return {
        VERIFIED: FakeTopic(VERIFIED, refuse_passes),
        ALERTS: FakeTopic(ALERTS, refuse_passes),
        CORRELATION: FakeTopic(CORRELATION),
        QUARANTINE: FakeTopic(QUARANTINE),
        AUDIT: FakeTopic(AUDIT),
    }


def new_metrics() -> StreamMetrics:
    return StreamMetrics.create(CollectorRegistry())


def drive(
    stage: Stage,
    batches: Sequence[Sequence[FakeEvent]],
    topics: dict[str, FakeTopic],
    metrics: StreamMetrics,
) -> None:
    """Take each batch through ``stage`` with the real runner, as the agent does."""
    runner = StageRunner(topics, metrics, backoff=(0.0, 0.0), stopping=lambda: False)

    async def run() -> None:
        for batch in batches:
            await runner.run(stage, batch)

    asyncio.run(run())
