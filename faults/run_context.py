"""What a fault injector works with while alerts flow: the hub, the stores, a seeded RNG.

An injector marks each fault's *recovery moment* (a process restarted, a broker back)
with :meth:`FaultRun.fault`. Two times are measured from it: until the first delivery
stored after it (flow resumed), and until the first stored delivery of an alert
acknowledged after it (the backlog the fault left is caught up, end to end).
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from faults.evidence import StoreWatcher
from faults.hub import FaultHub
from faults.outages import Outage
from faults.publisher import SteadyPublisher
from kafka_local.cluster import LocalKafkaCluster

POLL_INTERVAL_S = 0.1
"""How often a wait looks at the stores again."""


@dataclass(frozen=True)
class FaultMark:
    """One fault, and the moment from which its recovery is timed."""

    label: str
    """What happened, e.g. ``worker SIGKILL 3``."""
    moment: float
    """``time.monotonic()`` of the restart (or return) recovery is timed from."""
    recipients: tuple[str, ...]
    """Whose stores show the flow (all recipients unless the fault is one recipient's)."""


class FaultRun:
    """The running case, as an injector sees it."""

    def __init__(
        self,
        hub: FaultHub,
        publisher: SteadyPublisher,
        rng: random.Random,
        timeout_s: float,
        cluster: LocalKafkaCluster | None = None,
    ) -> None:
        self.hub = hub
        self._cluster = cluster
        self.publisher = publisher
        self.rng = rng
        self.timeout_s = timeout_s
        """How long any single wait may take before the case fails."""
        self.watchers = {r: StoreWatcher(hub.store(r)) for r in hub.recipients}
        self.marks: list[FaultMark] = []
        self.outages: list[Outage] = []
        """Spans in which no write could be acknowledged (checked: publishers failed loudly)."""
        self._pause = threading.Event()

    @property
    def cluster(self) -> LocalKafkaCluster:
        """The brokers, for a case that faults them (the harness must have started them)."""
        if self._cluster is None:
            raise RuntimeError("a broker case needs a cluster the harness started itself")
        return self._cluster

    def fault(self, label: str, moment: float, recipients: Iterable[str] | None = None) -> None:
        """Record a fault whose recovery is timed from ``moment``."""
        scope = tuple(recipients) if recipients is not None else tuple(self.hub.recipients)
        self.marks.append(FaultMark(label, moment, scope))

    def outage(self, label: str, start: float, end: float) -> None:
        """Record that no write could be acknowledged from ``start`` to ``end``."""
        self.outages.append(Outage(label, start, end))

    def poll(self) -> None:
        """Read what the stores gained since the last look."""
        for watcher in self.watchers.values():
            watcher.poll()

    def rows(self, recipients: Iterable[str] | None = None) -> int:
        """Rows stored so far in the given (default all) recipients' stores."""
        names = self.hub.recipients if recipients is None else list(recipients)
        return sum(self.watchers[r].rows for r in names)

    def wait(self, condition: Callable[[], bool], what: str, timeout: float | None = None) -> None:
        """Poll the stores and ``condition`` until it holds; AssertionError after the deadline."""
        deadline = time.monotonic() + (self.timeout_s if timeout is None else timeout)
        while True:
            self.poll()
            if condition():
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            self._pause.wait(POLL_INTERVAL_S)

    def settle(self, condition: Callable[[], bool], interval_s: float = POLL_INTERVAL_S) -> bool:
        """Poll ``condition`` (every ``interval_s``) until it holds or the timeout; say which."""
        deadline = time.monotonic() + self.timeout_s
        while not condition():
            if time.monotonic() > deadline:
                return False
            self._pause.wait(interval_s)
        return True

    def meanwhile(self, action: Callable[[], None], what: str) -> None:
        """Run a blocking ``action`` (start a broker, say) while still watching the stores.

        The stores are polled all along, so a delivery stored meanwhile is timed when it
        was stored, not when the action returned.
        """
        failure: list[BaseException] = []

        def act() -> None:
            try:
                action()
            except BaseException as exc:
                failure.append(exc)

        worker = threading.Thread(target=act, name=what, daemon=True)
        worker.start()
        while worker.is_alive():
            self.poll()
            worker.join(POLL_INTERVAL_S)
        if failure:
            raise AssertionError(f"{what} failed: {failure[0]}") from failure[0]

    def let_run(self, deliveries: int, recipients: Iterable[str] | None = None) -> None:
        """Let the pipeline store ``deliveries`` more rows: a moment chosen by progress."""
        names = list(self.hub.recipients if recipients is None else recipients)
        self.poll()
        target = self.rows(names) + deliveries
        self.wait(lambda: self.rows(names) >= target, f"{deliveries} more deliveries")

    def hold(self, seconds: float) -> None:
        """Let the pipeline run for ``seconds`` (a fault schedule's pacing, not a wait)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.poll()
            self._pause.wait(min(POLL_INTERVAL_S, max(0.0, deadline - time.monotonic())))

    def resume_seconds(self, mark: FaultMark) -> float | None:
        """Seconds from ``mark`` to the first delivery stored after it (None: none yet)."""
        after = [
            at
            for r in mark.recipients
            for at in self.watchers[r].first_seen.values()
            if at > mark.moment
        ]
        return min(after) - mark.moment if after else None

    def caught_up_seconds(self, mark: FaultMark) -> float | None:
        """Seconds from ``mark`` to the first stored delivery of an alert acknowledged after it."""
        fresh = self.publisher.acknowledged_after(mark.moment)
        seen = [
            at
            for r in mark.recipients
            for message_id, at in self.watchers[r].first_seen.items()
            if message_id in fresh
        ]
        return min(seen) - mark.moment if seen else None

    def all_resumed(self) -> bool:
        """Deliveries were stored after every fault so far."""
        return all(self.resume_seconds(m) is not None for m in self.marks)

    def all_caught_up(self) -> bool:
        """Every fault so far has its catch-up time."""
        return all(self.caught_up_seconds(m) is not None for m in self.marks)
