"""Waits between webhook attempts: exponential backoff with full jitter (pure).

Attempt ``n`` (1-based) that failed is followed by a wait drawn uniformly from
``[0, min(max_backoff_s, initial_backoff_s * 2 ** (n - 1))]``. Full jitter spreads
the retries of many deliveries that failed together (a receiver that was down),
so they do not all come back at the same instant.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from schemas.taskforce import WebhookPolicy


def backoff_cap(failed_attempts: int, policy: WebhookPolicy) -> float:
    """Upper bound of the wait after ``failed_attempts`` failed attempts (at least 1)."""
    if failed_attempts < 1:
        raise ValueError(f"failed_attempts must be at least 1, got {failed_attempts}")
    # 2 ** 1100 overflows a float; any exponent past the cap is the cap anyway.
    exponent = min(failed_attempts - 1, 1000)
    return float(min(policy.max_backoff_s, policy.initial_backoff_s * 2.0**exponent))


def backoff_delay(
    failed_attempts: int, policy: WebhookPolicy, rand: Callable[[], float] = random.random
) -> float:
    """The wait before the next attempt: uniform in ``[0, backoff_cap]`` (full jitter).

    ``rand`` returns a float in ``[0, 1)``; tests pass a fixed one.
    """
    return rand() * backoff_cap(failed_attempts, policy)


def worst_case_s(policy: WebhookPolicy) -> float:
    """Longest one delivery can take: every attempt times out and every wait is the cap."""
    waits = sum(backoff_cap(n, policy) for n in range(1, policy.max_attempts))
    return policy.max_attempts * policy.timeout_s + waits
