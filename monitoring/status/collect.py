"""Ask a :class:`Source` every query and assemble the :class:`Status` (the only I/O)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Protocol

from monitoring.prometheus_api import ActiveAlert, Sample
from monitoring.status.answers import (
    _single,
    agencies_from,
    components_from,
    keys_from,
    lag_from,
    quarantine_from,
)
from monitoring.status.figures import STAGES, StageFlow, Status
from monitoring.status.queries import parse_window, queries


class Source(Protocol):
    """Where the figures come from."""

    def query(self, expr: str) -> list[Sample]: ...

    def alerts(self) -> list[ActiveAlert]: ...


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
