"""The Corridor JSON mapping: natural JSON in, Avro datum out, and back."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from producers.scenarios import sample_alert
from schemas.catalog import alert_schema
from schemas.codec import decode_single_object, encode_single_object
from schemas.errors import ValidationError
from schemas.json_mapping import (
    format_timestamp,
    from_json,
    loads_strict,
    parse_timestamp,
    to_json,
)


def _alert(**changes: Any) -> dict[str, Any]:
    document = sample_alert("PK-FIA", 5, now=dt.datetime(2026, 11, 24, tzinfo=dt.UTC))
    document.update(changes)
    return document


def test_round_trip_through_avro_preserves_the_json() -> None:
    document = _alert(personal_data=None)
    datum = from_json(alert_schema().schema, document)
    info, decoded = decode_single_object(encode_single_object(alert_schema(), datum))
    assert info.fullname == "corridor.v1.SmugglingRouteAlert"
    assert decoded == datum
    assert to_json(decoded)["route"][0]["place_name"] == document["route"][0]["place_name"]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param({"revision": "1"}, "revision: expected an integer", id="string-int"),
        pytest.param({"revision": True}, "revision: expected an integer", id="bool-int"),
        pytest.param({"tlp": "PURPLE"}, "tlp: 'PURPLE' is not one of", id="enum"),
        pytest.param({"issued_at": "2026-11-24 10:00"}, "has no UTC offset", id="naive-time"),
        pytest.param({"issued_at": "yesterday"}, "not an RFC 3339", id="bad-time"),
        pytest.param({"colour": "red"}, "colour: unknown field", id="unknown-field"),
        pytest.param({"revision": 2**40}, "does not fit an Avro int", id="int-range"),
        pytest.param({"route": {}}, "route: expected a list", id="route-type"),
    ],
)
def test_problems_name_the_field(changes: dict[str, Any], expected: str) -> None:
    with pytest.raises(ValidationError) as info:
        from_json(alert_schema().schema, _alert(**changes))
    assert any(expected in p for p in info.value.problems), info.value.problems


def test_missing_required_field_is_reported() -> None:
    document = _alert()
    del document["narrative"]
    with pytest.raises(ValidationError, match="narrative: required field is missing"):
        from_json(alert_schema().schema, document)


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ValidationError) as info:
        from_json(alert_schema().schema, _alert(revision="x", tlp="PURPLE", severity=3))
    assert len(info.value.problems) == 3


def test_nested_paths_are_precise() -> None:
    document = _alert()
    document["route"][1]["lat"] = "north"
    with pytest.raises(ValidationError, match=r"route\[1\]\.lat: expected a number"):
        from_json(alert_schema().schema, document)


def test_epoch_millis_and_offsets_are_accepted_and_normalised_to_utc() -> None:
    datum = from_json(
        alert_schema().schema,
        _alert(issued_at=1_795_000_000_123, observed_from="2026-11-20T10:00:00.123456+05:00"),
    )
    assert datum["issued_at"] == dt.datetime(2026, 11, 18, 11, 6, 40, 123000, tzinfo=dt.UTC)
    assert datum["observed_from"] == dt.datetime(2026, 11, 20, 5, 0, 0, 123000, tzinfo=dt.UTC)


@pytest.mark.parametrize("number", [10**400, -(10**309)], ids=["huge", "huge-negative"])
def test_an_integer_beyond_the_double_range_is_a_problem_not_a_crash(number: int) -> None:
    """Found by the fuzzer (json target): a JSON integer of hundreds of digits is valid
    JSON but has no float value; it raised OverflowError, a traceback for a typo."""
    document = _alert()
    document["route"][0]["lat"] = number
    with pytest.raises(ValidationError) as info:
        from_json(alert_schema().schema, document)
    assert any("route[0].lat:" in p and "out of the range" in p for p in info.value.problems)


@pytest.mark.parametrize("year", [1, 26, 999, 2026, 9999])
def test_a_timestamp_of_any_year_is_written_as_rfc3339_and_reads_back(year: int) -> None:
    """Found by the fuzzer (json target): epoch milliseconds of year 26 were accepted, then
    written "26-11-21T..." (strftime does not pad the year), which does not read back."""
    value = dt.datetime(year, 11, 21, 0, 0, 0, 5000, tzinfo=dt.UTC)
    text = format_timestamp(value)
    assert text == f"{year:04d}-11-21T00:00:00.005Z"
    problems: list[str] = []
    assert parse_timestamp(text, "t", problems) == value
    assert problems == []


def test_nan_is_not_json() -> None:
    with pytest.raises(ValueError, match="NaN"):
        loads_strict('{"lat": NaN}')


@settings(max_examples=200, deadline=None)
@given(ms=st.integers(min_value=0, max_value=4_102_444_800_000))
def test_timestamp_format_round_trips(ms: int) -> None:
    problems: list[str] = []
    from schemas.json_mapping import parse_timestamp

    value = parse_timestamp(ms, "t", problems)
    assert value is not None and not problems
    assert parse_timestamp(format_timestamp(value), "t", problems) == value


@settings(max_examples=100, deadline=None)
@given(
    lat=st.floats(min_value=-90, max_value=90),
    lon=st.floats(min_value=-180, max_value=180),
    persons=st.one_of(st.none(), st.integers(min_value=0, max_value=2**31 - 1)),
    narrative=st.text(min_size=1, max_size=200),
    aliases=st.lists(st.text(max_size=30), max_size=5),
)
def test_avro_round_trip_of_arbitrary_valid_values(
    lat: float, lon: float, persons: int | None, narrative: str, aliases: list[str]
) -> None:
    document = _alert(estimated_persons=persons, narrative=narrative)
    document["route"][0].update(lat=lat, lon=lon)
    document["indicators"]["smuggler_aliases"] = aliases
    datum = from_json(alert_schema().schema, document)
    _, decoded = decode_single_object(encode_single_object(alert_schema(), datum))
    assert decoded == datum
