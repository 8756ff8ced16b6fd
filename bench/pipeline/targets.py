"""Issue 14's targets, and whether this run met them."""

from __future__ import annotations

from collections.abc import Sequence

from bench.pipeline.bottleneck import cpu_table
from bench.pipeline.report import DatasetReport
from bench.pipeline.results import fmt, percentile

TARGETS = {
    "realistic burst alerts/s": 600.0,
    "worst burst alerts/s": 150.0,
    "steady p99 ms": 300.0,
    "broker ms/alert": 0.5,
    "hub ms/alert": 3.0,
}
"""Issue 14's targets on the 2-core machine."""


def target_lines(reports: Sequence[DatasetReport]) -> list[str]:
    """Each of issue 14's targets this run measured, with the figure and met / NOT met."""
    lines = []
    for report in reports:
        for result, _ in report.hub:
            cpu = cpu_table(result)
            label = f"{report.dataset}, {result.name}"
            if result.name.endswith("burst"):
                key = f"{report.dataset} burst alerts/s"
                if key in TARGETS:
                    lines.append(_target(key, result.throughput, at_least=True))
            if result.name.endswith("steady"):
                p99 = percentile(result.latencies_ms(), 0.99)
                lines.append(_target("steady p99 ms", p99, at_least=False, what=label))
            for key, name in (("broker ms/alert", "broker"), ("hub ms/alert", "hub total")):
                if name in cpu:
                    lines.append(_target(key, cpu[name], at_least=False, what=label))
    return lines


def _target(key: str, value: float, *, at_least: bool, what: str = "") -> str:
    goal = TARGETS[key]
    met = value >= goal if at_least else value <= goal
    sign = ">=" if at_least else "<="
    label = f"{key} ({what})" if what else key
    return f"  {label}: {fmt(value, '', 2)} (target {sign} {goal:g}) {'met' if met else 'NOT met'}"
