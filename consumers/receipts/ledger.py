"""Receipts: what a recipient signs about a delivery, and the hub's ledger of them (pure).

A recipient sends ``RECEIVED`` when its system has stored a delivery, then ``VERIFIED``
(or ``REJECTED`` with the reason code) once it checked the signature, and later
``ACTIONED`` when an analyst acted on it. The hub's ledger pairs deliveries with
receipts to show, per agency, what is still unacknowledged and how long receipts take.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

RECEIVED = "RECEIVED"
VERIFIED = "VERIFIED"
REJECTED = "REJECTED"
ACTIONED = "ACTIONED"
STATUSES = (RECEIVED, VERIFIED, REJECTED, ACTIONED)


def receipt_datum(
    *,
    delivery_id: str,
    message_id: str,
    origin: str,
    recipient: str,
    status: str,
    at: dt.datetime,
    note: str | None = None,
) -> dict[str, Any]:
    """The Avro datum of one receipt."""
    if status not in STATUSES:
        raise ValueError(f"receipt status {status!r} is not one of {', '.join(STATUSES)}")
    return {
        "delivery_id": delivery_id,
        "message_id": message_id,
        "origin": origin,
        "recipient": recipient,
        "status": status,
        "at": at,
        "note": note,
    }


@dataclass
class _Delivery:
    agency: str | None = None
    delivered_at: float | None = None
    statuses: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class ReceiptOutcome:
    """What one receipt did to the ledger."""

    accepted: bool
    """False for a receipt by an agency the delivery was not for."""
    first: bool = False
    """True the first time this status is recorded for this delivery."""
    latency_s: float | None = None
    """Seconds from the delivery to this status, when both are known."""


class ReceiptLedger:
    """Deliveries and their receipts, in either arrival order, bounded by a horizon."""

    def __init__(self) -> None:
        self._deliveries: dict[str, _Delivery] = {}

    def delivered(self, delivery_id: str, agency: str, at: float) -> list[tuple[str, float]]:
        """Record a delivery (epoch seconds).

        Returns ``(status, latency)`` of the receipts that arrived before it.
        """
        entry = self._deliveries.setdefault(delivery_id, _Delivery())
        if entry.delivered_at is not None:
            return []
        if entry.agency is not None and entry.agency != agency:
            # Receipts seen first came from an agency the delivery was not for.
            entry.statuses.clear()
        entry.agency, entry.delivered_at = agency, at
        return [(status, max(0.0, t - at)) for status, t in entry.statuses.items()]

    def receipt(self, delivery_id: str, agency: str, status: str, at: float) -> ReceiptOutcome:
        """Record a verified receipt signed by ``agency``."""
        entry = self._deliveries.setdefault(delivery_id, _Delivery())
        if entry.agency is not None and entry.agency != agency:
            return ReceiptOutcome(accepted=False)
        if status in entry.statuses:
            return ReceiptOutcome(accepted=True)
        entry.statuses[status] = at
        if entry.agency is None:
            entry.agency = agency
        latency = None if entry.delivered_at is None else max(0.0, at - entry.delivered_at)
        return ReceiptOutcome(accepted=True, first=True, latency_s=latency)

    def unacknowledged(self, now: float) -> dict[str, tuple[int, float]]:
        """Per agency: deliveries without any receipt, and the age of the oldest (seconds)."""
        counts: dict[str, int] = defaultdict(int)
        oldest: dict[str, float] = defaultdict(float)
        for entry in self._deliveries.values():
            if entry.delivered_at is None or entry.statuses or entry.agency is None:
                continue
            counts[entry.agency] += 1
            oldest[entry.agency] = max(oldest[entry.agency], now - entry.delivered_at)
        return {agency: (counts[agency], oldest[agency]) for agency in counts}

    def forget_before(self, horizon: float) -> int:
        """Drop deliveries older than ``horizon`` (and receipts without one); returns how many."""
        old = [key for key, entry in self._deliveries.items() if _first_seen(entry) < horizon]
        for key in old:
            del self._deliveries[key]
        return len(old)

    def __len__(self) -> int:
        return len(self._deliveries)


def _first_seen(entry: _Delivery) -> float:
    if entry.delivered_at is not None:
        return entry.delivered_at
    return min(entry.statuses.values(), default=0.0)
