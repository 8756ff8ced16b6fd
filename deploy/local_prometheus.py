"""Run a Prometheus server on 127.0.0.1 that scrapes a local Corridor pipeline.

The server is Debian's ``prometheus`` package, installed by this script without root and
without touching the system: the package manager's own client downloads the ``.deb``
(``apt-get download``, which checks the archive's signed Release file and the package's
hash), this script checks its SHA256 once more against the package index
(``apt-cache show``), unpacks it with ``dpkg-deb -x`` and keeps only what runs::

    .local/prometheus/dist/bin/prometheus   the server (a Go binary; it needs only libc)
    .local/prometheus/dist/bin/promtool     rule checks and rule unit tests
    .local/prometheus/dist/web/             the server's web assets
    .local/prometheus/dist/PACKAGE          package, version and SHA256 of the .deb used

If the package index is empty (a fresh machine), ``apt-get update`` is run first when this
process may (root); otherwise the error says to run it.

A running server keeps everything under one *home* directory::

    <home>/prometheus.yml    written on every start from the PrometheusConfig
    <home>/data/             the time-series database (retention: a few days)
    <home>/prometheus.log    the server's output
    <home>/prometheus.pid    pid of the running server (also its process-group id)

The generated configuration scrapes one job per pipeline component (``worker`` 9401,
``delivery`` 9402, ``webhooks`` 9403, ``receipts`` 9404, ``recalls`` 9405, ``audit`` 9406
by default) and loads the alerting rules of ``deploy/prometheus/rules.yml``.

Command line (``make monitor`` / ``make monitor-down``)::

    python deploy/local_prometheus.py up [--port 9090] [--target JOB=HOST:PORT ...]
    python deploy/local_prometheus.py status | down | install

Library use (tests)::

    server = LocalPrometheus(PrometheusConfig(home=tmp, port=free_port(),
                                              targets={"worker": ("127.0.0.1:9401",)}))
    url = server.start()
    server.query('up{job="worker"}')
    server.stop()

Only the standard library is used (and deploy/processes.py).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import fcntl
import hashlib
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from processes import cmdline, pid_alive, signal_group

__all__ = [
    "DEFAULT_HOME",
    "DEFAULT_INSTALL",
    "DEFAULT_TARGETS",
    "RULES_FILE",
    "RULES_TEST_FILE",
    "Installation",
    "LocalPrometheus",
    "PrometheusConfig",
    "PrometheusToolError",
    "ensure_prometheus",
    "main",
    "parse_package_stanza",
    "render_config",
]

PACKAGE = "prometheus"
"""Debian's package providing ``prometheus`` and ``promtool``."""

REPO_ROOT = Path(__file__).resolve().parent.parent
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
_POLL_INTERVAL = 0.2
_TAIL_LINES = 30

_log = logging.getLogger(__name__)


class PrometheusToolError(Exception):
    """Prometheus could not be installed, started, stopped or queried.

    The message is meant for humans: it says what is wrong and how to fix it.
    """


# --------------------------------------------------------------------------- installation


@dataclass(frozen=True)
class Installation:
    """An unpacked ``prometheus`` package."""

    root: Path
    """Directory holding ``bin/``, ``web/`` and the ``PACKAGE`` stamp."""

    @property
    def prometheus(self) -> Path:
        """The server binary."""
        return self.root / "bin" / "prometheus"

    @property
    def promtool(self) -> Path:
        """The rule and configuration checker."""
        return self.root / "bin" / "promtool"

    @property
    def web_assets(self) -> Path:
        """The server's ``--web.local-assets`` directory."""
        return self.root / "web"

    @property
    def stamp(self) -> Path:
        """Package, version and SHA256 of the .deb this was unpacked from."""
        return self.root / STAMP

    def complete(self) -> bool:
        """True if the stamp and both binaries are there."""
        return (
            self.stamp.is_file()
            and os.access(self.prometheus, os.X_OK)
            and os.access(self.promtool, os.X_OK)
        )

    def version(self) -> str:
        """The Debian version recorded in the stamp (empty if not installed)."""
        try:
            fields = dict(
                line.split(": ", 1) for line in self.stamp.read_text("utf-8").splitlines() if line
            )
        except (FileNotFoundError, ValueError):
            return ""
        return fields.get("Version", "")


@dataclass(frozen=True)
class PackageInfo:
    """What the package index says about the candidate ``.deb``."""

    version: str
    """Debian version, e.g. ``2.42.0+ds-5+deb12u1``."""
    sha256: str
    """Hex SHA256 of the ``.deb`` file."""
    size: int
    """Size of the ``.deb`` in bytes."""


def parse_package_stanza(text: str) -> PackageInfo | None:
    """Version, SHA256 and Size of the first stanza of ``apt-cache show`` output (or None)."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            if fields:
                break
            continue
        if line[0].isspace() or ":" not in line:
            continue
        key, _, value = line.partition(":")
        fields.setdefault(key.strip(), value.strip())
    try:
        return PackageInfo(fields["Version"], fields["SHA256"].lower(), int(fields["Size"]))
    except (KeyError, ValueError):
        return None


def _run(cmd: list[str], what: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=False, **kwargs)
    except FileNotFoundError as exc:
        raise PrometheusToolError(
            f"{cmd[0]} not found: {what} needs Debian's package tools (apt-get, dpkg-deb)"
        ) from exc


def _candidate() -> PackageInfo | None:
    shown = _run(["apt-cache", "show", "--no-all-versions", PACKAGE], "the package lookup")
    if shown.returncode != 0:
        return None
    return parse_package_stanza(shown.stdout)


def _package_info() -> PackageInfo:
    info = _candidate()
    if info is not None:
        return info
    if os.geteuid() != 0:
        raise PrometheusToolError(
            f"the package index knows no {PACKAGE!r} package: run `apt-get update` (as root) "
            "and try again"
        )
    _log.info("the package index knows no %r package: running apt-get update", PACKAGE)
    updated = _run(["apt-get", "update", "-q"], "apt-get update")
    info = _candidate()
    if info is None:
        raise PrometheusToolError(
            f"no {PACKAGE!r} package after apt-get update (exit {updated.returncode}): "
            f"{updated.stderr.strip()[-500:]}"
        )
    return info


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@contextlib.contextmanager
def _install_lock(directory: Path) -> Iterator[None]:
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / ".install.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def ensure_prometheus(install_dir: Path = DEFAULT_INSTALL) -> Installation:
    """The unpacked package in ``install_dir``, downloading and unpacking it if needed.

    Raises:
        PrometheusToolError: no package index entry, download failed, the .deb's SHA256 does
            not match the index, or it lacks the binaries.
    """
    installation = Installation(install_dir.resolve())
    if installation.complete():
        return installation
    with _install_lock(installation.root.parent):
        if installation.complete():  # another process finished it while we waited
            return installation
        _install(installation)
    return installation


def _install(installation: Installation) -> None:
    info = _package_info()
    _log.info("installing Debian's %s %s into %s", PACKAGE, info.version, installation.root)
    parent = installation.root.parent
    with tempfile.TemporaryDirectory(prefix=".prometheus-", dir=parent) as tmp:
        work = Path(tmp)
        work.chmod(0o755)  # apt's unprivileged downloader must be able to write here
        fetched = _run(
            ["apt-get", "download", "-q", f"{PACKAGE}={info.version}"], "the download", cwd=work
        )
        debs = sorted(work.glob(f"{PACKAGE}_*.deb"))
        if fetched.returncode != 0 or len(debs) != 1:
            raise PrometheusToolError(
                f"apt-get download {PACKAGE}={info.version} failed (exit {fetched.returncode}): "
                f"{fetched.stderr.strip()[-500:]}"
            )
        deb = debs[0]
        actual = _sha256(deb)
        if actual != info.sha256 or deb.stat().st_size != info.size:
            raise PrometheusToolError(
                f"{deb.name}: SHA256 {actual} ({deb.stat().st_size} bytes) does not match the "
                f"package index ({info.sha256}, {info.size} bytes); not installing it"
            )
        unpacked = work / "unpacked"
        extracted = _run(["dpkg-deb", "-x", str(deb), str(unpacked)], "unpacking")
        if extracted.returncode != 0:
            raise PrometheusToolError(f"dpkg-deb -x {deb.name} failed: {extracted.stderr.strip()}")
        staged = Installation(work / "dist")
        (staged.root / "bin").mkdir(parents=True)
        for name in ("prometheus", "promtool"):
            source = unpacked / "usr" / "bin" / name
            if not source.is_file():
                raise PrometheusToolError(f"{deb.name} has no usr/bin/{name}")
            shutil.copy2(source, staged.root / "bin" / name)
        web = unpacked / "usr" / "share" / "prometheus" / "web"
        if web.is_dir():
            shutil.copytree(web, staged.web_assets, symlinks=True)
        staged.stamp.write_text(
            f"Package: {PACKAGE}\nVersion: {info.version}\nSHA256: {actual}\n", "utf-8"
        )
        if installation.root.exists():
            shutil.rmtree(installation.root)
        staged.root.rename(installation.root)


# --------------------------------------------------------------------------- configuration


@dataclass(frozen=True)
class PrometheusConfig:
    """Where and how a local Prometheus runs and what it scrapes."""

    home: Path = DEFAULT_HOME
    """Directory holding prometheus.yml, the database, the log and the pid file."""
    port: int = 9090
    """HTTP port on 127.0.0.1 (web UI and API)."""
    targets: Mapping[str, Sequence[str]] = field(default_factory=lambda: dict(DEFAULT_TARGETS))
    """Scrape jobs: job name to ``host:port`` addresses serving ``/metrics``."""
    scrape_interval_s: float = 5.0
    """How often every target is scraped."""
    evaluation_interval_s: float = 15.0
    """How often the alerting rules are evaluated."""
    rule_files: tuple[Path, ...] = (RULES_FILE,)
    """Rule files loaded by the server."""
    retention: str = "3d"
    """How long samples are kept (``--storage.tsdb.retention.time``)."""
    install_dir: Path = DEFAULT_INSTALL
    """Where the package is unpacked (:func:`ensure_prometheus`)."""

    @property
    def url(self) -> str:
        """Base URL of the web UI and HTTP API."""
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def config_file(self) -> Path:
        """The generated prometheus.yml."""
        return self.home / CONFIG_FILE

    @property
    def data_dir(self) -> Path:
        """The time-series database."""
        return self.home / "data"

    @property
    def pid_file(self) -> Path:
        """Pid of the running server."""
        return self.home / PID_FILE

    @property
    def log_file(self) -> Path:
        """The server's stdout and stderr."""
        return self.home / LOG_FILE


def _duration(seconds: float) -> str:
    """A Prometheus duration (whole milliseconds)."""
    millis = round(seconds * 1000)
    if millis <= 0:
        raise PrometheusToolError(f"durations must be positive, not {seconds}s")
    return f"{millis // 1000}s" if millis % 1000 == 0 else f"{millis}ms"


def render_config(config: PrometheusConfig) -> str:
    """The prometheus.yml for ``config`` (YAML; strings are JSON-quoted, which YAML accepts)."""
    q = json.dumps
    lines = [
        "# Generated by deploy/local_prometheus.py: edits are overwritten on the next start.",
        "global:",
        f"  scrape_interval: {_duration(config.scrape_interval_s)}",
        f"  scrape_timeout: {_duration(min(config.scrape_interval_s, 10.0))}",
        f"  evaluation_interval: {_duration(config.evaluation_interval_s)}",
        "  external_labels:",
        f"    monitor: {q('corridor-local')}",
        "rule_files:",
        *(f"  - {q(str(Path(path).resolve()))}" for path in config.rule_files),
        "scrape_configs:",
    ]
    for job, addresses in config.targets.items():
        if not job or not addresses:
            raise PrometheusToolError(f"scrape job {job!r} needs a name and at least one target")
        lines += [
            f"  - job_name: {q(job)}",
            "    static_configs:",
            "      - targets:",
            *(f"          - {q(address)}" for address in addresses),
        ]
    return "\n".join(lines) + "\n"


def parse_targets(specs: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """``JOB=HOST:PORT[,HOST:PORT]`` specs as scrape jobs (a job may be given twice)."""
    jobs: dict[str, list[str]] = {}
    for spec in specs:
        job, sep, addresses = spec.partition("=")
        targets = [a.strip() for a in addresses.split(",") if a.strip()]
        if not sep or not job.strip() or not targets:
            raise PrometheusToolError(f"--target {spec!r}: expected JOB=HOST:PORT[,HOST:PORT]")
        for address in targets:
            host, colon, port = address.rpartition(":")
            if not colon or not host or not port.isdigit():
                raise PrometheusToolError(f"--target {spec!r}: {address!r} is not HOST:PORT")
        jobs.setdefault(job.strip(), []).extend(targets)
    return {job: tuple(targets) for job, targets in jobs.items()}


# --------------------------------------------------------------------------- server


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


# --------------------------------------------------------------------------- CLI


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="local_prometheus.py",
        description="Run a local Prometheus (Debian's package) scraping a Corridor pipeline.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def add_home(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--home",
            type=Path,
            default=DEFAULT_HOME,
            help="config, data, log, pid file; default: %(default)s",
        )

    up = sub.add_parser("up", help="start (or reload) the server and print its URL")
    add_home(up)
    up.add_argument("--port", type=int, default=9090, help="HTTP port (default %(default)s)")
    up.add_argument(
        "--target",
        action="append",
        default=[],
        metavar="JOB=HOST:PORT",
        help="scrape job (repeatable); default: "
        + ", ".join(f"{job}={','.join(t)}" for job, t in DEFAULT_TARGETS.items()),
    )
    up.add_argument(
        "--scrape-interval", type=float, default=5.0, help="seconds (default %(default)s)"
    )
    up.add_argument(
        "--evaluation-interval", type=float, default=15.0, help="seconds (default %(default)s)"
    )
    up.add_argument(
        "--timeout", type=float, default=60.0, help="seconds to wait for readiness (default 60)"
    )

    down = sub.add_parser("down", help="stop the server of --home")
    add_home(down)
    status = sub.add_parser("status", help="say whether the server of --home is running")
    add_home(status)
    sub.add_parser("install", help="install the package (if needed) and print the binaries")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python deploy/local_prometheus.py``; returns the process exit code."""
    args = _build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="local_prometheus: %(message)s")
    try:
        if args.command == "install":
            installation = ensure_prometheus()
            print(f"{PACKAGE} {installation.version()}")
            print(installation.prometheus)
            print(installation.promtool)
            return 0
        if args.command == "up":
            targets = parse_targets(args.target) if args.target else dict(DEFAULT_TARGETS)
            config = PrometheusConfig(
                home=args.home,
                port=args.port,
                targets=targets,
                scrape_interval_s=args.scrape_interval,
                evaluation_interval_s=args.evaluation_interval,
            )
            server = LocalPrometheus(config)
            print(server.start(timeout=args.timeout))
            jobs = ", ".join(f"{job} ({','.join(t)})" for job, t in targets.items())
            print(f"scraping {jobs}; alert rules: {RULES_FILE}", file=sys.stderr)
            print(
                f"targets: {server.url}/classic/targets, alerts: {server.url}/classic/alerts, "
                f"API: {server.url}/api/v1/query?query=up",
                file=sys.stderr,
            )
            return 0
        server = LocalPrometheus(PrometheusConfig(home=args.home))
        if args.command == "down":
            pid = server.stop()
            print(f"stopped Prometheus pid {pid}" if pid else "no Prometheus was running")
            return 0
        pid = server.running_pid()
        if pid is None:
            print(f"not running ({server.config.home})")
        else:
            port = server._running_port(pid)
            print(f"running: pid {pid}, http://{LOOPBACK}:{port} ({server.config.home})")
        return 0
    except PrometheusToolError as exc:
        print(f"local_prometheus: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
