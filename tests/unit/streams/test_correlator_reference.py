"""The correlator publishes exactly what it did before it kept incidents between batches.

The reference (``reference_correlator``) is the code before the change: it clustered
with a full scan and assembled every incident of an affected component again. Both
are fed the same alerts in the same batches, with revisions and evictions between
them, and must emit the same versions (ids, version numbers, content) in the same order.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from producers.scenarios import sample_datum
from producers.simulation import simulate
from schemas.catalog import alert_schema
from schemas.json_mapping import from_json
from streams.correlator import Correlator
from streams.features import AlertFeatures, features_of
from streams.incidents import content_digest
from tests.unit.streams.correlation_fixtures import features
from tests.unit.streams.reference_correlator import ReferenceCorrelator
from tests.unit.streams.test_correlator import POOL_ALIASES, POOL_IDS, POOL_PLACES

AGENCIES = ["PK-FIA", "IR-BG", "TR-SG", "GR-HCG"]
#: A step of the run: a batch of alerts, or an eviction horizon (epoch ms).
Step = list[AlertFeatures] | int


def run_both(steps: Sequence[Step], **settings_: int) -> None:
    """Feed both correlators; every batch must emit the same versions."""
    new, old = Correlator(**settings_), ReferenceCorrelator(**settings_)
    for step in steps:
        if isinstance(step, int):
            assert new.evict_before(step) == old.evict_before(step)
            continue
        emitted = new.add_many(step)
        assert [c.incident for c in emitted] == [c.incident for c in old.add_many(step)]
        assert [c.digest for c in emitted] == [content_digest(c.incident) for c in emitted]
    assert new.incidents() == old.incidents()


@st.composite
def runs(draw: st.DrawFn) -> list[Step]:
    """Alerts from small pools, some revised, in batches, with evictions between."""
    count = draw(st.integers(min_value=2, max_value=14))

    def alert(n: int, revision: int) -> AlertFeatures:
        return features(
            draw(st.sampled_from(AGENCIES)) if revision == 1 else AGENCIES[n % len(AGENCIES)],
            f"w{n}",
            ids=tuple(draw(st.sets(st.sampled_from(POOL_IDS), max_size=2))),
            aliases=tuple(draw(st.lists(st.sampled_from(POOL_ALIASES), max_size=2, unique=True))),
            places=tuple(draw(st.lists(st.sampled_from(POOL_PLACES), max_size=2, unique=True))),
            day=draw(st.integers(min_value=0, max_value=30)),
            days=draw(st.integers(min_value=0, max_value=3)),
            revision=revision,
        )

    alerts = [alert(n, 1) for n in range(count)]
    alerts += [alert(n, 2) for n in draw(st.lists(st.integers(0, count - 1), max_size=3))]
    steps: list[Step] = []
    while alerts:
        size = draw(st.integers(min_value=1, max_value=5))
        steps.append(alerts[:size])
        alerts = alerts[size:]
        if draw(st.integers(min_value=0, max_value=5)) == 0:
            day = draw(st.integers(min_value=0, max_value=20))
            steps.append(features("X", "horizon", day=day).observed_from_ms)
    return steps


@settings(max_examples=300, deadline=None)
@given(runs())
def test_random_runs_publish_what_the_reference_did(steps: list[Step]) -> None:
    run_both(steps, max_fanout=4, full_weight_upto=2)


def _batches(alerts: list[AlertFeatures], size: int) -> list[Step]:
    return [alerts[i : i + size] for i in range(0, len(alerts), size)]


def worst_case_alerts(count: int) -> list[AlertFeatures]:
    """The bench's worst case: sample alerts of five agencies that link nearly all."""
    now = dt.datetime(2026, 11, 2, tzinfo=dt.UTC)
    return [features_of(sample_datum(f"PUB-{i % 5 + 1:02d}", i + 1, now=now)) for i in range(count)]


def simulated_alerts(seed: int) -> list[AlertFeatures]:
    """A simulated scenario's distinct alerts in arrival order."""
    schema = alert_schema().schema
    seen: dict[str, AlertFeatures] = {}
    for alert in simulate(seed, difficulty=0.5, operations=60, decoys=90).alerts:
        seen.setdefault(alert.key, features_of(from_json(schema, alert.document)))
    return list(seen.values())


@pytest.mark.parametrize("batch", [1, 23])
def test_the_worst_case_sample_alerts_publish_what_the_reference_did(batch: int) -> None:
    run_both(_batches(worst_case_alerts(160), batch))


@pytest.mark.parametrize("seed", [7, 11])
def test_a_simulated_scenario_publishes_what_the_reference_did(seed: int) -> None:
    alerts = simulated_alerts(seed)
    random.Random(seed).shuffle(alerts)
    ends = sorted(a.observed_to_ms for a in alerts)
    steps: list[Step] = [*_batches(alerts, 7)]
    # Half-way, forget the alerts that ended first (a third of them).
    steps.insert(len(steps) // 2, ends[len(ends) // 3])
    run_both(steps)
