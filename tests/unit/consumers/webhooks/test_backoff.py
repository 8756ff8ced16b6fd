"""Exponential backoff with full jitter (pure)."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consumers.webhooks.backoff import backoff_cap, backoff_delay, worst_case_s
from schemas.taskforce import WebhookPolicy

POLICY = WebhookPolicy(max_attempts=8, initial_backoff_s=1.0, max_backoff_s=300.0, timeout_s=10.0)


def test_cap_doubles_from_the_initial_backoff_until_the_maximum() -> None:
    caps = [backoff_cap(n, POLICY) for n in range(1, 12)]
    assert caps == [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 300.0, 300.0]


def test_delay_is_the_random_fraction_of_the_cap() -> None:
    assert backoff_delay(3, POLICY, rand=lambda: 0.0) == 0.0
    assert backoff_delay(3, POLICY, rand=lambda: 0.5) == 2.0
    assert backoff_delay(3, POLICY, rand=lambda: 0.999) == pytest.approx(3.996)


@given(
    failed=st.integers(min_value=1, max_value=5000),
    initial=st.floats(min_value=0.001, max_value=60.0),
    spread=st.floats(min_value=1.0, max_value=1000.0),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_delay_stays_within_zero_and_the_cap(
    failed: int, initial: float, spread: float, seed: int
) -> None:
    policy = WebhookPolicy(initial_backoff_s=initial, max_backoff_s=initial * spread)
    rng = random.Random(seed)
    delay = backoff_delay(failed, policy, rand=rng.random)
    assert 0.0 <= delay <= backoff_cap(failed, policy) <= policy.max_backoff_s


def test_jitter_spreads_retries_over_the_whole_window() -> None:
    rng = random.Random(7)
    delays = [backoff_delay(5, POLICY, rand=rng.random) for _ in range(2000)]
    cap = backoff_cap(5, POLICY)
    # Full jitter: uniform over [0, cap], so every tenth of the window is used about equally.
    tenths = [sum(1 for d in delays if i * cap / 10 <= d < (i + 1) * cap / 10) for i in range(10)]
    assert min(tenths) > 140, tenths
    assert len(set(delays)) > 1990


def test_worst_case_adds_every_timeout_and_every_capped_wait() -> None:
    policy = WebhookPolicy(max_attempts=4, initial_backoff_s=1.0, max_backoff_s=3.0, timeout_s=2.0)
    assert worst_case_s(policy) == 4 * 2.0 + (1.0 + 2.0 + 3.0)


def test_no_wait_is_asked_before_a_first_failure() -> None:
    with pytest.raises(ValueError):
        backoff_cap(0, POLICY)
