"""The fault cases: each a fault injector and the recovery condition it times.

A process case knows nothing of how many brokers there are or how the hub is deployed:
it acts through :class:`faults.run_context.FaultRun` (start, kill and stop processes by
name; let the pipeline run; mark the moment recovery is timed from). Broker cases
(``faults/broker_cases.py``) need a three-node cluster the harness started; they kill,
pause or restart brokers and mark each return.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from dataclasses import dataclass

from faults.broker_cases import RECOVERY_TARGET_S, broker_paused, brokers_down, leader_killed
from faults.hub import DELIVERY, WORKER, inbox_name
from faults.run_context import FaultRun

Injector = Callable[[FaultRun], None]

#: A kill falls after a random number (in this range) of further stored deliveries.
KILL_AFTER_DELIVERIES = (3, 40)
#: The inbox failpoint fires after a random number (in this range) of new stores.
INBOX_KILL_AFTER_STORES = (1, 8)
#: The storm's workers join or leave after a random pause (seconds) in this range.
STORM_PAUSE_S = (2.0, 5.0)
STORM_WORKERS = ("worker-2", "worker-3")
#: Whose inbox client the inbox case kills (the recipient entitled to the most).
KILLED_INBOX = "EU-EUROPOL"


@dataclass(frozen=True)
class FaultCase:
    """A named fault scenario."""

    name: str
    """As given to ``--case``."""
    summary: str
    """One line for the report."""
    inject: Injector
    """Injects the faults while alerts flow, marking each recovery moment."""
    faults: int
    """How many faults it injects."""
    brokers: int = 1
    """Nodes of the cluster it runs on (broker cases: three)."""
    recovery_target_s: float | None = None
    """Deliveries must be stored again within this long after each fault (None: no target)."""


def sigkill_repeatedly(service: str, kills: int) -> Injector:
    """SIGKILL ``service`` ``kills`` times at random moments; restart it at once each time.

    Each kill waits until the last one's backlog was caught up, so each recovery is
    timed on its own rather than on the pile-up of several.
    """

    def inject(run: FaultRun) -> None:
        for number in range(1, kills + 1):
            run.wait(run.all_caught_up, f"the backlog of kill {number - 1}")
            run.let_run(run.rng.randint(*KILL_AFTER_DELIVERIES))
            run.hub.kill(service)
            restarted = run.hub.start(service)
            run.fault(f"{service} SIGKILL {number}", restarted)

    return inject


def rebalance_storm(duration_s: float) -> Injector:
    """Extra streams workers join and leave (SIGTERM) every few seconds for ``duration_s``."""

    def inject(run: FaultRun) -> None:
        elapsed, events = 0.0, 0
        while elapsed < duration_s:
            pause = run.rng.uniform(*STORM_PAUSE_S)
            run.hold(pause)
            elapsed += pause
            name = run.rng.choice(STORM_WORKERS)
            events += 1
            if run.hub.running(name):
                run.hub.stop(name)
                run.fault(f"{name} left ({events})", time.monotonic())
            else:
                run.fault(f"{name} joined ({events})", run.hub.start(name))
        for name in STORM_WORKERS:
            if run.hub.running(name):
                run.hub.stop(name)
                run.fault(f"{name} left (end)", time.monotonic())

    return inject


def inbox_killed_between_store_and_commit(kills: int, agency: str = KILLED_INBOX) -> Injector:
    """The inbox client SIGKILLs itself (failpoint) after a store, before the commit."""
    name = inbox_name(agency)

    def inject(run: FaultRun) -> None:
        run.hub.stop(name)
        run.hub.start(name, kill_after_store=run.rng.randint(*INBOX_KILL_AFTER_STORES))
        for number in range(1, kills + 1):
            run.wait(lambda: not run.hub.running(name), f"the inbox failpoint ({number})")
            code = run.hub.services[name].process.returncode
            if code != -signal.SIGKILL:
                tail = run.hub.services[name].log_tail()
                raise AssertionError(f"{name} exited with {code}, not by its failpoint:\n{tail}")
            run.hub.kills += 1
            arm = run.rng.randint(*INBOX_KILL_AFTER_STORES) if number < kills else None
            restarted = run.hub.start(name, kill_after_store=arm)
            run.fault(f"{name} killed after store {number}", restarted, recipients=[agency])

    return inject


def cases(scale: float = 1.0) -> dict[str, FaultCase]:
    """The process- and broker-fault cases; ``scale`` below 1 shortens them (the test suite's).

    The outages of ``two-down`` and ``all-down`` outlast the producers' delivery timeout
    whatever the scale: that is what they test.
    """

    def count(full: int) -> int:
        return max(1, round(full * scale))

    worker_kills, delivery_kills, inbox_kills = count(10), count(10), count(20)
    storm_s = max(8.0, 30.0 * scale)
    leader_kills, pause_s = count(5), max(10.0, 30.0 * scale)
    found = [
        FaultCase(
            "worker-kill",
            f"streams worker SIGKILLed {worker_kills}x at random moments",
            sigkill_repeatedly(WORKER, worker_kills),
            worker_kills,
        ),
        FaultCase(
            "delivery-kill",
            f"delivery service SIGKILLed {delivery_kills}x at random moments",
            sigkill_repeatedly(DELIVERY, delivery_kills),
            delivery_kills,
        ),
        FaultCase(
            "rebalance-storm",
            f"two more workers joining and leaving every 2-5 s for {storm_s:.0f} s",
            rebalance_storm(storm_s),
            0,
        ),
        FaultCase(
            "inbox-kill",
            f"{KILLED_INBOX}'s inbox client killed between store and commit {inbox_kills}x",
            inbox_killed_between_store_and_commit(inbox_kills),
            inbox_kills,
        ),
        FaultCase(
            "leader-kill",
            f"the leader of a partition being published to SIGKILLed {leader_kills}x, restarted",
            leader_killed(leader_kills),
            leader_kills,
            brokers=3,
            recovery_target_s=RECOVERY_TARGET_S,
        ),
        FaultCase(
            "broker-pause",
            f"a partition leader's broker paused (SIGSTOP) {pause_s:.0f} s, then resumed",
            broker_paused(pause_s),
            1,
            brokers=3,
            recovery_target_s=RECOVERY_TARGET_S,
        ),
        FaultCase(
            "two-down",
            "two of three brokers SIGKILLed past the delivery timeout (min ISR unmet), restarted",
            brokers_down(2),
            1,
            brokers=3,
            recovery_target_s=RECOVERY_TARGET_S,
        ),
        FaultCase(
            "all-down",
            "all three brokers SIGKILLed past the delivery timeout, restarted",
            brokers_down(3),
            1,
            brokers=3,
            recovery_target_s=RECOVERY_TARGET_S,
        ),
    ]
    return {case.name: case for case in found}
