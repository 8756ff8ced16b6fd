"""``corridor status`` as text: sections an operator who did not build Corridor can read."""

from __future__ import annotations

import json
import math
from dataclasses import asdict
from typing import Any

from monitoring.status.figures import Status

NO_DATA = "-"
#: Keys and registries closer than this to their end are marked.
KEY_WARNING_S = 14 * 86400


def rate(value: float | None) -> str:
    """A per-second rate."""
    if value is None:
        return NO_DATA
    if value == 0:
        return "0"
    return f"{value:.2f}" if value < 10 else f"{value:,.1f}"


def count(value: float | None) -> str:
    """A number of events (Prometheus extrapolates, so round)."""
    return NO_DATA if value is None else f"{round(value):,}"


def duration(seconds: float | None) -> str:
    """A human duration: ``45 s``, ``12 min``, ``5 h``, ``87 d``."""
    if seconds is None:
        return NO_DATA
    if seconds < 0:
        return f"{duration(-seconds)} ago"
    for limit, unit, size in ((120, "s", 1), (7200, "min", 60), (172800, "h", 3600)):
        if seconds < limit:
            return f"{seconds / size:.0f} {unit}" if unit != "s" else f"{seconds:.1f} s"
    return f"{seconds / 86400:.0f} d"


def headline(status: Status) -> str:
    """One line: is anything wrong?"""
    problems = []
    if status.down:
        names = ", ".join(sorted({c.job for c in status.down}))
        problems.append(f"{len(status.down)} component(s) down ({names})")
    if status.firing:
        problems.append(f"{len(status.firing)} alert(s) firing")
    if not status.components:
        problems.append("Prometheus scrapes no Corridor component")
    if problems:
        return "Health: ATTENTION: " + "; ".join(problems)
    return f"Health: OK: all {len(status.components)} components up, no alert firing"


def _table(headers: list[str], rows: list[list[str]], indent: str = "  ") -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    lines = [indent + "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    for row in rows:
        cells = [row[0].ljust(widths[0])]
        pairs = zip(row[1:], widths[1:], strict=True)
        cells += [c.rjust(w) if _numeric(c) else c.ljust(w) for c, w in pairs]
        lines.append(indent + "  ".join(cells).rstrip())
    return lines


def _numeric(cell: str) -> bool:
    return cell == NO_DATA or cell[:1].isdigit()


def render(status: Status, source: str) -> str:
    """The whole overview."""
    taken = status.taken_at.strftime("%Y-%m-%d %H:%M:%S UTC")
    window = status.window
    out = [
        f"CORRIDOR STATUS  {taken}  figures over the last {window}  (Prometheus {source})",
        headline(status),
        "",
        "COMPONENTS  (is each process answering Prometheus's scrapes?)",
    ]
    if status.components:
        out += _table(
            ["job", "address", "state"],
            [[c.job, c.instance, "up" if c.up else "DOWN"] for c in status.components],
        )
    else:
        out.append("  none scraped: is Prometheus configured with the pipeline's targets?")

    out += ["", "FLOW  (an alert goes down this list)"]
    out += _table(
        ["stage", "per second", f"last {window}", "what it counts"],
        [
            [f.stage.name, rate(f.per_second), count(f.count), f.stage.meaning]
            for f in status.stages
        ],
    )
    if status.inbox_latency_p50_s is None:
        out.append(f"  From an agency's send to an inbox: no deliveries in the last {window}.")
    else:
        out.append(
            "  From an agency's send to an inbox: half within "
            f"{duration(status.inbox_latency_p50_s)}, 95% within "
            f"{duration(status.inbox_latency_p95_s)}."
        )

    out += ["", "AGENCIES  (sent = read from its inbound topic; unacknowledged = no receipt yet)"]
    if status.agencies:
        out += _table(
            ["agency", "sent/s", "quarantined", "delivered/s", "unacknowledged", "oldest"],
            [
                [
                    a.agency,
                    rate(a.sent_per_s),
                    count(a.quarantined),
                    rate(a.delivered_per_s),
                    count(a.unacknowledged),
                    duration(a.oldest_unacknowledged_s),
                ]
                for a in status.agencies
            ],
        )
    else:
        out.append("  no agency traffic reported yet")

    out += ["", f"QUARANTINE in the last {window}  (inspect with `corridor quarantine`)"]
    if status.quarantine:
        out += _table(
            ["stage", "reason", "records"],
            [[q.stage, q.reason, count(q.count)] for q in status.quarantine],
        )
    else:
        out.append("  nothing quarantined")

    out += ["", "CONSUMER LAG  (records waiting to be read; should stay near 0)"]
    if status.lag:
        out += _table(
            ["group", "topic", "partitions", "waiting", "worst partition"],
            [
                [r.group, r.topic, str(r.partitions), count(r.total), count(r.worst_partition)]
                for r in status.lag
            ],
        )
    else:
        out.append("  no consumer reports its lag")

    out += ["", "SIGNING KEYS  (time left before alerts signed with each key are refused)"]
    if status.keys:
        out += _table(
            ["agency", "key", "time left", ""],
            [
                [k.agency, k.key_id, _left(k.seconds_left), _warning(k.seconds_left)]
                for k in status.keys
            ],
        )
    else:
        out.append("  no component reports key validity (is the key registry followed?)")
    if status.registry_expiry_s is not None:
        version = NO_DATA if status.registry_version is None else f"{status.registry_version:.0f}"
        out.append(
            f"  Key registry version {version}: {_left(status.registry_expiry_s)} before it "
            f"must be re-signed {_warning(status.registry_expiry_s)}".rstrip()
        )

    out += ["", "ALERTS  (rules in deploy/prometheus/rules.yml)"]
    if status.alerts:
        for alert in sorted(status.alerts, key=lambda a: (a.state != "firing", a.name)):
            out.append(f"  {alert.state.upper():8} {alert.name}: {alert.summary}".rstrip())
    else:
        out.append("  none pending or firing")
    return "\n".join(out) + "\n"


def _left(seconds: float | None) -> str:
    if seconds is None:
        return "no end"
    return "EXPIRED " + duration(seconds) if seconds <= 0 else duration(seconds)


def _warning(seconds: float | None) -> str:
    if seconds is not None and 0 < seconds < KEY_WARNING_S:
        return "<- renew soon"
    return ""


def to_json(status: Status) -> str:
    """The overview for scripts: non-finite numbers become null."""
    document = asdict(status)
    document["taken_at"] = status.taken_at.isoformat()
    document["healthy"] = not status.down and not status.firing and bool(status.components)
    for flow, stage in zip(document["stages"], status.stages, strict=True):
        flow["stage"] = stage.stage.name
        flow["per_second"] = stage.per_second
        del flow["window_s"]
    return json.dumps(_clean(document), indent=2, sort_keys=True)


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value
