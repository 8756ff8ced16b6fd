"""Incident sizes beside the pairwise scores."""

from __future__ import annotations

import pytest

from evaluation.metrics import score_clustering


def test_largest_incident_and_oversized_share() -> None:
    labels = {"a": "op1", "b": "op1", "c": "op2", "d": "op2", "e": None, "f": None}
    merged = {k: "glue" for k in labels}  # one incident swallowing everything
    scores = score_clustering(labels, merged)
    assert scores.largest == 6
    assert scores.incidents == 1
    assert scores.oversized_share == 1.0
    assert scores.pairs.precision == pytest.approx(2 / 15)


def test_right_sized_incidents_are_not_oversized() -> None:
    labels = {"a": "op1", "b": "op1", "c": "op2", "d": "op2", "e": None}
    scores = score_clustering(labels, {"a": "x", "b": "x", "c": "y", "d": "y"})
    assert (scores.largest, scores.incidents, scores.oversized_share) == (2, 2, 0.0)
    assert scores.pairs.f1 == 1.0


def test_nothing_predicted() -> None:
    scores = score_clustering({"a": "op1", "b": "op1"}, {})
    assert (scores.largest, scores.incidents, scores.pairs.recall) == (0, 0, 0.0)
