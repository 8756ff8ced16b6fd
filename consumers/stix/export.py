"""What ``corridor stix export`` writes: one bundle of an agency's deliveries (pure)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import stix2

from consumers.stix.bundle import bundle_of, mappable, revoked_report_id
from consumers.stix.ids import report_id


@dataclass(frozen=True)
class Export:
    """A bundle and what went into it."""

    bundle: stix2.Bundle
    """The STIX bundle."""
    alerts: int
    """Alert deliveries exported."""
    incidents: int
    """Incident deliveries exported."""
    recalled: int
    """Alert deliveries left out because a recall notice withdrew them."""
    rejected: int
    """Deliveries that did not verify (left out)."""


def export(documents: Iterable[dict[str, Any]]) -> Export:
    """The bundle of the verified alerts and incidents of ``documents`` (inbox documents).

    An alert a verified recall notice withdraws is left out, wherever the notice is.
    """
    items = list(documents)
    revoked = {rid for d in items if (rid := revoked_report_id(d)) is not None}

    def recalled(document: dict[str, Any]) -> bool:
        if document.get("kind") != "alert":
            return False
        alert = document["alert"]
        return report_id(alert["agency"], alert["alert_id"], alert["revision"]) in revoked

    kept = [d for d in items if mappable(d) and not recalled(d)]
    return Export(
        bundle=bundle_of(kept),
        alerts=sum(d["kind"] == "alert" for d in kept),
        incidents=sum(d["kind"] == "incident" for d in kept),
        recalled=sum(mappable(d) and recalled(d) for d in items),
        rejected=sum(d.get("status") == "rejected" for d in items),
    )
