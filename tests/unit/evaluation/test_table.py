"""The eval plan and table: grid plus one large scenario, correlator beside baseline."""

from __future__ import annotations

from evaluation.metrics import score_clustering
from evaluation.run import Plan
from evaluation.table import HEADER, Row, format_means, format_row


def test_plan_is_the_grid_then_one_large_scenario() -> None:
    plan = Plan(seeds=(1, 2, 3), difficulties=(0.0, 0.5, 0.8, 1.0), operations=40, large=450)
    scenarios = plan.scenarios()
    assert len(scenarios) == 13
    assert scenarios[-1] == (1, 0.5, 450)
    assert {(s, d) for s, d, _ in scenarios[:-1]} == {
        (s, d) for s in (1, 2, 3) for d in (0.0, 0.5, 0.8, 1.0)
    }
    assert Plan((7,), (0.5,), 10, 0).scenarios() == [(7, 0.5, 10)]


def _row(seed: int, operations: int, f1_pairs: dict[str, str]) -> Row:
    labels = {"a": "op", "b": "op", "c": None}
    return Row(
        seed=seed,
        difficulty=0.5,
        alerts=3,
        operations=operations,
        correlator=score_clustering(labels, f1_pairs),
        baseline=score_clustering(labels, {}),
        rate=1234.0,
    )


def test_rows_show_both_methods_and_the_gap() -> None:
    row = _row(1, 40, {"a": "x", "b": "x"})
    line = format_row(row)
    assert len(HEADER.split("|")) == len(line.split("|"))
    assert "+1.000" in line and "1234" in line


def test_means_leave_the_large_scenario_out() -> None:
    rows = [_row(1, 40, {"a": "x", "b": "x"}), _row(2, 40, {}), _row(1, 450, {})]
    (line,) = format_means(rows)
    assert "(2 scenarios)" in line and "F1 mean 0.500" in line
