"""Running one fault case end to end, and what it reports.

Deploy a fresh task force under its own topic prefix; start one streams worker, the
delivery service and every recipient's inbox client; publish the workload steadily;
once deliveries flow, let the case inject its faults; keep publishing until every
fault has recovered; stop publishing and wait for the backlog to drain; then ask the
independent checker.
"""

from __future__ import annotations

import random
import statistics
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from faults.cases import FaultCase
from faults.checker import Verdict, check, expected_deliveries
from faults.deployment import deploy
from faults.evidence import (
    active_finals,
    inbound_alerts,
    incidents_on_topic,
    quarantined,
    read_store,
    stored_incident_digest,
)
from faults.hub import FaultHub
from faults.outages import lost_alerts, outage_problems
from faults.publisher import SteadyPublisher
from faults.reference import reference_incidents
from faults.run_context import FaultRun
from faults.workload import PUBLISHERS, RECIPIENTS, Workload
from kafka_local.cluster import LocalKafkaCluster
from throwaway_deployment import replication_for

#: Alerts published per second while the case runs.
DEFAULT_RATE = 4.0
#: Deliveries stored before the first fault: the pipeline is up end to end.
WARM_UP_DELIVERIES = 5


@dataclass(frozen=True)
class CaseSettings:
    """How a case runs."""

    bootstrap: str
    """Kafka bootstrap servers."""
    workdir: Path
    """Where the case's deployment, stores and logs go (a fresh sub-directory)."""
    seed: int = 1
    """Seeds the workload and the fault moments."""
    rate: float = DEFAULT_RATE
    """Alerts per second."""
    timeout_s: float = 120.0
    """Longest any one wait (warm-up, a recovery, the drain) may take."""
    session_timeout_s: float | None = None
    """Passed to the hub's services; None keeps their default."""
    cluster: LocalKafkaCluster | None = None
    """The cluster the harness started at ``bootstrap``: broker cases fault its nodes, and
    topics get its replication (``replication_for`` its size). None: a broker given."""


@dataclass
class CaseReport:
    """One row of the matrix."""

    case: str
    """The case's name."""
    summary: str
    """What it injected."""
    faults: int
    """Faults injected."""
    published: int
    """Alerts sent."""
    verdict: Verdict
    """The checker's figures."""
    recoveries: list[tuple[str, float | None]] = field(default_factory=list)
    """Each fault and the time until deliveries were stored again (None: never)."""
    catch_ups: list[float | None] = field(default_factory=list)
    """Each fault's time until an alert published after it was stored (None: never)."""
    exited: list[str] = field(default_factory=list)
    """Services that exited by themselves during the case (nothing restarts them)."""
    unacknowledged: int = 0
    """Sends the publisher's client reported failed or unknown (never counted as acked)."""
    outage_problems: list[str] = field(default_factory=list)
    """Where publishers did not fail loudly while no write could be acknowledged."""
    recovery_target_s: float | None = None
    """The case's target for each fault's resumed time (None: none)."""
    drain_s: float = 0.0
    """From the last alert published to every delivery stored and the incidents converged."""
    directory: Path = Path()
    """The case's files (logs, stores)."""

    @property
    def recovery_times(self) -> list[float]:
        """The recovery times that were measured."""
        return [s for _, s in self.recoveries if s is not None]

    @property
    def median_recovery_s(self) -> float | None:
        """Median recovery time."""
        times = self.recovery_times
        return statistics.median(times) if times else None

    @property
    def max_recovery_s(self) -> float | None:
        """Longest recovery time."""
        times = self.recovery_times
        return max(times) if times else None

    @property
    def max_catch_up_s(self) -> float | None:
        """Longest time until an alert published after a fault was stored."""
        times = [s for s in self.catch_ups if s is not None]
        return max(times) if times else None

    @property
    def slow(self) -> list[str]:
        """Faults after which deliveries resumed later than the target."""
        target = self.recovery_target_s
        if target is None:
            return []
        return [f"{t} {s:.1f} s" for t, s in self.recoveries if s is not None and s > target]

    @property
    def passed(self) -> bool:
        """Nothing lost, doubled or spurious; incidents converged; every fault recovered
        (within the target, if any); publishers failed loudly in every outage; no service
        exited by itself."""
        recovered = all(s is not None for _, s in self.recoveries)
        return (
            self.verdict.clean
            and recovered
            and None not in self.catch_ups
            and not self.slow
            and not self.outage_problems
            and not self.exited
        )


def run_case(case: FaultCase, settings: CaseSettings) -> CaseReport:
    """Run ``case`` on a fresh deployment and check the outcome."""
    prefix = f"faults-{case.name}-{uuid.uuid4().hex[:6]}"
    directory = settings.workdir / prefix
    directory.mkdir(parents=True)
    cluster = settings.cluster
    if case.brokers > 1 and (cluster is None or cluster.size < case.brokers):
        raise ValueError(f"{case.name} needs a {case.brokers}-node cluster the harness started")
    replication = replication_for(cluster.size) if cluster is not None else None
    deployment, taskforce = deploy(directory, prefix, settings.bootstrap, replication)
    hub = FaultHub(deployment, settings.bootstrap, list(RECIPIENTS), settings.session_timeout_s)
    publisher = SteadyPublisher(
        settings.bootstrap, deployment, Workload(settings.seed), settings.rate
    )
    run = FaultRun(hub, publisher, random.Random(settings.seed), settings.timeout_s, cluster)
    exited: list[str] = []
    try:
        hub.start_pipeline()
        publisher.start()
        run.wait(lambda: run.rows() >= WARM_UP_DELIVERIES, "the first deliveries")
        case.inject(run)
        run.wait(run.all_caught_up, "the backlog of the last fault")
        publisher.stop()
        stopped = time.monotonic()
        expected = expected_deliveries(publisher.acknowledged, taskforce, RECIPIENTS)
        by_recipient = {r: {did for rr, did in expected if rr == r} for r in RECIPIENTS}

        def drained() -> bool:
            return all(
                by_recipient[r] <= {row.delivery_id for row in read_store(hub.store(r))}
                for r in RECIPIENTS
            )

        run.settle(drained)  # what is still missing then is counted as lost
        drain_s = time.monotonic() - stopped
        reference = reference_incidents(
            inbound_alerts(settings.bootstrap, deployment.topics, PUBLISHERS)
        )

        def converged() -> bool:
            versions = incidents_on_topic(settings.bootstrap, deployment.topics)
            return active_finals(versions).keys() == reference.keys() and all(
                active_finals(versions)[i].digest == reference[i].digest for i in reference
            )

        run.settle(converged, interval_s=1.0)  # else reported as incident mismatches
        drain_s = max(drain_s, time.monotonic() - stopped)
        verdict = check(
            publisher.acknowledged,
            taskforce,
            {r: read_store(hub.store(r)) for r in RECIPIENTS},
            quarantined(settings.bootstrap, deployment.topics),
            active_finals(incidents_on_topic(settings.bootstrap, deployment.topics)),
            reference,
            stored_incident_digest,
            publisher.unknown,
        )
    except AssertionError as exc:  # a wait timed out: say which service is gone, if any
        raise AssertionError(f"{case.name}: {exc}; exited by itself: {hub.exited()}") from exc
    finally:
        exited = hub.exited()
        if publisher.error is None:
            publisher.stop()
        hub.stop_all()
    return CaseReport(
        case=case.name,
        summary=case.summary,
        faults=len(run.marks) or case.faults,
        published=publisher.attempted,
        verdict=verdict,
        recoveries=[(m.label, run.resume_seconds(m)) for m in run.marks],
        catch_ups=[run.caught_up_seconds(m) for m in run.marks],
        exited=exited,
        unacknowledged=len(publisher.unacknowledged),
        outage_problems=outage_problems(publisher.sends, run.outages, lost_alerts(verdict.lost)),
        recovery_target_s=case.recovery_target_s,
        drain_s=drain_s,
        directory=directory,
    )
