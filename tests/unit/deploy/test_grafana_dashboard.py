"""The Grafana dashboard's form: it imports cleanly and every query reads metrics we export.

Whether each query returns data from a running pipeline is tested in
tests/integration/test_dashboard.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from consumers.audit.metrics import AuditMetrics
from consumers.delivery.metrics import DeliveryMetrics
from consumers.inbox.metrics import InboxMetrics
from consumers.metrics import RegistryMetrics
from consumers.recalls.metrics import RecallMetrics
from consumers.receipts.metrics import ReceiptMetrics
from consumers.webhooks.metrics import ReceiverMetrics, WebhookMetrics
from streams.metrics import StreamMetrics
from tests.dashboard_queries import (
    all_panels,
    all_values,
    load_dashboard,
    metric_names,
    query_panels,
    recording_rules,
    substitute,
    targets,
)

DATASOURCE = {"type": "prometheus", "uid": "${DS_PROMETHEUS}"}
CORE_PANELS = {"timeseries", "stat", "table", "bargauge", "gauge", "text", "heatmap"}
METRICS: tuple[Callable[[CollectorRegistry], Any], ...] = (
    StreamMetrics.create,
    DeliveryMetrics.create,
    InboxMetrics.create,
    ReceiptMetrics.create,
    WebhookMetrics.create,
    ReceiverMetrics.create,
    RegistryMetrics.create,
    RecallMetrics.create,
    AuditMetrics.create,
)
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "gauge": ("",)}


def exported_names() -> set[str]:
    """Every series name our services' metric objects can export."""
    names = set()
    for create in METRICS:
        registry = CollectorRegistry()
        create(registry)
        for family in registry.collect():
            names.update(family.name + suffix for suffix in SUFFIXES[family.type])
    return names


@pytest.fixture(scope="module")
def dashboard() -> dict[str, Any]:
    return load_dashboard()


def test_it_imports_with_a_datasource_input(dashboard: dict[str, Any]) -> None:
    assert dashboard["schemaVersion"] >= 36
    assert dashboard["uid"] and dashboard["title"]
    (source,) = dashboard["__inputs"]
    assert (source["name"], source["type"], source["pluginId"]) == (
        "DS_PROMETHEUS",
        "datasource",
        "prometheus",
    )
    for variable in dashboard["templating"]["list"]:
        assert variable["datasource"] == DATASOURCE
        assert variable["includeAll"] and variable["allValue"]


def test_panels_have_unique_ids_titles_descriptions_units_and_queries(
    dashboard: dict[str, Any],
) -> None:
    ids = [p["id"] for p in all_panels(dashboard)]
    assert len(ids) == len(set(ids)), sorted(ids)
    panels = query_panels(dashboard)
    assert len(panels) >= 30
    for panel in panels:
        where = f"panel {panel['id']} {panel.get('title')!r}"
        assert panel["type"] in CORE_PANELS, where
        assert panel["title"].strip(), where
        assert panel["description"].strip() and "\n" not in panel["description"], where
        assert panel["fieldConfig"]["defaults"]["unit"], where
        assert panel["datasource"] == DATASOURCE, where
        assert panel["gridPos"]["w"] > 0 and panel["gridPos"]["x"] + panel["gridPos"]["w"] <= 24
        queries = targets(panel)
        assert queries, where
        assert len({t["refId"] for t in queries}) == len(queries), where
        for target in queries:
            assert target["datasource"] == DATASOURCE, where
            assert target["expr"].strip(), where


def test_rates_use_the_rate_interval(dashboard: dict[str, Any]) -> None:
    for panel in query_panels(dashboard):
        for target in targets(panel):
            for window in re.findall(r"\brate\([^\[]*\[([^\]]*)\]", target["expr"]):
                assert window == "$__rate_interval", (panel["title"], target["expr"])


def test_every_metric_it_reads_is_one_we_export(dashboard: dict[str, Any]) -> None:
    known = exported_names() | recording_rules() | {"up"}
    used = {
        name
        for panel in query_panels(dashboard)
        for target in targets(panel)
        for name in metric_names(substitute(target["expr"], all_values(dashboard)))
    }
    assert used - known == set()
    # Not vacuous: the main families of every component are on it.
    for name in (
        "corridor_stream_quarantined_total",
        "corridor_deliveries_total",
        "corridor_webhook_attempts_total",
        "corridor_deliveries_unacknowledged",
        "corridor_recalled_alerts_total",
        "corridor_consumer_lag",
        "corridor_registry_key_valid_until_seconds",
    ):
        assert name in used


def test_substitution_and_metric_names() -> None:
    expr = 'sum by (agency) (rate(corridor_x_total{agency=~"$agency", k="a b"}[$__rate_interval]))'
    substituted = substitute(expr, {"agency": ".*"})
    assert substituted == 'sum by (agency) (rate(corridor_x_total{agency=~".*", k="a b"}[30s]))'
    assert substitute('x{a=~"${agency}"} [[agency]]', {"agency": "A"}) == 'x{a=~"A"} A'
    assert metric_names(substituted) == {"corridor_x_total"}
    assert metric_names("min by (job) (a:b:c - time()) / 86400 and on (job) up") == {
        "a:b:c",
        "up",
    }
