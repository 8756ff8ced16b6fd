"""The fault matrix's workload: seeded, revisions in order, operations that correlate."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter

from faults.reference import reference_incidents
from faults.workload import PUBLISHERS, Workload


def test_the_same_seed_gives_the_same_alerts() -> None:
    now = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)
    first = [a.alert for a in itertools.islice(Workload(seed=7, now=now), 50)]
    again = [a.alert for a in itertools.islice(Workload(seed=7, now=now), 50)]
    other = [a.alert for a in itertools.islice(Workload(seed=8, now=now), 50)]
    assert first == again != other


def test_each_alert_s_revisions_come_in_order_from_every_agency() -> None:
    alerts = list(itertools.islice(Workload(seed=1), 300))
    highest: dict[str, int] = {}
    for planned in alerts:
        assert planned.alert["revision"] == highest.get(planned.key, 0) + 1
        highest[planned.key] = planned.alert["revision"]
    assert {a.agency for a in alerts} == set(PUBLISHERS)
    assert Counter(a.alert["revision"] for a in alerts)[2] > 0


def test_operations_correlate_into_incidents_of_several_agencies() -> None:
    alerts = [a.alert for a in itertools.islice(Workload(seed=1), 200)]
    incidents = reference_incidents(alerts)
    assert len(incidents) >= 10
    assert all(
        i.release is not None and len(i.release.originators) >= 2 for i in incidents.values()
    )


def test_the_reference_does_not_depend_on_the_order_of_alerts() -> None:
    alerts = [a.alert for a in itertools.islice(Workload(seed=2), 150)]
    # Revisions stay in order per alert (dedupe drops an older one arriving late).
    by_alert = sorted(alerts, key=lambda a: (a["alert_id"], a["revision"]), reverse=False)
    assert reference_incidents(alerts) == reference_incidents(by_alert)
