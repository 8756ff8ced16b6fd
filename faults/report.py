"""The fault matrix's table: one row per case, then what went wrong, if anything."""

from __future__ import annotations

from collections.abc import Sequence

from faults.matrix import CaseReport

COLUMNS = (
    ("case", 15),
    ("faults", 6),
    ("published", 9),
    ("acked", 5),
    ("unacked", 7),
    ("expected", 8),
    ("stored", 6),
    ("lost", 4),
    ("doubled", 7),
    ("spurious", 8),
    ("incidents", 9),
    ("resumed s (median/max)", 22),
    ("caught up s (max)", 17),
    ("drain s", 7),
    ("result", 6),
)
#: Problems listed per kind under the table, at most this many each.
SHOWN = 10


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def row(report: CaseReport) -> list[str]:
    """The cells of one case."""
    v = report.verdict
    diverged = len(v.incident_mismatches) + len(v.incidents_lost)
    incidents = f"{v.incidents_expected}" + (f" ({diverged} off)" if diverged else " ok")
    not_recovered = sum(1 for _, s in report.recoveries if s is None)
    recovery = f"{_seconds(report.median_recovery_s)} / {_seconds(report.max_recovery_s)}"
    if not_recovered:
        recovery += f" ({not_recovered} never)"
    return [
        report.case,
        str(report.faults),
        str(report.published),
        str(v.acknowledged),
        str(report.unacknowledged),
        str(v.expected),
        str(v.stored),
        str(len(v.lost)),
        str(len(v.doubled)),
        str(len(v.spurious) + len(v.unentitled)),
        incidents,
        recovery,
        _seconds(report.max_catch_up_s),
        f"{report.drain_s:.1f}",
        "PASS" if report.passed else "FAIL",
    ]


def table(reports: Sequence[CaseReport]) -> str:
    """A Markdown table of ``reports``."""
    header = "| " + " | ".join(name.ljust(width) for name, width in COLUMNS) + " |"
    rule = "|" + "|".join("-" * (width + 2) for _, width in COLUMNS) + "|"
    lines = [header, rule]
    for report in reports:
        cells = row(report)
        lines.append(
            "| " + " | ".join(c.ljust(w) for c, (_, w) in zip(cells, COLUMNS, strict=True)) + " |"
        )
    return "\n".join(lines)


def problems(report: CaseReport) -> list[str]:
    """What went wrong in one case, a line each (empty when it passed)."""
    v = report.verdict
    found = []
    for kind, items in (
        ("lost", v.lost),
        ("doubled", v.doubled),
        ("spurious", v.spurious),
        ("stored without entitlement", v.unentitled),
        ("incident final versions", v.incident_mismatches),
        ("incident final version not stored", v.incidents_lost),
        ("no flow after", [label for label, s in report.recoveries if s is None]),
        ("resumed later than the target", report.slow),
        ("outage", report.outage_problems),
        ("exited by itself", report.exited),
    ):
        found += [f"{report.case}: {kind}: {item}" for item in items[:SHOWN]]
        if len(items) > SHOWN:
            found.append(f"{report.case}: {kind}: ... {len(items) - SHOWN} more")
    return found


def recoveries(report: CaseReport) -> str:
    """Each fault's recovery time, on one line."""
    return f"{report.case} (resumed / caught up, s): " + ", ".join(
        f"{label} {_seconds(s)}/{_seconds(c)}"
        for (label, s), c in zip(report.recoveries, report.catch_ups, strict=True)
    )
