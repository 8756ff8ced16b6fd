"""Pairwise clustering scores."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evaluation.scoring import pairwise


def test_perfect_prediction_scores_one() -> None:
    truth = {"a": 1, "b": 1, "c": 2, "d": 2, "e": None}
    scores = pairwise(truth, {"a": "x", "b": "x", "c": "y", "d": "y"})
    assert (scores.precision, scores.recall, scores.f1) == (1.0, 1.0, 1.0)
    assert scores.true_pairs == 2


def test_a_false_merge_costs_precision_only() -> None:
    truth = {"a": 1, "b": 1, "c": None}
    scores = pairwise(truth, {"a": "x", "b": "x", "c": "x"})
    assert scores.predicted_pairs == 3
    assert scores.correct_pairs == 1
    assert scores.precision == pytest.approx(1 / 3)
    assert scores.recall == 1.0


def test_a_missed_member_costs_recall_only() -> None:
    truth = {"a": 1, "b": 1, "c": 1}
    scores = pairwise(truth, {"a": "x", "b": "x"})
    assert scores.recall == pytest.approx(1 / 3)
    assert scores.precision == 1.0


def test_nothing_to_find_and_nothing_found_is_perfect() -> None:
    scores = pairwise({"a": None, "b": None}, {})
    assert scores.f1 == 1.0


def test_predicted_items_outside_the_truth_are_ignored() -> None:
    assert pairwise({"a": 1, "b": 1}, {"a": "x", "b": "x", "zz": "x"}).precision == 1.0


@given(st.dictionaries(st.text(max_size=3), st.integers(0, 4) | st.none(), max_size=20))
def test_truth_against_itself_is_perfect(truth: dict[str, int | None]) -> None:
    assert pairwise(truth, truth).f1 == 1.0
