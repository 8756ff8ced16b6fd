"""What ``corridor status`` shows: the pipeline's stages and the overview's rows (pure data)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from monitoring.prometheus_api import ActiveAlert


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
