"""Broker fault injectors: a partition leader killed, a broker paused, two or all brokers down.

They act on the three-node cluster the harness started (:attr:`FaultRun.cluster`;
three copies of every topic, two in sync needed for a write, unclean leader election
off) and mark each broker's *return* as the moment recovery is timed from. A broker's
restart runs in :meth:`FaultRun.meanwhile`, so the stores are watched while the JVM
starts. After its faults each injector waits until the cluster is healthy again
(every broker registered, nothing under-replicated), so the next case starts whole.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from faults.run_context import FaultRun
from kafka_local.cluster import LocalKafkaCluster

#: A broker fault falls after a random number (in this range) of further stored deliveries.
FAULT_AFTER_DELIVERIES = (3, 30)
#: With the leader killed, this many more deliveries (random in range) before its restart:
#: the pipeline must go on with one broker down.
WHILE_DOWN_DELIVERIES = (3, 15)
#: An outage lasts the producers' delivery timeout plus this: long enough that sends
#: made in it expire (and must be reported failed), short enough to keep a case bounded.
OUTAGE_MARGIN_S = 15.0
#: How long a broker (JVM) may take to start and answer.
BROKER_START_S = 120.0
#: Target: deliveries are stored again within this long after a broker's return.
RECOVERY_TARGET_S = 30.0


def _healthy(run: FaultRun) -> None:
    cluster = run.cluster
    run.wait(lambda: not cluster.health_problems(), "every broker back in sync", BROKER_START_S)


def _published_partition_leader(run: FaultRun) -> tuple[int, str]:
    """The node leading the partition the latest acknowledged alert went to, and its name."""
    last = run.publisher.last_acknowledged
    if last is None:
        raise AssertionError("no alert acknowledged yet: no partition is being published to")
    leader = run.cluster.leader_of(last.topic, last.partition)
    return leader, f"{last.topic}[{last.partition}]"


def _start(run: FaultRun, cluster: LocalKafkaCluster, node_ids: list[int]) -> float:
    """Launch ``node_ids`` together (a controller quorum may need both), wait until they answer.

    Returns when they answered (``time.monotonic()``): the broker's return.
    """

    def start() -> None:
        for node_id in node_ids:
            cluster.node(node_id).launch()
        for node_id in node_ids:
            cluster.node(node_id).wait_ready(BROKER_START_S)

    run.meanwhile(start, f"starting brokers {node_ids}")
    return time.monotonic()


def leader_killed(kills: int) -> Callable[[FaultRun], None]:
    """SIGKILL a published partition's leader ``kills`` times; restart it each time."""

    def inject(run: FaultRun) -> None:
        cluster = run.cluster
        for number in range(1, kills + 1):
            run.wait(run.all_caught_up, f"the backlog of kill {number - 1}")
            _healthy(run)
            run.let_run(run.rng.randint(*FAULT_AFTER_DELIVERIES))
            leader, partition = _published_partition_leader(run)
            run.meanwhile(cluster.node(leader).kill, f"killing broker {leader}")
            run.let_run(run.rng.randint(*WHILE_DOWN_DELIVERIES))
            back = _start(run, cluster, [leader])
            run.fault(f"broker {leader} (leading {partition}) SIGKILL {number}", back)
        _healthy(run)

    return inject


def broker_paused(pause_s: float) -> Callable[[FaultRun], None]:
    """SIGSTOP the leader of a partition being published to for ``pause_s``, then SIGCONT."""

    def inject(run: FaultRun) -> None:
        cluster = run.cluster
        _healthy(run)
        run.let_run(run.rng.randint(*FAULT_AFTER_DELIVERIES))
        leader, partition = _published_partition_leader(run)
        cluster.node(leader).pause()
        try:
            run.hold(pause_s)
        finally:
            cluster.node(leader).resume()
        run.fault(f"broker {leader} (leading {partition}) paused {pause_s:.0f} s", time.monotonic())
        _healthy(run)

    return inject


def brokers_down(count: int) -> Callable[[FaultRun], None]:
    """SIGKILL ``count`` brokers (random), keep them down past the delivery timeout, restart.

    With two of three down no write has the two copies it needs; with all down there
    is no broker at all. Either way the span is recorded as an outage: the publisher
    must report sends made in it failed, and acknowledge none.
    """

    def inject(run: FaultRun) -> None:
        cluster = run.cluster
        _healthy(run)
        run.let_run(run.rng.randint(*FAULT_AFTER_DELIVERIES))
        victims = sorted(run.rng.sample(cluster.node_ids, count))
        for node_id in victims:
            run.meanwhile(cluster.node(node_id).kill, f"killing broker {node_id}")
        down = time.monotonic()
        run.hold(run.publisher.delivery_timeout_s + OUTAGE_MARGIN_S)
        label = f"brokers {', '.join(map(str, victims))} down"
        run.outage(label, down, time.monotonic())
        back = _start(run, cluster, victims)
        run.fault(f"{label} {back - down:.0f} s", back)
        _healthy(run)

    return inject
