"""Freshness: a message must arrive within a window of the time its originator signed it.

The hub compares the *signed* ``produced_at`` with the time the broker appended the
record to the inbound topic (its LogAppendTime, which a sender cannot choose). An old
message sent again is therefore stale however it is wrapped, which bounds the state
replay detection needs: message ids are remembered only for the window.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from schemas import reasons
from schemas.errors import VerifyError
from schemas.json_mapping import format_timestamp


@dataclass(frozen=True)
class FreshnessPolicy:
    """How far a signed produce time may be from the arrival time."""

    max_age_s: float = 3600.0
    """Oldest accepted message, in seconds before arrival."""
    max_skew_s: float = 300.0
    """How far the originator's clock may run ahead, in seconds after arrival."""

    @property
    def window_s(self) -> float:
        """How long a message id must be remembered to catch every fresh replay."""
        return self.max_age_s + self.max_skew_s


def check_freshness(
    produced_at: dt.datetime, arrived_at: dt.datetime, policy: FreshnessPolicy
) -> None:
    """Raise :class:`VerifyError` (``stale_message``/``future_message``) if not fresh."""
    age = (arrived_at - produced_at).total_seconds()
    if age > policy.max_age_s:
        raise VerifyError(
            reasons.STALE_MESSAGE,
            f"produced at {format_timestamp(produced_at)}, arrived {age:.0f} s later "
            f"(at most {policy.max_age_s:.0f} s allowed)",
        )
    if -age > policy.max_skew_s:
        raise VerifyError(
            reasons.FUTURE_MESSAGE,
            f"produced at {format_timestamp(produced_at)}, {-age:.0f} s after it arrived "
            f"(clock skew of at most {policy.max_skew_s:.0f} s allowed)",
        )
