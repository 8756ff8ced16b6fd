"""Where the local Prometheus lives: the package, its files, the rules and the default jobs."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

PACKAGE = "prometheus"
"""Debian's package providing ``prometheus`` and ``promtool``."""

REPO_ROOT = Path(__file__).resolve().parents[2]
RULES_FILE = REPO_ROOT / "deploy" / "prometheus" / "rules.yml"
"""The pipeline's alerting rules."""
RULES_TEST_FILE = REPO_ROOT / "deploy" / "prometheus" / "rules_test.yml"
"""promtool unit tests of the alerting rules."""
DEFAULT_INSTALL = REPO_ROOT / ".local" / "prometheus" / "dist"
DEFAULT_HOME = REPO_ROOT / ".local" / "prometheus" / "run"
LOOPBACK = "127.0.0.1"

DEFAULT_TARGETS: Mapping[str, tuple[str, ...]] = {
    "worker": (f"{LOOPBACK}:9401",),
    "delivery": (f"{LOOPBACK}:9402",),
    "webhooks": (f"{LOOPBACK}:9403",),
    "receipts": (f"{LOOPBACK}:9404",),
    "recalls": (f"{LOOPBACK}:9405",),
    "audit": (f"{LOOPBACK}:9406",),
}
"""Scrape jobs of a local pipeline: each component's default ``--metrics-port``."""

STAMP = "PACKAGE"
CONFIG_FILE = "prometheus.yml"
PID_FILE = "prometheus.pid"
LOG_FILE = "prometheus.log"
