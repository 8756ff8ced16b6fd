"""A small client of the Prometheus HTTP API: instant queries and the alerts it evaluates."""

from __future__ import annotations

import json
import math
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from monitoring.errors import MonitoringError, PrometheusUnavailable

DEFAULT_URL = "http://127.0.0.1:9090"


@dataclass(frozen=True)
class Sample:
    """One series of an instant vector: its labels and its value now."""

    labels: Mapping[str, str]
    value: float


@dataclass(frozen=True)
class ActiveAlert:
    """An alerting rule that is pending or firing."""

    name: str
    state: str
    labels: Mapping[str, str]
    summary: str
    active_since: str


def parse_vector(data: Any) -> list[Sample]:
    """The samples of a ``/api/v1/query`` answer's ``data`` (an instant vector or a scalar)."""
    if not isinstance(data, dict):
        raise MonitoringError("Prometheus answered a query without data")
    kind = data.get("resultType")
    result = data.get("result")
    if kind == "scalar" and isinstance(result, list) and len(result) == 2:
        return [Sample({}, _number(result[1]))]
    if kind != "vector" or not isinstance(result, list):
        raise MonitoringError(f"expected an instant vector from Prometheus, got {kind!r}")
    samples = []
    for series in result:
        labels = series.get("metric", {})
        value = series.get("value", [None, "NaN"])
        samples.append(Sample({str(k): str(v) for k, v in labels.items()}, _number(value[1])))
    return samples


def parse_alerts(data: Any) -> list[ActiveAlert]:
    """The pending and firing alerts of an ``/api/v1/alerts`` answer's ``data``."""
    alerts = []
    for alert in (data or {}).get("alerts", []):
        labels = {str(k): str(v) for k, v in alert.get("labels", {}).items()}
        annotations = alert.get("annotations", {})
        alerts.append(
            ActiveAlert(
                name=labels.get("alertname", "?"),
                state=str(alert.get("state", "?")),
                labels=labels,
                summary=str(annotations.get("summary", "")),
                active_since=str(alert.get("activeAt", "")),
            )
        )
    return alerts


def _number(text: Any) -> float:
    try:
        return float(text)
    except (TypeError, ValueError):
        return math.nan


class PrometheusApi:
    """Reads from one Prometheus server."""

    def __init__(self, url: str = DEFAULT_URL, timeout_s: float = 5.0) -> None:
        self.url = url.rstrip("/")
        self._timeout_s = timeout_s

    def _get(self, path: str, params: Mapping[str, str] | None = None) -> Any:
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        url = f"{self.url}/api/v1/{path}{query}"
        try:
            with urllib.request.urlopen(url, timeout=self._timeout_s) as response:  # noqa: S310
                body = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            with exc:  # the error holds the response's connection
                detail = exc.read().decode("utf-8", "replace")[:300]
            raise MonitoringError(f"Prometheus at {self.url} refused {path}: {detail}") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise PrometheusUnavailable(
                f"cannot reach Prometheus at {self.url} ({getattr(exc, 'reason', exc)}): start "
                "it with `make monitor`, or pass --prometheus URL"
            ) from exc
        except ValueError as exc:
            raise MonitoringError(f"{self.url} did not answer like Prometheus: {exc}") from exc
        if not isinstance(body, dict) or body.get("status") != "success":
            error = body.get("error", body) if isinstance(body, dict) else body
            raise MonitoringError(f"Prometheus at {self.url} answered an error: {error}")
        return body.get("data")

    def query(self, expr: str) -> list[Sample]:
        """The instant vector of ``expr`` now."""
        return parse_vector(self._get("query", {"query": expr}))

    def alerts(self) -> list[ActiveAlert]:
        """Alerts pending or firing now."""
        return parse_alerts(self._get("alerts"))
