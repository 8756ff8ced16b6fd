"""fastavro encodes incidents to the reference's bytes, and refuses what the reference refuses."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas.catalog import incident_schema
from schemas.codec import encode_binary, encode_binary_fast
from schemas.errors import EncodeError
from streams.correlator import Correlator
from tests.unit.streams.test_correlator_reference import simulated_alerts, worst_case_alerts


def _versions() -> list[dict[str, Any]]:
    """Every version (active, merged, withdrawn) of the worst case and of a scenario."""
    found: list[dict[str, Any]] = []
    for alerts in (worst_case_alerts(120), simulated_alerts(7)):
        correlator = Correlator()
        for alert in alerts:
            found += [change.incident for change in correlator.add(alert)]
    return found


VERSIONS = _versions()


def test_every_incident_version_encodes_to_the_reference_bytes() -> None:
    info = incident_schema()
    assert {v["status"] for v in VERSIONS} == {"ACTIVE", "MERGED", "WITHDRAWN"}
    for version in VERSIONS:
        assert encode_binary_fast(info, version) == encode_binary(info, version)


def _outcome(encode: Any, datum: dict[str, Any]) -> bytes | str:
    try:
        return bytes(encode(incident_schema(), datum))
    except EncodeError:
        return "refused"


ODD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**64), max_value=2**64),
    st.floats(allow_nan=False),
    st.text(max_size=5),
    st.binary(max_size=3),
    st.sampled_from(["ACTIVE", "RED", "H2", "GREEN", "MERGED", "BOGUS"]),
    st.just(dt.datetime(2026, 11, 2, 12, 0, 0, 123456, tzinfo=dt.UTC)),
    st.lists(st.text(max_size=3), max_size=2),
    st.just({}),
)


@st.composite
def _altered(draw: st.DrawFn) -> dict[str, Any]:
    """An incident version with one field (top level or in a member) replaced or removed."""
    datum = copy.deepcopy(draw(st.sampled_from(VERSIONS)))
    target = datum
    if draw(st.booleans()) and datum["members"]:
        target = datum["members"][0]
    field = draw(st.sampled_from(sorted(target)))
    if draw(st.integers(min_value=0, max_value=4)) == 0:
        del target[field]
    else:
        target[field] = draw(ODD_VALUES)
    return datum


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_altered())
def test_an_altered_incident_is_encoded_or_refused_as_the_reference_does(
    datum: dict[str, Any],
) -> None:
    assert _outcome(encode_binary_fast, datum) == _outcome(encode_binary, datum)


@pytest.mark.parametrize("field", ["status", "version", "members", "first_seen"])
def test_an_incident_missing_a_required_field_is_refused(field: str) -> None:
    datum = {k: v for k, v in VERSIONS[0].items() if k != field}
    with pytest.raises(EncodeError):
        encode_binary_fast(incident_schema(), datum)
