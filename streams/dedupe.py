"""Deduplication decisions: the pure logic behind the dedupe stage.

Two layers, cheapest first:

* exact redelivery: the SHA-256 of the record value was seen (and verified)
  within the retention window, so it is dropped before verifying again. Only
  digests of *verified* records are remembered, so a forged record can never
  suppress a genuine one: a forgery has other bytes, hence another digest.
* same alert: per (agency, alert_id) the highest revision delivered so far is
  kept; an equal revision is a duplicate, a higher one an update, a lower one stale.
"""

from __future__ import annotations

import enum
import hashlib
from collections import OrderedDict


class Decision(enum.Enum):
    """What the dedupe stage does with an alert."""

    NEW = "new"
    """First revision seen of this alert: deliver."""
    UPDATE = "update"
    """A higher revision than delivered so far: deliver as an update."""
    DUPLICATE = "duplicate"
    """The same revision again: drop and count."""
    STALE = "stale"
    """An older revision arriving late: drop and count."""


def decide(delivered_revision: int | None, revision: int) -> Decision:
    """Decision for ``revision`` given the highest revision delivered so far."""
    if delivered_revision is None:
        return Decision.NEW
    if revision > delivered_revision:
        return Decision.UPDATE
    if revision == delivered_revision:
        return Decision.DUPLICATE
    return Decision.STALE


def value_digest(value: bytes) -> bytes:
    """Digest of a record value for exact-redelivery detection."""
    return hashlib.sha256(value).digest()


class RecentDigests:
    """Digests seen within the last ``window_s`` seconds; memory bounded by the window.

    Times are supplied by the caller (the record's timestamp), which keeps the
    class pure and its behaviour independent of wall-clock time.
    """

    def __init__(self, window_s: float) -> None:
        self._window_s = window_s
        self._seen: OrderedDict[bytes, float] = OrderedDict()

    def __len__(self) -> int:
        return len(self._seen)

    def seen(self, digest: bytes, at: float) -> bool:
        """True if ``digest`` was added within the window before ``at``."""
        self._expire(at)
        added = self._seen.get(digest)
        return added is not None and at - added <= self._window_s

    def add(self, digest: bytes, at: float) -> None:
        """Remember ``digest`` (of a verified record) as seen at ``at``."""
        self._seen[digest] = at
        self._seen.move_to_end(digest)
        self._expire(at)

    def _expire(self, now: float) -> None:
        while self._seen:
            digest, added = next(iter(self._seen.items()))
            if now - added <= self._window_s:
                return
            del self._seen[digest]
