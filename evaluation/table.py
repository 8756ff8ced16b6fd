"""The rows ``make eval`` prints: correlator beside the naive baseline, per scenario (pure)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from evaluation.metrics import ClusteringScores
from evaluation.scoring import PairScores


@dataclass(frozen=True)
class Row:
    """One scenario's figures."""

    seed: int
    """Scenario seed."""
    difficulty: float
    """Scenario difficulty."""
    alerts: int
    """Distinct alerts."""
    operations: int
    """True operations."""
    correlator: ClusteringScores
    """The pipeline's incidents."""
    baseline: ClusteringScores
    """The naive baseline's incidents."""
    rate: float
    """Correlator's in-process rate (``Correlator.add`` alone), alerts per second."""
    dedupe: PairScores | None = None
    """Deduplication scores (broker runs only)."""
    seconds: float | None = None
    """Broker runs: first publish until the worker committed everything."""


HEADER = (
    "seed  diff alerts  ops | correlator P     R    F1  inc  max  >op% | "
    "baseline P     R    F1  max  >op% |  F1 gap | alerts/s"
)


def format_row(row: Row) -> str:
    """One line of the table."""
    c, b = row.correlator, row.baseline
    line = (
        f"{row.seed:>4} {row.difficulty:>5.1f} {row.alerts:>6} {row.operations:>4} | "
        f"{c.pairs.precision:>12.3f} {c.pairs.recall:>5.3f} {c.pairs.f1:>5.3f} "
        f"{c.incidents:>4} {c.largest:>4} {100 * c.oversized_share:>5.1f} | "
        f"{b.pairs.precision:>10.3f} {b.pairs.recall:>5.3f} {b.pairs.f1:>5.3f} "
        f"{b.largest:>4} {100 * b.oversized_share:>5.1f} | "
        f"{c.pairs.f1 - b.pairs.f1:>+7.3f} | {row.rate:>8.0f}"
    )
    if row.dedupe is not None:
        line += f" | dedupe F1 {row.dedupe.f1:.3f}"
    if row.seconds is not None:
        line += f" | {row.seconds:.1f} s"
    return line


def format_means(rows: Sequence[Row]) -> list[str]:
    """Per difficulty: mean F1 of both, worst correlator F1 and precision over the seeds."""
    by_difficulty: dict[float, list[Row]] = defaultdict(list)
    grid_size = min((r.operations for r in rows), default=0)
    for row in rows:
        if row.operations == grid_size:  # the large scenario has its own line in the table
            by_difficulty[row.difficulty].append(row)
    lines = []
    for difficulty in sorted(by_difficulty):
        group = by_difficulty[difficulty]
        c = [r.correlator.pairs for r in group]
        b = [r.baseline.pairs for r in group]
        lines.append(
            f"difficulty {difficulty:.1f} ({len(group)} scenarios): correlator F1 mean "
            f"{sum(p.f1 for p in c) / len(c):.3f} (min {min(p.f1 for p in c):.3f}, "
            f"min precision {min(p.precision for p in c):.3f}); baseline F1 mean "
            f"{sum(p.f1 for p in b) / len(b):.3f}"
        )
    return lines
