"""Checks for a broker outage in which writes cannot be acknowledged: did publishers fail loudly?

While too few brokers run for ``min.insync.replicas`` copies of a write (two of three
down), or none runs, an ``acks=all`` producer must not be told a send succeeded. The
publisher records every send with when it was sent and when its outcome was reported
(:class:`SendRecord`); a case records each such outage (:class:`Outage`). Pure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from producers.outcomes import PUBLISHED


@dataclass(frozen=True)
class SendRecord:
    """One send of the fault publisher and the outcome the client reported."""

    agency: str
    """The publishing agency."""
    label: str
    """``AGENCY:alert_id rN``."""
    message_id: str
    """The envelope's message id."""
    sent_at: float
    """``time.monotonic()`` when it was handed to the client."""
    reported_at: float
    """``time.monotonic()`` when the client reported its outcome."""
    status: str
    """``published``, ``failed`` or ``unknown`` (:mod:`producers.outcomes`)."""
    error: str | None = None
    """The client's reason when not published."""

    @property
    def acknowledged(self) -> bool:
        """Whether the client reported the broker's acknowledgement."""
        return self.status == PUBLISHED


@dataclass(frozen=True)
class Outage:
    """A span in which no write can be acknowledged."""

    label: str
    """What was down, e.g. ``brokers 1, 3 down``."""
    start: float
    """``time.monotonic()`` once the last of them was gone."""
    end: float
    """``time.monotonic()`` just before the first of them was started again."""


def outage_problems(
    sends: Iterable[SendRecord], outages: Iterable[Outage], lost: Iterable[str]
) -> list[str]:
    """What went wrong in ``outages``; empty when the publisher failed loudly and lost nothing.

    For each outage: an alert reported acknowledged in it must not be among ``lost``
    (labels ``AGENCY:alert_id rN``; it was acknowledged before the outage and reported
    late, so it must be on the log); no send both sent and reported in it may be
    reported acknowledged; and at least one send must have been reported failed or
    unknown in it (a publisher that hangs, or keeps reporting nothing, is not loud).
    """
    all_sends = list(sends)
    missing = set(lost)
    problems: list[str] = []
    for outage in outages:

        def inside(moment: float, outage: Outage = outage) -> bool:
            return outage.start <= moment < outage.end

        for send in all_sends:
            if not send.acknowledged:
                continue
            if inside(send.sent_at) and inside(send.reported_at):
                problems.append(f"{outage.label}: {send.label} reported acknowledged")
            elif inside(send.reported_at) and send.label in missing:
                problems.append(f"{outage.label}: {send.label} reported acknowledged, then lost")
        if not any(not s.acknowledged and inside(s.reported_at) for s in all_sends):
            problems.append(f"{outage.label}: no send was reported failed or unknown")
    return problems


def lost_alerts(lost_deliveries: Iterable[str]) -> set[str]:
    """``AGENCY:alert_id rN`` of each lost delivery (``RECIPIENT AGENCY:alert_id rN``)."""
    return {entry.split(" ", 1)[1] for entry in lost_deliveries if " " in entry}
