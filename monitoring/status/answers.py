"""Prometheus answers grouped into the overview's rows (pure)."""

from __future__ import annotations

import math
from collections.abc import Iterable

from monitoring.prometheus_api import Sample
from monitoring.status.figures import AgencyRow, Component, KeyRow, LagRow, QuarantineRow


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _single(samples: list[Sample]) -> float | None:
    return _finite(samples[0].value) if samples else None


def _by(samples: Iterable[Sample], label: str) -> dict[str, float]:
    return {s.labels[label]: s.value for s in samples if label in s.labels}


def components_from(samples: Iterable[Sample]) -> tuple[Component, ...]:
    """``up`` series as components, sorted by job."""
    found = [
        Component(s.labels.get("job", "?"), s.labels.get("instance", "?"), s.value == 1)
        for s in samples
    ]
    return tuple(sorted(found, key=lambda c: (c.job, c.instance)))


def agencies_from(
    sent: list[Sample],
    quarantined: list[Sample],
    delivered: list[Sample],
    unacknowledged: list[Sample],
    oldest: list[Sample],
) -> tuple[AgencyRow, ...]:
    """One row per agency named by any of the per-agency series."""
    columns = [_by(s, "agency") for s in (sent, quarantined, delivered, unacknowledged, oldest)]
    names = sorted(set().union(*columns))
    return tuple(
        AgencyRow(name, *(_finite(column[name]) if name in column else None for column in columns))
        for name in names
    )


def quarantine_from(samples: Iterable[Sample]) -> tuple[QuarantineRow, ...]:
    """Non-zero quarantine counts, largest first."""
    rows = [
        QuarantineRow(s.labels.get("stage", "?"), s.labels.get("reason", "?"), s.value)
        for s in samples
        if math.isfinite(s.value) and round(s.value) > 0
    ]
    return tuple(sorted(rows, key=lambda r: (-r.count, r.stage, r.reason)))


def lag_from(samples: Iterable[Sample]) -> tuple[LagRow, ...]:
    """Per-partition lag summed per group and topic, largest backlog first."""
    grouped: dict[tuple[str, str], list[float]] = {}
    for s in samples:
        if math.isfinite(s.value):
            key = (s.labels.get("group", "?"), s.labels.get("topic", "?"))
            grouped.setdefault(key, []).append(s.value)
    rows = [
        LagRow(group, topic, len(values), sum(values), max(values))
        for (group, topic), values in grouped.items()
    ]
    return tuple(sorted(rows, key=lambda r: (-r.total, r.group, r.topic)))


def keys_from(samples: Iterable[Sample]) -> tuple[KeyRow, ...]:
    """Active keys, the soonest to expire first (keys without an end last)."""
    rows = [
        KeyRow(
            s.labels.get("agency", "?"),
            s.labels.get("key_id", "?"),
            None if math.isinf(s.value) and s.value > 0 else s.value,
        )
        for s in samples
        if not math.isnan(s.value)
    ]
    return tuple(
        sorted(
            rows,
            key=lambda r: (r.seconds_left is None, r.seconds_left or 0.0, r.agency, r.key_id),
        )
    )
