"""A Prometheus server running as a detached local process: start, reload, query, stop."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import signal
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from processes import cmdline, pid_alive, signal_group
from prometheus_local.config import PrometheusConfig, render_config
from prometheus_local.errors import PrometheusToolError
from prometheus_local.installation import Installation, _run, ensure_prometheus
from prometheus_local.layout import (
    CONFIG_FILE,
    LOOPBACK,
)

_POLL_INTERVAL = 0.2
_TAIL_LINES = 30

_log = logging.getLogger(__name__)


class LocalPrometheus:
    """A Prometheus server running as a detached local process."""

    def __init__(self, config: PrometheusConfig | None = None) -> None:
        config = config if config is not None else PrometheusConfig()
        self.config = dataclasses.replace(
            config, home=Path(config.home).resolve(), install_dir=Path(config.install_dir).resolve()
        )
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Base URL of the web UI and HTTP API."""
        return self.config.url

    # ----------------------------------------------------------------- state

    def running_pid(self) -> int | None:
        """Pid of this home's running server, or None (a stale pid file is removed)."""
        try:
            pid = int(self.config.pid_file.read_text("utf-8").split()[0])
        except (FileNotFoundError, ValueError, IndexError):
            return None
        if self._alive(pid):
            arguments = cmdline(pid)
            if arguments is None or f"--config.file={self.config.config_file}" in arguments:
                return pid
        with contextlib.suppress(FileNotFoundError):
            self.config.pid_file.unlink()
        return None

    def _alive(self, pid: int) -> bool:
        if self._process is not None and self._process.pid == pid:
            return self._process.poll() is None
        return pid_alive(pid)

    def _running_port(self, pid: int) -> int | None:
        for argument in cmdline(pid) or []:
            if argument.startswith("--web.listen-address="):
                return int(argument.rpartition(":")[2])
        return None

    def ready(self) -> bool:
        """True if the server answers ``/-/ready``."""
        try:
            # Always http://127.0.0.1:<port>, built from the config.
            with urllib.request.urlopen(f"{self.url}/-/ready", timeout=2) as response:  # noqa: S310
                return bool(response.status == 200)
        except urllib.error.HTTPError as exc:
            exc.close()  # a 503 while starting: the error holds the response's connection
            return False
        except (urllib.error.URLError, OSError):
            return False

    # ----------------------------------------------------------------- lifecycle

    def command(self, installation: Installation) -> list[str]:
        """The server's command line."""
        cfg = self.config
        return [
            str(installation.prometheus),
            f"--config.file={cfg.config_file}",
            f"--storage.tsdb.path={cfg.data_dir}",
            f"--storage.tsdb.retention.time={cfg.retention}",
            f"--web.listen-address={LOOPBACK}:{cfg.port}",
            f"--web.local-assets={installation.web_assets}",
            f"--web.console.templates={installation.web_assets / 'consoles'}",
            f"--web.console.libraries={installation.web_assets / 'console_libraries'}",
            "--web.enable-lifecycle",
        ]

    def check_config(self, installation: Installation, path: Path) -> None:
        """``promtool check config`` on a generated file (rule files included)."""
        checked = _run([str(installation.promtool), "check", "config", str(path)], "promtool")
        if checked.returncode != 0:
            raise PrometheusToolError(
                f"promtool check config {path} failed:\n{(checked.stdout + checked.stderr).strip()}"
            )

    def start(self, timeout: float = 60.0) -> str:
        """Start the server (or reload a running one with the new config); return its URL.

        Raises:
            PrometheusToolError: installation failed, the configuration does not check, another
                server of this home listens on another port, the server exited during startup
                or did not become ready within ``timeout`` seconds.
        """
        cfg = self.config
        deadline = time.monotonic() + timeout
        installation = ensure_prometheus(cfg.install_dir)
        pid = self.running_pid()
        if pid is not None:
            port = self._running_port(pid)
            if port is not None and port != cfg.port:
                raise PrometheusToolError(
                    f"a Prometheus (pid {pid}) from {cfg.home} already runs on port {port}, not "
                    f"{cfg.port}: stop it first (`local_prometheus.py down`) or use that port"
                )
        # The running server keeps its file until the new one has passed promtool.
        cfg.home.mkdir(parents=True, exist_ok=True)
        staged = cfg.config_file.with_name(f"{CONFIG_FILE}.new")
        staged.write_text(render_config(cfg), "utf-8")
        self.check_config(installation, staged)
        staged.replace(cfg.config_file)
        if pid is not None:
            os.kill(pid, signal.SIGHUP)  # reload prometheus.yml and the rule files
            self._wait_ready(pid, deadline)
            return self.url
        cfg.data_dir.mkdir(parents=True, exist_ok=True)
        with cfg.log_file.open("ab") as log:
            log.write(f"\n==== {time.strftime('%Y-%m-%d %H:%M:%S')} starting\n".encode())
            log.flush()
            try:
                process = subprocess.Popen(
                    self.command(installation),
                    cwd=cfg.home,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            except OSError as exc:
                raise PrometheusToolError(
                    f"could not start {installation.prometheus}: {exc}"
                ) from exc
        self._process = process
        cfg.pid_file.write_text(f"{process.pid}\n", "utf-8")
        self._wait_ready(process.pid, deadline)
        return self.url

    def _wait_ready(self, pid: int, deadline: float) -> None:
        while not self.ready():
            if not self._alive(pid):
                with contextlib.suppress(FileNotFoundError):
                    self.config.pid_file.unlink()
                raise PrometheusToolError(
                    f"Prometheus (pid {pid}) exited during startup:\n{self._log_tail()}"
                )
            if time.monotonic() > deadline:
                raise PrometheusToolError(
                    f"Prometheus (pid {pid}) was not ready on {self.url} in time; it was left "
                    f"running (stop it with `local_prometheus.py down --home {self.config.home}`)"
                    f":\n{self._log_tail()}"
                )
            time.sleep(_POLL_INTERVAL)

    def _log_tail(self) -> str:
        try:
            lines = self.config.log_file.read_text("utf-8", "replace").splitlines()
        except FileNotFoundError:
            return "(no log)"
        return "\n".join(lines[-_TAIL_LINES:])

    def stop(self, timeout: float = 20.0) -> int | None:
        """Stop this home's server (SIGTERM, then SIGKILL); returns its pid, or None if none ran."""
        pid = self.running_pid()
        if pid is None:
            self._reap()
            return None
        signal_group(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while self._alive(pid) and time.monotonic() < deadline:
            time.sleep(_POLL_INTERVAL)
        if self._alive(pid):
            _log.warning("Prometheus pid %d ignored SIGTERM for %.0fs; killing it", pid, timeout)
            signal_group(pid, signal.SIGKILL)
        self._reap()
        with contextlib.suppress(FileNotFoundError):
            self.config.pid_file.unlink()
        return pid

    def _reap(self) -> None:
        if self._process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._process.wait(timeout=10.0)
            self._process = None

    # ----------------------------------------------------------------- HTTP API

    def api(self, path: str, **params: str) -> Any:
        """The ``data`` of a successful ``/api/v1/<path>`` answer."""
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        url = f"{self.url}/api/v1/{path}{query}"
        try:
            with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (loopback)
                body = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            with exc:  # the error holds the response's connection
                detail = exc.read().decode("utf-8", "replace")
            raise PrometheusToolError(f"{url}: HTTP {exc.code}: {detail}") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise PrometheusToolError(f"{url}: {exc}") from exc
        if body.get("status") != "success":
            raise PrometheusToolError(f"{url}: {body.get('error', body)}")
        return body["data"]

    def query(self, expr: str) -> list[dict[str, Any]]:
        """The instant vector of ``expr`` now: ``[{"metric": {...}, "value": [t, "v"]}, ...]``."""
        data = self.api("query", query=expr)
        if data.get("resultType") != "vector":
            raise PrometheusToolError(f"{expr!r} is a {data.get('resultType')}, not a vector")
        result: list[dict[str, Any]] = data["result"]
        return result

    def alerts(self) -> list[dict[str, Any]]:
        """Pending and firing alerts."""
        alerts: list[dict[str, Any]] = self.api("alerts")["alerts"]
        return alerts

    def rule_groups(self) -> list[dict[str, Any]]:
        """Loaded rule groups with each rule's health and last error."""
        groups: list[dict[str, Any]] = self.api("rules")["groups"]
        return groups
