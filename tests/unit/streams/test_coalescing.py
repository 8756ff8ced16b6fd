"""Incident versions coalesced over a batch: fewer versions, the same final incidents."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from streams.correlator import Correlator
from streams.features import AlertFeatures
from tests.unit.streams.correlation_fixtures import features

AGENCIES = ("PK-FIA", "TR-SG", "GR-HCG", "IR-PP")
PHONES = ("+905321234567", "+923001234567", "+989121234567", "+306912345678")


def _final(correlator: Correlator) -> dict[str, tuple[Any, ...]]:
    """The active incidents (one at a time may also have withdrawn intermediate ones)."""
    return {
        i["incident_id"]: (
            tuple(f"{m['agency']}:{m['alert_id']}" for m in i["members"]),
            i["confidence"],
        )
        for i in correlator.active_incidents()
    }


def test_a_burst_into_one_incident_is_one_version() -> None:
    phone = (("phone", PHONES[0]),)
    burst = [features(AGENCIES[i], f"a{i}", ids=phone) for i in range(4)]
    one_by_one = Correlator()
    versions = [c for alert in burst for c in one_by_one.add(alert)]
    batched = Correlator()
    coalesced = batched.add_many(burst)
    assert len(versions) > 1
    assert len(coalesced) == 1
    assert coalesced[0].incident["version"] == 1
    assert _final(batched) == _final(one_by_one)


_alerts = st.lists(
    st.builds(
        lambda agency, n, phone, day: features(
            AGENCIES[agency], f"x{n}", ids=(("phone", PHONES[phone]),), day=day
        ),
        st.integers(0, 3),
        st.integers(0, 30),
        st.integers(0, 3),
        st.integers(0, 40),
    ),
    min_size=1,
    max_size=14,
    unique_by=lambda a: a.key,
)


@settings(max_examples=60, deadline=None)
@given(_alerts, st.integers(1, 5))
def test_batches_of_any_size_end_in_the_incidents_of_one_at_a_time(
    alerts: list[AlertFeatures], size: int
) -> None:
    one_by_one = Correlator()
    for alert in alerts:
        one_by_one.add(alert)
    batched = Correlator()
    for start in range(0, len(alerts), size):
        batched.add_many(alerts[start : start + size])
    assert _final(batched) == _final(one_by_one)
