"""The overview's figures from Prometheus answers (a fake source: the queries are pure)."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from monitoring.prometheus_api import ActiveAlert, Sample
from monitoring.status.answers import keys_from, lag_from, quarantine_from
from monitoring.status.collect import collect
from monitoring.status.figures import STAGES
from monitoring.status.queries import parse_window, queries

NOW = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)


class FakePrometheus:
    """Answers chosen queries; every other query returns no series, like a fresh server."""

    def __init__(self, answers: dict[str, list[Sample]], alerts: list[ActiveAlert]) -> None:
        self.answers = answers
        self.asked: list[str] = []
        self._alerts = alerts

    def query(self, expr: str) -> list[Sample]:
        self.asked.append(expr)
        return self.answers.get(expr, [])

    def alerts(self) -> list[ActiveAlert]:
        return self._alerts


def test_window_is_a_prometheus_duration() -> None:
    assert parse_window("30s") == 30
    assert parse_window("5m") == 300
    assert parse_window("2h") == 7200
    for bad in ("", "5", "m", "0m", "5x", "-5m", "1.5m"):
        with pytest.raises(ValueError):
            parse_window(bad)


def test_collect_assembles_every_section_from_the_named_queries() -> None:
    q = queries("5m")
    answers = {
        q["up"]: [
            Sample({"job": "worker", "instance": "127.0.0.1:9401"}, 1),
            Sample({"job": "delivery", "instance": "127.0.0.1:9402"}, 0),
        ],
        q["stage:received"]: [Sample({}, 600.0)],
        q["stage:quarantined"]: [Sample({}, 30.0)],
        q["agency:sent"]: [Sample({"agency": "FIA-PK"}, 1.5), Sample({"agency": "IOM"}, 0.5)],
        q["agency:unacknowledged"]: [Sample({"agency": "IOM"}, 3)],
        q["agency:oldest"]: [Sample({"agency": "IOM"}, 42)],
        # A server without per-agency quarantine labels answers one unlabelled series.
        q["agency:quarantined"]: [Sample({}, 4)],
        q["quarantine"]: [Sample({"stage": "verify", "reason": "bad_signature"}, 3.0)],
        q["lag"]: [
            Sample({"group": "g", "topic": "t", "partition": "0"}, 2),
            Sample({"group": "g", "topic": "t", "partition": "1"}, 5),
        ],
        q["keys"]: [Sample({"agency": "FIA-PK", "key_id": "k1"}, 86400.0)],
        q["registry:expiry"]: [Sample({}, 3600.0)],
        q["registry:version"]: [Sample({}, 4.0)],
        q["latency:p50"]: [Sample({}, math.nan)],
    }
    firing = ActiveAlert("CorridorComponentDown", "firing", {}, "delivery is down", "")
    source = FakePrometheus(answers, [firing])
    status = collect(source, "5m", clock=lambda: NOW)

    assert set(source.asked) == set(q.values())
    assert status.window_s == 300
    assert [c.job for c in status.down] == ["delivery"]
    assert status.firing == (firing,)
    flows = {f.stage.name: f for f in status.stages}
    assert [f.stage for f in status.stages] == list(STAGES)
    assert flows["received"].per_second == 2.0 and flows["received"].count == 600
    assert flows["verified"].per_second is None  # nobody reports it: "no data", not zero
    by_agency = {a.agency: a for a in status.agencies}
    assert sorted(by_agency) == ["FIA-PK", "IOM"]
    assert by_agency["IOM"].unacknowledged == 3 and by_agency["IOM"].oldest_unacknowledged_s == 42
    assert by_agency["FIA-PK"].unacknowledged is None and by_agency["FIA-PK"].quarantined is None
    assert status.lag[0].total == 7 and status.lag[0].worst_partition == 5
    assert status.lag[0].partitions == 2
    assert status.registry_version == 4 and status.registry_expiry_s == 3600
    assert status.inbox_latency_p50_s is None  # NaN: no deliveries in the window


def test_quarantine_rows_skip_zero_counts_and_put_the_largest_first() -> None:
    rows = quarantine_from(
        [
            Sample({"stage": "verify", "reason": "bad_signature"}, 2.2),
            Sample({"stage": "verify", "reason": "unknown_agency"}, 0.2),
            Sample({"stage": "dedupe", "reason": "replayed"}, 7.0),
        ]
    )
    assert [(r.stage, r.reason) for r in rows] == [
        ("dedupe", "replayed"),
        ("verify", "bad_signature"),
    ]


def test_keys_soonest_first_and_keys_without_end_last() -> None:
    rows = keys_from(
        [
            Sample({"agency": "A", "key_id": "never"}, math.inf),
            Sample({"agency": "B", "key_id": "late"}, 90 * 86400.0),
            Sample({"agency": "C", "key_id": "expired"}, -60.0),
            Sample({"agency": "D", "key_id": "nan"}, math.nan),
        ]
    )
    assert [(r.key_id, r.seconds_left) for r in rows] == [
        ("expired", -60.0),
        ("late", 90 * 86400.0),
        ("never", None),
    ]


def test_lag_sums_partitions_per_group_and_topic() -> None:
    rows = lag_from(
        [
            Sample({"group": "a", "topic": "x", "partition": "0"}, 1),
            Sample({"group": "b", "topic": "x", "partition": "0"}, 10),
            Sample({"group": "b", "topic": "x", "partition": "1"}, 0),
        ]
    )
    assert [(r.group, r.total, r.partitions) for r in rows] == [("b", 10, 2), ("a", 1, 1)]


def test_stage_counts_include_a_series_first_appearance() -> None:
    """A labelled counter born at 1 in the window counts that event (increase() alone can't)."""
    expr = queries("5m")["stage:quarantined"]
    # The series born in the window first: `or` keeps the left side of a series on both.
    new, _, old = expr.partition(" or ")
    assert new == (
        "sum((corridor_stream_quarantined_total unless corridor_stream_quarantined_total offset 5m)"
    )
    assert old == "increase(corridor_stream_quarantined_total[5m]))"
