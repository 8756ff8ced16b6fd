"""bench/pipeline/hub_runs.py: the steady mode never publishes an alert before it is due."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from bench.pipeline.hub_runs import publish_paced


class RecordingPublisher:
    """Stands in for the timed publisher: notes when each record was handed over."""

    def __init__(self) -> None:
        self.handed: list[tuple[Any, float]] = []

    def publish(self, records: Sequence[Any]) -> list[Any]:
        now = time.monotonic()
        self.handed.extend((record, now) for record in records)
        return list(records)


def test_every_record_waits_for_its_slot_and_none_is_lost() -> None:
    publisher = RecordingPublisher()
    records = list(range(30))
    start = time.monotonic()
    outcomes = publish_paced(publisher, records, per_second=300.0)  # type: ignore[arg-type]
    assert outcomes == records
    assert [record for record, _ in publisher.handed] == records
    for record, at in publisher.handed:
        assert at >= start + record / 300.0 - 1e-3, f"record {record} published early"
    span = publisher.handed[-1][1] - publisher.handed[0][1]
    assert span >= 29 / 300.0 - 1e-3
