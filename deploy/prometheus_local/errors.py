"""The one error of the local Prometheus tooling."""

from __future__ import annotations


class PrometheusToolError(Exception):
    """Prometheus could not be installed, started, stopped or queried.

    The message is meant for humans: it says what is wrong and how to fix it.
    """
