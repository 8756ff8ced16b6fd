"""Freshness of the signed produce time against the arrival time."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas import reasons
from schemas.errors import VerifyError
from schemas.freshness import FreshnessPolicy, check_freshness

ARRIVED = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)
POLICY = FreshnessPolicy(max_age_s=3600, max_skew_s=300)


@pytest.mark.parametrize(
    ("offset_s", "reason"),
    [
        pytest.param(0, None, id="just-now"),
        pytest.param(3600, None, id="oldest-accepted"),
        pytest.param(3601, reasons.STALE_MESSAGE, id="one-second-too-old"),
        pytest.param(86400 * 30, reasons.STALE_MESSAGE, id="a-month-old"),
        pytest.param(-300, None, id="clock-ahead-within-skew"),
        pytest.param(-301, reasons.FUTURE_MESSAGE, id="clock-too-far-ahead"),
    ],
)
def test_freshness_window(offset_s: int, reason: str | None) -> None:
    produced = ARRIVED - dt.timedelta(seconds=offset_s)
    if reason is None:
        check_freshness(produced, ARRIVED, POLICY)
        return
    with pytest.raises(VerifyError) as info:
        check_freshness(produced, ARRIVED, POLICY)
    assert info.value.reason == reason


@given(offset_ms=st.integers(min_value=-(10**9), max_value=10**9))
def test_accepted_exactly_inside_the_window(offset_ms: int) -> None:
    produced = ARRIVED - dt.timedelta(milliseconds=offset_ms)
    inside = -POLICY.max_skew_s * 1000 <= offset_ms <= POLICY.max_age_s * 1000
    try:
        check_freshness(produced, ARRIVED, POLICY)
        accepted = True
    except VerifyError:
        accepted = False
    assert accepted == inside


def test_window_covers_age_and_skew() -> None:
    assert POLICY.window_s == 3900


def test_replay_and_freshness_reasons_are_stable_codes_of_their_own() -> None:
    # Exercised in tests/unit/streams (verifier, exact repeats) and the forgery matrix.
    codes = (reasons.REPLAYED, reasons.STALE_MESSAGE, reasons.FUTURE_MESSAGE)
    assert codes == ("replayed", "stale_message", "future_message")
    assert set(codes) <= set(reasons.ALL)
    assert len(set(reasons.ALL)) == len(reasons.ALL)
