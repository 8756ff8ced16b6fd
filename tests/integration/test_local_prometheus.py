"""deploy/local_prometheus.py's server lifecycle: start, reload, refuse a second port, stop."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from kafka_local.config import free_port
from prometheus_local.cli import main
from prometheus_local.config import PrometheusConfig
from prometheus_local.errors import PrometheusToolError
from prometheus_local.server import LocalPrometheus
from tests.integration.conftest import wait_for

pytestmark = pytest.mark.integration


def jobs(server: LocalPrometheus) -> set[str]:
    targets = server.api("targets")["activeTargets"]
    return {t["labels"]["job"] for t in targets}


def test_start_reload_and_stop(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = PrometheusConfig(
        home=tmp_path,
        port=free_port(),
        targets={"worker": (f"127.0.0.1:{free_port()}",)},
        scrape_interval_s=1.0,
        evaluation_interval_s=1.0,
    )
    server = LocalPrometheus(config)
    try:
        assert server.start(timeout=60.0) == f"http://127.0.0.1:{config.port}"
        pid = server.running_pid()
        assert pid is not None
        wait_for(lambda: jobs(server) == {"worker"}, 30, "the scrape jobs")

        # Starting again with other targets reloads the running server (same pid).
        moved = dataclasses.replace(config, targets={"delivery": ("127.0.0.1:1",)})
        again = LocalPrometheus(moved)
        again.start(timeout=60.0)
        assert again.running_pid() == pid
        wait_for(lambda: jobs(server) == {"delivery"}, 30, "the reloaded scrape jobs")

        # The same home on another port is refused while it runs.
        elsewhere = LocalPrometheus(dataclasses.replace(config, port=free_port()))
        with pytest.raises(PrometheusToolError, match="already runs on port"):
            elsewhere.start(timeout=10.0)

        assert main(["status", "--home", str(tmp_path)]) == 0
        assert f"running: pid {pid}" in capsys.readouterr().out
    finally:
        stopped = server.stop()
    assert stopped is not None
    assert server.running_pid() is None
    assert not server.ready()
    assert main(["down", "--home", str(tmp_path)]) == 0
    assert "no Prometheus was running" in capsys.readouterr().out


def test_a_config_promtool_rejects_is_not_started(tmp_path: Path) -> None:
    broken = tmp_path / "rules.yml"
    broken.write_text("groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up ==\n")
    config = PrometheusConfig(home=tmp_path / "home", port=free_port(), rule_files=(broken,))
    server = LocalPrometheus(config)
    try:
        with pytest.raises(PrometheusToolError, match="promtool check config"):
            server.start(timeout=30.0)
        assert server.running_pid() is None
    finally:
        server.stop()
