"""TAXII and STIX timestamps as the TAXII store keeps them (pure)."""

from __future__ import annotations

import datetime as dt
from typing import Any


def format_added(at: dt.datetime) -> str:
    """A TAXII timestamp with microseconds, ``2026-11-20T08:00:00.123456Z``."""
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_timestamp(text: str) -> dt.datetime:
    """An RFC 3339 timestamp (``Z`` or an offset); ``ValueError`` otherwise."""
    parsed = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError(f"{text!r} has no UTC offset")
    return parsed.astimezone(dt.UTC)


def later_than(at: str, previous: str) -> str:
    """``at``, or one millisecond after ``previous`` if ``at`` is not later (STIX timestamps)."""
    if parse_timestamp(at) > parse_timestamp(previous):
        return at
    later = parse_timestamp(previous) + dt.timedelta(milliseconds=1)
    return later.strftime("%Y-%m-%dT%H:%M:%S.") + f"{later.microsecond // 1000:03d}Z"


def object_version(stix_object: dict[str, Any]) -> str:
    """The version a TAXII server gives an object: ``modified``, else ``created``, else ''."""
    return str(stix_object.get("modified") or stix_object.get("created") or "")
