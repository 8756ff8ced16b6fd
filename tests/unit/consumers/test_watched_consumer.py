"""A stalled group consumer is closed without committing and built again."""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry

from consumers.metrics import consumer_restarts_counter
from consumers.stall_watch import GroupProgress
from consumers.watched_consumer import WatchedConsumer


class _Consumer:
    def __init__(self) -> None:
        self.closed_with: list[bool] = []

    def poll(self, timeout_ms: int) -> dict[Any, list[Any]]:
        return {}

    def assignment(self) -> set[Any]:
        return set()

    def close(self, autocommit: bool = True) -> None:
        self.closed_with.append(autocommit)


class _Monitor:
    def __init__(self) -> None:
        self.latest: GroupProgress | None = None

    def progress(self) -> GroupProgress | None:
        return self.latest


def test_a_stalled_consumer_is_recreated_once_and_counted() -> None:
    now = [0.0]
    built: list[_Consumer] = []

    def build() -> _Consumer:
        built.append(_Consumer())
        return built[-1]

    registry = CollectorRegistry()
    watched = WatchedConsumer(
        "g", build, consumer_restarts_counter(registry), stall_after_s=30.0, clock=lambda: now[0]
    )
    monitor = _Monitor()
    watched.monitor = monitor  # type: ignore[assignment]
    for second in range(40):
        now[0] = float(second)
        if second % 5 == 0:
            monitor.latest = GroupProgress(lag=3, committed=9, at=now[0])
        watched.poll(200)
    assert len(built) == 2
    assert built[0].closed_with == [False]
    assert watched.consumer is built[1]
    assert registry.get_sample_value("corridor_consumer_restarts_total", {"group": "g"}) == 1


def test_without_a_monitor_nothing_is_recreated() -> None:
    now = [0.0]
    registry = CollectorRegistry()
    watched = WatchedConsumer(
        "g", _Consumer, consumer_restarts_counter(registry), stall_after_s=30.0,
        clock=lambda: now[0],
    )  # fmt: skip
    first = watched.consumer
    for second in range(120):
        now[0] = float(second)
        watched.poll(200)
    assert watched.consumer is first
    assert registry.get_sample_value("corridor_consumer_restarts_total", {"group": "g"}) == 0


def test_a_consumer_whose_empty_polls_spin_is_recreated_without_any_lag() -> None:
    from consumers.stall_watch import SPIN_POLLS

    now, cpu = [0.0], [0.0]
    built: list[_Consumer] = []

    class _Spinning(_Consumer):
        def poll(self, timeout_ms: int) -> dict[Any, list[Any]]:
            now[0] += timeout_ms / 1000
            cpu[0] += 0.4 * timeout_ms / 1000 if len(built) == 1 else 0.0
            return {}

    def build() -> _Spinning:
        built.append(_Spinning())
        return built[-1]

    registry = CollectorRegistry()
    watched = WatchedConsumer(
        "g", build, consumer_restarts_counter(registry), stall_after_s=30.0,
        clock=lambda: now[0], cpu_clock=lambda: cpu[0],
    )  # fmt: skip
    for _ in range(SPIN_POLLS * 4):
        watched.poll(200)
    assert len(built) == 2  # the new consumer waits for its fetches: left alone
    assert built[0].closed_with == [False]
    assert registry.get_sample_value("corridor_consumer_restarts_total", {"group": "g"}) == 1
