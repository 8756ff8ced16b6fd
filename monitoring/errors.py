"""Errors of the operator's tools."""

from __future__ import annotations

from schemas.errors import CorridorError


class MonitoringError(CorridorError):
    """Prometheus answered, but not with what a query needs."""


class PrometheusUnavailable(MonitoringError):
    """Prometheus cannot be reached: start it, or point at the right address."""

    retriable = True
