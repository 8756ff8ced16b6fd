"""Scores of one clustering of a scenario's alerts: pairwise P/R/F1 and incident sizes (pure)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from evaluation.scoring import PairScores, pairwise


@dataclass(frozen=True)
class ClusteringScores:
    """How one method (correlator or baseline) grouped a scenario's alerts."""

    pairs: PairScores
    """Pairwise precision, recall and F1 against the labels."""
    incidents: int
    """Incidents (clusters of two alerts or more)."""
    largest: int
    """Members of the largest incident."""
    oversized_share: float
    """Share of all alerts that sit in an incident larger than the largest true operation."""


def score_clustering(
    labels: Mapping[str, str | None], membership: Mapping[str, str]
) -> ClusteringScores:
    """Score ``membership`` (alert -> incident) against ``labels`` (alert -> operation or None)."""
    sizes = Counter(membership[k] for k in labels if k in membership)
    true_sizes = Counter(op for op in labels.values() if op is not None)
    biggest_truth = max(true_sizes.values(), default=1)
    oversized = sum(n for n in sizes.values() if n > biggest_truth)
    return ClusteringScores(
        pairs=pairwise(labels, membership),
        incidents=sum(1 for n in sizes.values() if n >= 2),
        largest=max(sizes.values(), default=0),
        oversized_share=oversized / len(labels) if labels else 0.0,
    )
