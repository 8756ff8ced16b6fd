"""The correlate agent's loop body: the incidents topic is read once, before the rebuild."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterable
from typing import Any

import pytest

from schemas.codec import decode_single_object
from schemas.envelope import open_envelope
from schemas.keys import generate_private_key
from schemas.topics import TopicNames
from streams.agents import Correlate
from streams.correlation_stage import CorrelationStage
from streams.correlator import Correlator, IncidentChange
from streams.features import AlertFeatures
from streams.outputs import StageOutputs
from tests.unit.streams.correlation_fixtures import features
from tests.unit.streams.stage_fakes import FakeEvent, FakeMessage, FakeTopic, new_metrics

HUB_KEY = generate_private_key()
PHONE = (("phone", "+905321234567"),)


def _stage(features_table: dict[bytes, bytes]) -> CorrelationStage:
    return CorrelationStage(
        Correlator(max_fanout=2),
        features_table,
        {},
        hub_id="TF-HUB",
        hub_key=HUB_KEY,
        topics=TopicNames("t"),
        retention_ms=30 * 24 * 3600 * 1000,
    )


def _event(offset: int, raw: bytes) -> FakeEvent:
    return FakeEvent(FakeMessage("t.correlation", 0, offset, b"k", raw))


def test_the_first_batch_after_a_start_withdraws_what_only_the_topic_shows() -> None:
    features_table: dict[bytes, bytes] = {}
    first = _stage(features_table)
    first.process(features("TR-SG", "a1", ids=PHONE).to_json())
    [published] = first.process(features("GR-HCG", "b1", ids=PHONE).to_json())
    first.process(features("PK-FIA", "c1", ids=PHONE).to_json())  # lost with the process
    reads: list[int] = []

    async def published_on_topic() -> list[dict[str, Any]]:
        reads.append(1)
        await asyncio.sleep(0)  # a read that yields to the loop, as the real one does
        return [published.incident]

    metrics = new_metrics()
    incidents = FakeTopic("t.incidents")
    agent = Correlate(
        _stage(dict(features_table)),
        StageOutputs(FakeTopic("t.quarantine"), metrics),
        incidents,
        metrics,
        200,
        published_on_topic,
    )
    other = (("phone", "+902121234567"),)

    async def two_batches() -> None:
        await agent.take([_event(3, features("PK-FIA", "d1", ids=other).to_json())])
        await agent.take([_event(4, features("PK-FIA", "d2", ids=other).to_json())])

    asyncio.run(two_batches())
    assert reads == [1]
    assert len(incidents.records) == 1
    _, value, _ = incidents.records[0]
    _, withdrawn = decode_single_object(open_envelope(value).payload)
    assert (withdrawn["incident_id"], withdrawn["version"], withdrawn["status"]) == (
        published.incident["incident_id"],
        2,
        "WITHDRAWN",
    )


def test_other_stages_run_while_a_batch_is_being_correlated() -> None:
    # The verify and dedupe agents share the worker's event loop with this one: linking a
    # batch into large incidents used to hold them all up until it was done.
    other_stage_ran = threading.Event()

    class SlowCorrelator(Correlator):
        def add_many(self, batch: Iterable[AlertFeatures]) -> list[IncidentChange]:
            assert other_stage_ran.wait(20), "nothing else ran while correlating"
            return super().add_many(batch)

    stage = _stage({})
    stage.correlator = SlowCorrelator(max_fanout=2)
    metrics = new_metrics()
    incidents = FakeTopic("t.incidents")
    agent = Correlate(
        stage, StageOutputs(FakeTopic("t.quarantine"), metrics), incidents, metrics, 200
    )

    async def another_stage() -> None:
        other_stage_ran.set()

    async def correlate_while_another_stage_waits() -> None:
        waiting = asyncio.ensure_future(another_stage())
        await agent.take(
            [
                _event(0, features("TR-SG", "a1", ids=PHONE).to_json()),
                _event(1, features("GR-HCG", "b1", ids=PHONE).to_json()),
            ]
        )
        await waiting

    asyncio.run(correlate_while_another_stage_waits())
    assert len(incidents.records) == 1


def test_an_incident_version_over_the_size_warning_is_counted_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    metrics = new_metrics()
    incidents = FakeTopic("t.incidents")
    stage = CorrelationStage(
        Correlator(),
        {},
        {},
        hub_id="TF-HUB",
        hub_key=HUB_KEY,
        topics=TopicNames("t"),
        retention_ms=30 * 24 * 3600 * 1000,
    )
    agent = Correlate(
        stage, StageOutputs(FakeTopic("t.quarantine"), metrics), incidents, metrics, 2
    )
    alerts = [
        features(agency, f"s{n}", ids=PHONE)
        for n, agency in enumerate(["TR-SG", "GR-HCG", "PK-FIA"])
    ]

    async def one_at_a_time() -> None:
        for offset, alert in enumerate(alerts):
            await agent.take([_event(offset, alert.to_json())])

    with caplog.at_level(logging.WARNING, logger="streams.agents"):
        asyncio.run(one_at_a_time())
    # Versions of 2 members (not over the warning of 2), then one of 3.
    assert len(incidents.records) == 2
    assert metrics.large_incidents._value.get() == 1
    [warning] = [r for r in caplog.records if "members (over 2)" in r.getMessage()]
    assert "version 2 has 3 members" in warning.getMessage()
