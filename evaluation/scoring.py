"""Pairwise precision, recall and F1 of a clustering against labelled truth (pure).

Both deduplication and correlation are clusterings: of published records into
deliveries, of alerts into incidents. A pair of items is a true positive when
truth and prediction both put them together; precision is over predicted pairs,
recall over true pairs. Items absent from the prediction are singletons.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class PairScores:
    """Pair counts and the scores derived from them."""

    true_pairs: int
    """Pairs that belong together according to the labels."""
    predicted_pairs: int
    """Pairs the pipeline put together."""
    correct_pairs: int
    """Pairs in both."""

    @property
    def precision(self) -> float:
        """Share of predicted pairs that are right (1.0 when nothing was predicted)."""
        return self.correct_pairs / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        """Share of true pairs that were found (1.0 when there is nothing to find)."""
        return self.correct_pairs / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def _pairs(sizes: Counter[Hashable]) -> int:
    return sum(n * (n - 1) // 2 for n in sizes.values())


def pairwise(
    truth: Mapping[str, Hashable | None], predicted: Mapping[str, Hashable | None]
) -> PairScores:
    """Score ``predicted`` cluster labels against ``truth`` over the items of ``truth``.

    A label of ``None`` makes the item a singleton. Predicted labels of items not in
    ``truth`` are ignored.
    """
    items = list(truth)
    true_label = {i: truth[i] for i in items if truth[i] is not None}
    pred_label = {i: predicted.get(i) for i in items if predicted.get(i) is not None}
    both = Counter(
        (true_label[i], pred_label[i]) for i in items if i in true_label and i in pred_label
    )
    return PairScores(
        true_pairs=_pairs(Counter(true_label.values())),
        predicted_pairs=_pairs(Counter(pred_label.values())),
        correct_pairs=_pairs(Counter(both)),
    )
