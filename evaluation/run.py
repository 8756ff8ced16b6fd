"""``make eval``: labelled scenarios through the real pipeline, scored pairwise beside a baseline.

For each seed and difficulty (and one large scenario): simulate a seeded
scenario, deploy a fresh pipeline (own topic prefix, keys, trust store, Faust
worker) on the local broker, publish every agency's file with ``corridor
publish --file``, replay some records byte for byte, wait until the worker has
committed everything, then score

* deduplication: published records clustered by the delivery they collapsed
  into, against the labels (same alert and revision; a late older revision
  belongs to the revision it lost to);
* correlation: alerts clustered by ACTIVE incident (``corridor incidents export``),
  against the labelled operations (decoys are singletons), beside the naive
  baseline of :mod:`evaluation.baseline` on the same alerts.

``--in-process`` skips broker and worker: the same alerts go straight through the
correlator's code (:mod:`evaluation.inprocess`), in seconds. Both modes print the
correlator's in-process rate.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "deploy")]

from evaluation.baseline import baseline_incidents  # noqa: E402
from evaluation.inprocess import correlate_in_process  # noqa: E402
from evaluation.metrics import score_clustering  # noqa: E402
from evaluation.pipeline import run_pipeline  # noqa: E402
from evaluation.table import HEADER, Row, format_means, format_row  # noqa: E402
from kafka_local.config import BrokerConfig  # noqa: E402
from kafka_local.node import LocalKafka  # noqa: E402
from producers.simulation import Scenario, simulate  # noqa: E402


@dataclass(frozen=True)
class Plan:
    """Which scenarios to run."""

    seeds: tuple[int, ...]
    """Seeds of the grid."""
    difficulties: tuple[float, ...]
    """Difficulties of the grid."""
    operations: int
    """Operations per grid scenario (decoys: 1.5 times as many)."""
    large: int
    """Operations of the one large scenario (seed: the first, difficulty 0.5); 0: none."""

    def scenarios(self) -> list[tuple[int, float, int]]:
        """(seed, difficulty, operations) of every scenario, in run order."""
        grid = [(s, d, self.operations) for d in self.difficulties for s in self.seeds]
        return grid + ([(self.seeds[0], 0.5, self.large)] if self.large else [])


def evaluate(scenario: Scenario, bootstrap: str | None) -> Row:
    """Score the correlator (through the pipeline, or in process) and the baseline."""
    documents = [line.document for line in scenario.alerts]
    labels = scenario.labels()["alerts"]
    in_process = correlate_in_process(documents)
    pipeline = run_pipeline(bootstrap, scenario) if bootstrap is not None else None
    membership = pipeline.membership if pipeline is not None else in_process.membership
    return Row(
        seed=scenario.seed,
        difficulty=scenario.difficulty,
        alerts=len(labels),
        operations=len(scenario.operations),
        correlator=score_clustering(labels, membership),
        baseline=score_clustering(labels, baseline_incidents(documents)),
        rate=in_process.rate,
        dedupe=pipeline.dedupe if pipeline is not None else None,
        seconds=pipeline.seconds if pipeline is not None else None,
    )


def _floats(text: str) -> tuple[float, ...]:
    return tuple(float(v) for v in text.split(",") if v.strip())


def _ints(text: str) -> tuple[int, ...]:
    return tuple(int(v) for v in text.split(",") if v.strip())


def _plan(argv: list[str] | None) -> tuple[Plan, bool]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--seeds", default="1,2,3", help="comma list of seeds (default 1,2,3)")
    parser.add_argument("--seed", type=int, help="one seed instead of --seeds")
    parser.add_argument(
        "--difficulties",
        default="0.0,0.5,0.8,1.0",
        help="comma list in [0,1] (default %(default)s)",
    )
    parser.add_argument("--operations", type=int, default=40, help="operations per scenario")
    parser.add_argument(
        "--large",
        type=int,
        default=450,
        help="operations of one large scenario (about 2,000+ alerts at 450); 0 to skip",
    )
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="feed the correlator directly, without broker and worker (seconds, not minutes)",
    )
    args = parser.parse_args(argv)
    try:
        seeds = (args.seed,) if args.seed is not None else _ints(args.seeds)
        difficulties = _floats(args.difficulties)
    except ValueError as exc:
        parser.error(f"--seeds and --difficulties take comma lists of numbers: {exc}")
    if not seeds or not all(0.0 <= d <= 1.0 for d in difficulties):
        parser.error("give at least one seed, and difficulties in 0.0 .. 1.0")
    return Plan(seeds, difficulties, args.operations, args.large), args.in_process


def _print(rows: list[Row], in_process: bool) -> None:
    print()
    print(HEADER)
    for row in rows:
        print(format_row(row))
    print()
    for line in format_means(rows):
        print(line)
    mode = "in process (no broker)" if in_process else "through the real pipeline"
    print(
        f"\ncorrelator {mode}; pairwise scores over alerts (decoys are singletons); "
        "inc: incidents, max: largest incident, >op%: share of alerts in incidents larger "
        "than the largest true operation; baseline: exact raw identifier strings shared, "
        "strings of more than 12 alerts ignored (evaluation/baseline.py); alerts/s: the "
        "correlator's in-process rate (Correlator.add alone, CPU time, features extracted "
        "beforehand)"
    )


def main(argv: list[str] | None = None) -> int:
    """Run the scenarios and print the table."""
    plan, in_process = _plan(argv)
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP")
    broker = None
    if not in_process and not bootstrap:
        broker = LocalKafka(BrokerConfig())
        if broker.is_running():
            bootstrap, broker = broker.bootstrap, None  # someone else's: reuse, do not stop
        else:
            bootstrap = broker.start()
    rows = []
    try:
        for seed, difficulty, operations in plan.scenarios():
            scenario = simulate(
                seed, difficulty=difficulty, operations=operations, decoys=operations * 3 // 2
            )
            print(
                f"scenario seed {seed}, difficulty {difficulty}, {operations} operations ...",
                flush=True,
            )
            rows.append(evaluate(scenario, None if in_process else bootstrap))
    finally:
        if broker is not None:
            broker.stop()
    _print(rows, in_process)
    return 0


if __name__ == "__main__":
    sys.exit(main())
