"""Reading deploy/grafana/corridor.json as Grafana would: panels, their queries, variables.

Shared by the unit test of the dashboard's form (tests/unit/deploy/test_grafana_dashboard.py)
and the integration test that runs every query against a live Prometheus
(tests/integration/test_dashboard.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DASHBOARD_FILE = REPO / "deploy" / "grafana" / "corridor.json"
RULES_FILE = REPO / "deploy" / "prometheus" / "rules.yml"

RATE_INTERVAL = "30s"
"""What ``$__rate_interval`` stands for in tests: Prometheus scrapes every second there, so
30 s holds some thirty samples (Grafana would use at least four scrape intervals)."""


def load_dashboard(path: Path = DASHBOARD_FILE) -> dict[str, Any]:
    """The dashboard's JSON model."""
    model: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return model


def all_panels(dashboard: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """Every panel, rows included, and the panels nested in collapsed rows."""
    for panel in dashboard.get("panels", []):
        yield panel
        yield from panel.get("panels", [])


def query_panels(dashboard: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The panels that show data (every panel but rows)."""
    return [p for p in all_panels(dashboard) if p.get("type") != "row"]


def targets(panel: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The panel's queries."""
    return list(panel.get("targets", []))


def all_values(dashboard: Mapping[str, Any]) -> dict[str, str]:
    """Each template variable's value when "All" is selected (its ``allValue``)."""
    return {v["name"]: v["allValue"] for v in dashboard.get("templating", {}).get("list", [])}


def substitute(expr: str, variables: Mapping[str, str]) -> str:
    """``expr`` with Grafana's variables replaced: ``$__rate_interval`` and ``variables``.

    The ``$name``, ``${name}`` and ``[[name]]`` spellings are all replaced.
    """
    values = {"__rate_interval": RATE_INTERVAL, **variables}
    for name, value in sorted(values.items(), key=lambda item: -len(item[0])):
        expr = expr.replace(f"${{{name}}}", value).replace(f"[[{name}]]", value)
        expr = re.sub(rf"\${re.escape(name)}\b", lambda _m, v=value: v, expr)
    return expr


_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"')
_MATCHERS = re.compile(r"\{[^}]*\}")
_RANGES = re.compile(r"\[[^\]]*\]")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_IDENTIFIER = re.compile(r"(?<![\w:.])([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()")
_KEYWORDS = {"and", "or", "unless", "bool", "offset", "inf", "nan", "by", "without"}


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression reads (functions, labels and keywords left out)."""
    stripped = _STRINGS.sub('""', expr)
    stripped = _MATCHERS.sub(" ", stripped)
    stripped = _RANGES.sub(" ", stripped)
    stripped = _GROUPING.sub(" ", stripped)
    return {
        name
        for name in _IDENTIFIER.findall(stripped)
        if name.lower() not in _KEYWORDS and not name.startswith("$")
    }


def recording_rules(path: Path = RULES_FILE) -> set[str]:
    """Names of the recording rules in the Prometheus rule file."""
    return set(re.findall(r"^\s*-?\s*record:\s*(\S+)\s*$", path.read_text("utf-8"), re.M))
