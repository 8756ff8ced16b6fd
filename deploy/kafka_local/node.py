"""One local KRaft Kafka node: a detached JVM process, its storage, start, readiness and stop.

A node runs in combined mode (``process.roles=broker,controller``) on ``127.0.0.1``, a cluster
of its own by default; ``kafka_local.cluster.LocalKafkaCluster`` joins N of them into one.

Library use (tests)::

    kafka = LocalKafka(BrokerConfig(home=tmp, port=free_port(), controller_port=free_port()))
    bootstrap = kafka.start()
    ...
    kafka.stop()
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import signal
import subprocess
import time
from pathlib import Path

from kafka_local.config import LOOPBACK, BrokerConfig
from kafka_local.diagnostics import error_lines, tail
from kafka_local.distribution import ensure_libs, require_java
from kafka_local.errors import KafkaToolError
from kafka_local.jvm import format_storage, jvm_command, write_server_properties
from kafka_local.properties import server_properties
from kafka_local.readiness import bootstrap_answers
from kafka_local.secured import ensure_users
from local_security import ensure_broker_tls
from processes import cmdline as _cmdline
from processes import pid_alive as _pid_alive
from processes import signal_group

__all__ = ["LocalKafka"]

MAIN_CLASS = "kafka.Kafka"

_POLL_INTERVAL = 0.25

_log = logging.getLogger(__name__)


class LocalKafka:
    """One KRaft Kafka node (broker+controller) running as a detached local JVM process.

    Alone it is a single-node cluster; kafka_local.cluster.LocalKafkaCluster runs several.
    """

    def __init__(self, config: BrokerConfig | None = None) -> None:
        config = config if config is not None else BrokerConfig()
        # The JVM runs with cwd=home and the pid check matches the command line, so every path
        # must be absolute and canonical.
        self.config = dataclasses.replace(
            config, home=Path(config.home).resolve(), libs=Path(config.libs).resolve()
        )
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        """Client bootstrap address, ``127.0.0.1:<port>``."""
        return self.config.bootstrap

    # ----------------------------------------------------------------- state

    def _read_pid(self) -> int | None:
        try:
            text = self.config.pid_file.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        try:
            return int(text.split()[0])
        except (ValueError, IndexError):
            return None

    def _is_our_broker(self, pid: int) -> bool:
        """True if ``pid`` is alive and is the kafka.Kafka JVM of this home."""
        if not self._alive(pid):
            return False
        if self._process is not None and self._process.pid == pid:
            return True  # our own child, maybe not exec'd yet (command line still ours)
        cmdline = _cmdline(pid)
        if cmdline is None:  # no procfs: fall back to liveness only
            return True
        return MAIN_CLASS in cmdline and str(self.config.properties_file) in cmdline

    def running_pid(self) -> int | None:
        """Pid of this home's running broker, or None (stale pid files are removed)."""
        pid = self._read_pid()
        if pid is None:
            return None
        if self._is_our_broker(pid):
            return pid
        with contextlib.suppress(FileNotFoundError):
            self.config.pid_file.unlink()
        return None

    def is_running(self) -> bool:
        """True if the pid file names a live broker process for this home."""
        return self.running_pid() is not None

    def _running_port(self) -> int | None:
        """PLAINTEXT port recorded in the server.properties the broker was started with."""
        try:
            lines = self.config.properties_file.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return None
        for line in lines:
            key, sep, value = line.partition("=")
            if sep and key.strip() == "advertised.listeners":
                first = value.strip().split(",", 1)[0]
                with contextlib.suppress(ValueError):
                    return int(first.rsplit(":", 1)[-1])
        return None

    # ----------------------------------------------------------------- config

    def server_properties(self) -> dict[str, str]:
        """The server.properties entries for this broker (single-node combined KRaft)."""
        return server_properties(self.config)

    # ----------------------------------------------------------------- readiness

    def _failure(self, what: str) -> KafkaToolError:
        cfg = self.config
        parts = [what]
        errors = error_lines(cfg.server_log)
        if errors:
            parts += [f"--- first ERROR/FATAL lines of {cfg.server_log} ---", *errors]
        parts += [f"--- last lines of {cfg.server_log} ---", tail(cfg.server_log, 25)]
        console = tail(cfg.console_log, 15)
        if not console.startswith("("):
            parts += [f"--- last lines of {cfg.console_log} ---", console]
        return KafkaToolError("\n".join(parts))

    def _alive(self, pid: int) -> bool:
        """Liveness of ``pid``; uses our Popen handle when we started it (keeps its exit code)."""
        if self._process is not None and self._process.pid == pid:
            return self._process.poll() is None
        return _pid_alive(pid)

    def _wait_ready(self, pid: int, deadline: float) -> None:
        while True:
            if not self._alive(pid):
                code = self._process.poll() if self._process is not None else None
                with contextlib.suppress(FileNotFoundError):
                    self.config.pid_file.unlink()
                status = f" with exit code {code}" if code is not None else ""
                raise self._failure(
                    f"the Kafka broker (pid {pid}) exited during startup{status}; "
                    f"see {self.config.server_log}."
                )
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise self._failure(
                    f"the Kafka broker (pid {pid}) did not answer on {self.bootstrap} in time; "
                    f"it was left running (stop it with `local_kafka.py down --home "
                    f"{self.config.home}`); see {self.config.server_log}."
                )
            if bootstrap_answers(self.config, min(remaining, 5.0)):
                return
            time.sleep(min(_POLL_INTERVAL, max(deadline - time.monotonic(), 0)))

    # ----------------------------------------------------------------- lifecycle

    def start(self, timeout: float = 90.0, *, wait: bool = True) -> str:
        """Start the broker (or reuse a running one) and return its bootstrap address.

        With ``wait=False`` it returns once the JVM is launched: a node of a multi-node
        cluster cannot answer before a quorum of its controllers runs, so the cluster
        launches every node first and then waits (:meth:`wait_ready`).

        Idempotent: if this home's pid file names a live broker on the configured port, it is
        reused once it answers. Otherwise jars are resolved (once), server.properties is
        written, storage is formatted (once) and a detached JVM is started, then this polls
        until a Kafka client can talk to it.

        Raises:
            KafkaToolError: java/mvn missing, resolution or formatting failed, the broker
                exited during startup, or it did not answer within ``timeout`` seconds.
        """
        cfg = self.config
        deadline = time.monotonic() + timeout
        pid = self.running_pid()
        if pid is not None:
            running_port = self._running_port()
            if running_port is not None and running_port != cfg.port:
                raise KafkaToolError(
                    f"a Kafka broker (pid {pid}) from {cfg.home} is already running on "
                    f"{LOOPBACK}:{running_port}, not port {cfg.port}; run "
                    f"`local_kafka.py down --home {cfg.home}` first or use that port."
                )
            if wait:
                self._wait_ready(pid, deadline)
                ensure_users(self.config, self.bootstrap)
            return self.bootstrap

        java = require_java()
        ensure_libs(cfg.libs)
        for directory in (cfg.home, cfg.data_dir, cfg.logs_dir):
            directory.mkdir(parents=True, exist_ok=True)
        if cfg.secured:
            ensure_broker_tls(cfg.security)
        write_server_properties(cfg)
        format_storage(java, cfg)

        cmd = [*jvm_command(java, cfg), MAIN_CLASS, str(cfg.properties_file)]
        with cfg.console_log.open("ab") as console:
            console.write(f"\n==== {time.strftime('%Y-%m-%d %H:%M:%S')} starting\n".encode())
            console.flush()
            try:
                process = subprocess.Popen(
                    cmd,
                    cwd=cfg.home,
                    stdin=subprocess.DEVNULL,
                    stdout=console,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            except OSError as exc:
                raise KafkaToolError(f"could not start the Kafka JVM ({java}): {exc}") from exc
        self._process = process
        cfg.pid_file.write_text(f"{process.pid}\n", encoding="utf-8")
        if wait:
            self._wait_ready(process.pid, deadline)
            ensure_users(self.config, self.bootstrap)
        return self.bootstrap

    def wait_ready(self, timeout: float = 90.0) -> None:
        """Wait until the running broker answers a Kafka client on its own port.

        Raises:
            KafkaToolError: it is not running, exited meanwhile, or did not answer in time.
        """
        # A JVM we just launched may not have exec'd yet (its command line is still ours),
        # so our own child is trusted by its handle, as start() does.
        own = self._process
        pid = own.pid if own is not None and own.poll() is None else self.running_pid()
        if pid is None:
            raise self._failure(f"the Kafka broker of {self.config.home} is not running")
        self._wait_ready(pid, time.monotonic() + timeout)
        ensure_users(self.config, self.bootstrap)

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the broker named by this home's pid file (a no-op if none is running).

        Sends SIGTERM to the broker's process group (a clean, controlled shutdown), waits up to
        ``timeout`` seconds, then SIGKILLs it. Only the process from the pid file is touched.
        """
        pid = self.running_pid()
        if pid is None:
            self._release()
            return
        self._signal(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while self._alive(pid) and time.monotonic() < deadline:
            time.sleep(_POLL_INTERVAL)
        if self._alive(pid):
            _log.warning("Kafka broker pid %d ignored SIGTERM for %.0fs; killing it", pid, timeout)
            self._signal(pid, signal.SIGKILL)
            kill_deadline = time.monotonic() + 10.0
            while self._alive(pid) and time.monotonic() < kill_deadline:
                time.sleep(_POLL_INTERVAL)
        self._release()
        with contextlib.suppress(FileNotFoundError):
            self.config.pid_file.unlink()

    def _release(self) -> None:
        """Reap our own child process object, if we started one."""
        if self._process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._process.wait(timeout=5.0)
            self._process = None

    @staticmethod
    def _signal(pid: int, sig: signal.Signals) -> None:
        """Signal the broker's process group (it leads its own session), else the pid alone."""
        signal_group(pid, sig)
