"""make eval on the real broker: the fast in-process mode measures what the pipeline does."""

from __future__ import annotations

from collections import defaultdict

import pytest

from evaluation.inprocess import correlate_in_process
from evaluation.pipeline import run_pipeline
from producers.simulation import simulate

pytestmark = pytest.mark.integration


def _groups(membership: dict[str, str]) -> set[frozenset[str]]:
    by_incident: dict[str, set[str]] = defaultdict(set)
    for alert, incident in membership.items():
        by_incident[incident].add(alert)
    return {frozenset(members) for members in by_incident.values()}


def test_the_pipeline_and_the_in_process_correlator_form_the_same_incidents(
    kafka_bootstrap: str,
) -> None:
    scenario = simulate(11, difficulty=0.8, operations=6, decoys=6)
    pipeline = run_pipeline(kafka_bootstrap, scenario)
    fast = correlate_in_process([line.document for line in scenario.alerts])
    assert pipeline.deliveries == pipeline.expected_deliveries
    assert pipeline.dedupe.f1 == 1.0
    assert _groups(pipeline.membership), "the scenario's operations form incidents"
    assert _groups(pipeline.membership) == _groups(fast.membership)
