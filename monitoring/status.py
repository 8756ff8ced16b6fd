"""The numbers behind ``corridor status``: what to ask Prometheus and how to group the answers.

Everything here is pure except :func:`collect`, which runs the queries through any object
with the :class:`Source` methods (the real :class:`~monitoring.prometheus_api.PrometheusApi`
or a fake in tests).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

from monitoring.prometheus_api import ActiveAlert, Sample


class Source(Protocol):
    """Where the figures come from."""

    def query(self, expr: str) -> list[Sample]: ...

    def alerts(self) -> list[ActiveAlert]: ...


@dataclass(frozen=True)
class Stage:
    """One step an alert goes through, and the counter that counts it."""

    name: str
    meaning: str
    counter: str


#: The pipeline's stages in the order an alert meets them.
STAGES = (
    Stage("received", "records read from the agencies' inbound topics", "corridor_stream_received"),
    Stage("verified", "signature, key and schema checks passed", "corridor_stream_verified"),
    Stage("quarantined", "refused and kept for inspection", "corridor_stream_quarantined"),
    Stage("passed dedupe", "new alerts and updates passed on", "corridor_stream_accepted"),
    Stage(
        "duplicates", "copies of alerts already passed on, dropped", "corridor_stream_duplicates"
    ),
    Stage("incidents", "incident versions published", "corridor_stream_incident_versions"),
    Stage("delivered", "copies written to agencies' inboxes", "corridor_deliveries"),
    Stage("receipts", "agencies' signed receipts for deliveries", "corridor_receipts"),
    Stage("webhook posts", "deliveries posted to agencies' webhooks", "corridor_webhook_attempts"),
    Stage(
        "recalls", "recall notices for alerts signed with a revoked key", "corridor_recall_notices"
    ),
    Stage("audited", "life events appended to the audit chain", "corridor_audit_records"),
)


@dataclass(frozen=True)
class StageFlow:
    """What a stage did over the window; None: no component reports it."""

    stage: Stage
    count: float | None
    """Events in the window."""
    window_s: float
    """The window's length in seconds."""

    @property
    def per_second(self) -> float | None:
        """The average rate over the window."""
        return None if self.count is None else self.count / self.window_s


@dataclass(frozen=True)
class Component:
    """One scraped process."""

    job: str
    instance: str
    up: bool


@dataclass(frozen=True)
class AgencyRow:
    """One task-force member's traffic; None: not reported."""

    agency: str
    sent_per_s: float | None = None
    quarantined: float | None = None
    delivered_per_s: float | None = None
    unacknowledged: float | None = None
    oldest_unacknowledged_s: float | None = None


@dataclass(frozen=True)
class QuarantineRow:
    """Records quarantined in the window at one stage for one reason."""

    stage: str
    reason: str
    count: float


@dataclass(frozen=True)
class LagRow:
    """Records a consumer group has yet to read from one topic."""

    group: str
    topic: str
    partitions: int
    total: float
    worst_partition: float


@dataclass(frozen=True)
class KeyRow:
    """An active signing key and the time left before it stops verifying (None: no end)."""

    agency: str
    key_id: str
    seconds_left: float | None


@dataclass(frozen=True)
class Status:
    """Everything ``corridor status`` shows, as read at ``taken_at``."""

    taken_at: dt.datetime
    window: str
    window_s: float
    components: tuple[Component, ...]
    stages: tuple[StageFlow, ...]
    agencies: tuple[AgencyRow, ...]
    quarantine: tuple[QuarantineRow, ...]
    lag: tuple[LagRow, ...]
    keys: tuple[KeyRow, ...]
    registry_version: float | None
    registry_expiry_s: float | None
    inbox_latency_p50_s: float | None
    inbox_latency_p95_s: float | None
    alerts: tuple[ActiveAlert, ...] = field(default=())

    @property
    def down(self) -> tuple[Component, ...]:
        """Components Prometheus could not scrape."""
        return tuple(c for c in self.components if not c.up)

    @property
    def firing(self) -> tuple[ActiveAlert, ...]:
        """Alerts firing now (pending ones are not yet)."""
        return tuple(a for a in self.alerts if a.state == "firing")


def parse_window(text: str) -> float:
    """Seconds in a Prometheus duration such as ``30s``, ``5m``, ``1h``; ValueError otherwise."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    if len(text) < 2 or text[-1] not in units or not text[:-1].isdigit() or int(text[:-1]) == 0:
        raise ValueError(f"not a duration like 30s, 5m or 1h: {text!r}")
    return int(text[:-1]) * units[text[-1]]


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


QUARANTINED = "corridor_stream_quarantined_total"


def queries(window: str) -> dict[str, str]:
    """The PromQL behind each figure, named."""
    window_s = parse_window(window)
    per_stage = {
        f"stage:{stage.name}": f"sum({_new_events(f'{stage.counter}_total', window)})"
        for stage in STAGES
    }
    return {
        "up": "up",
        **per_stage,
        "agency:sent": (
            f"sum by (agency) ({_new_events('corridor_stream_received_total', window)}) "
            f"/ {window_s:g}"
        ),
        "agency:quarantined": f"sum by (agency) ({_new_events(QUARANTINED, window)})",
        "agency:delivered": (
            f"sum by (agency) ({_new_events('corridor_deliveries_total', window)}) / {window_s:g}"
        ),
        "agency:unacknowledged": "max by (agency) (corridor_deliveries_unacknowledged)",
        "agency:oldest": "max by (agency) (corridor_oldest_unacknowledged_delivery_seconds)",
        "quarantine": f"sum by (stage, reason) ({_new_events(QUARANTINED, window)})",
        "lag": "max by (group, topic, partition) (corridor_consumer_lag)",
        "keys": (
            "min by (agency, key_id) "
            '(corridor_registry_key_valid_until_seconds{status="active"}) - time()'
        ),
        "registry:version": "max(corridor_registry_version)",
        "registry:expiry": "min(corridor_registry_expiry_seconds)",
        "latency:p50": _quantile(0.5, window),
        "latency:p95": _quantile(0.95, window),
    }


def _new_events(counter: str, window: str) -> str:
    """Events counted in the window, including a labelled series' first appearance.

    A labelled counter only exists once first incremented, and increase() cannot see that
    first step, so a series that appeared within the window counts with its whole value.
    (Until Prometheus itself has a window of history, every series looks new: the counts
    then cover everything since each process started.)
    """
    # The new series first: with ``or``, the left side wins for a series on both sides, and
    # a series born in the window that grew again would otherwise lose its first event.
    return f"({counter} unless {counter} offset {window}) or increase({counter}[{window}])"


def _quantile(q: float, window: str) -> str:
    return (
        f"histogram_quantile({q}, sum by (le) "
        f"(rate(corridor_publish_to_inbox_seconds_bucket[{window}])))"
    )


def collect(
    source: Source,
    window: str = "5m",
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
) -> Status:
    """Ask ``source`` every query and assemble the overview."""
    window_s = parse_window(window)
    answers = {name: source.query(expr) for name, expr in queries(window).items()}
    return Status(
        taken_at=clock(),
        window=window,
        window_s=window_s,
        components=components_from(answers["up"]),
        stages=tuple(
            StageFlow(stage, _single(answers[f"stage:{stage.name}"]), window_s) for stage in STAGES
        ),
        agencies=agencies_from(
            answers["agency:sent"],
            answers["agency:quarantined"],
            answers["agency:delivered"],
            answers["agency:unacknowledged"],
            answers["agency:oldest"],
        ),
        quarantine=quarantine_from(answers["quarantine"]),
        lag=lag_from(answers["lag"]),
        keys=keys_from(answers["keys"]),
        registry_version=_single(answers["registry:version"]),
        registry_expiry_s=_single(answers["registry:expiry"]),
        inbox_latency_p50_s=_single(answers["latency:p50"]),
        inbox_latency_p95_s=_single(answers["latency:p95"]),
        alerts=tuple(source.alerts()),
    )
