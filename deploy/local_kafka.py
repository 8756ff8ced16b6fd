"""Run Apache Kafka as local KRaft brokers for development and tests.

A broker is a plain JVM process on ``127.0.0.1`` (no Docker): its jars are resolved from
Maven Central by ``deploy/kafka-broker/pom.xml`` into a libs directory, and it runs in combined
mode (``process.roles=broker,controller``). :class:`LocalKafka` is one such node, a cluster of
its own by default; ``local_kafka_cluster.LocalKafkaCluster`` joins N of them into one cluster
(``up --brokers 3``, ``make kafka-up BROKERS=3``) with per-node fault controls.

Everything a broker needs lives under one *home* directory::

    <home>/server.properties   written on every start from the BrokerConfig
    <home>/data/               log.dirs (formatted once with kafka.tools.StorageTool)
    <home>/logs/server.log     Log4j 2 output (see deploy/kafka-broker/log4j2.yaml)
    <home>/kafka.out           the JVM's stdout/stderr
    <home>/kafka.pid           pid of the running broker (also its process-group id)

Command line (``make kafka-up`` / ``make kafka-down``)::

    python deploy/local_kafka.py up [--home DIR] [--port 9092] [--controller-port 9093]
    python deploy/local_kafka.py up --brokers 3     # nodes on 9092/9093, 9094/9095, 9096/9097
    python deploy/local_kafka.py up --secured [--taskforce FILE] [--users A,B]
    python deploy/local_kafka.py status [--home DIR]
    python deploy/local_kafka.py down [--home DIR]

Library use (tests)::

    kafka = LocalKafka(BrokerConfig(home=tmp, port=free_port(), controller_port=free_port()))
    bootstrap = kafka.start()
    ...
    kafka.stop()

Secured mode (``BrokerConfig(secured=True)``, ``up --secured``, ``make kafka-up SECURED=1``)
runs the broker as the task force would, with Kafka's own authorizer::

    CLIENT      SASL_SSL, SCRAM-SHA-512   on --port (default 9192): agencies, hub, admin
    MTLS        SSL, client certificate   on --mtls-port (9194): agencies with certificates;
                                          also the inter-broker listener
    CONTROLLER  SSL, client certificate   on --controller-port (9193): KRaft controller

``authorizer.class.name`` is KRaft's StandardAuthorizer with
``allow.everyone.if.no.acl.found=false``: a principal may do only what an ACL allows
(``corridor acl apply`` writes them). ``super.users`` holds exactly ``User:admin`` (SCRAM, for
topics and ACLs) and ``User:corridor-broker``, the broker's own certificate, which it presents on
the controller and inter-broker connections. No listener accepts unauthenticated clients, so
there is no ``User:ANONYMOUS`` that would have to be a super user: that is why the controller
listener uses mutual TLS rather than PLAINTEXT (SCRAM cannot authenticate controller
connections: its credentials live in the metadata log the controller serves). Certificates map
``CN=<name>`` to ``User:<name>``. Passwords, keys and per-user client security files are in
``<home>/security`` (see local_security.py), mode 0600; the admin is created when the storage is
formatted (salted, so no password appears on a command line), the other users (``users``, or
the hub and members of ``--taskforce``) through the admin API at every start.

Only the standard library, kafka-python and cryptography are used.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import dataclasses
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kafka.admin import KafkaAdminClient, UserScramCredentialUpsertion

from local_security import (
    BROKER_PRINCIPAL_NAME,
    SCRAM_ITERATIONS,
    SCRAM_MECHANISM,
    SecurityFiles,
    ensure_broker_tls,
    ensure_user,
    scram_format_argument,
)
from processes import cmdline as _cmdline
from processes import pid_alive as _pid_alive
from processes import signal_group

__all__ = [
    "DEFAULT_HOME",
    "DEFAULT_LIBS",
    "KAFKA_VERSION",
    "BrokerConfig",
    "KafkaToolError",
    "LocalKafka",
    "ensure_libs",
    "free_port",
    "generate_cluster_id",
    "main",
]

KAFKA_VERSION = "4.2.0"
"""Kafka release resolved by deploy/kafka-broker/pom.xml (keep both in sync)."""

REPO_ROOT = Path(__file__).resolve().parent.parent
DEPLOY_KAFKA_DIR = REPO_ROOT / "deploy" / "kafka-broker"
POM_FILE = DEPLOY_KAFKA_DIR / "pom.xml"
LOG4J2_CONFIG = DEPLOY_KAFKA_DIR / "log4j2.yaml"
DEFAULT_HOME = REPO_ROOT / ".local" / "kafka" / "run"
DEFAULT_LIBS = REPO_ROOT / ".local" / "kafka" / "libs"
DEFAULT_SECURED_HOME = REPO_ROOT / ".local" / "kafka" / "secured"
SECURED_PORTS = (9192, 9193, 9194)
"""Default client, controller and mutual-TLS ports of the secured broker."""
ADMIN_USER = "admin"
"""The super user of the secured broker (SCRAM)."""

LIBS_STAMP = ".kafka-version"
PID_FILE = "kafka.pid"
CONSOLE_FILE = "kafka.out"
SERVER_PROPERTIES = "server.properties"
MAIN_CLASS = "kafka.Kafka"
STORAGE_TOOL_CLASS = "kafka.tools.StorageTool"
NODE_ID = 1
LOOPBACK = "127.0.0.1"

_TAIL_LINES = 40
_POLL_INTERVAL = 0.25

_log = logging.getLogger(__name__)


class KafkaToolError(Exception):
    """A local broker could not be provisioned, started or stopped.

    The message is meant for humans: it says what is wrong and how to fix it.
    """


@dataclass(frozen=True)
class BrokerConfig:
    """Where and how a local broker runs.

    Attributes:
        home: Directory holding server.properties, data, logs and the pid file.
        port: PLAINTEXT (client) listener port on 127.0.0.1.
        controller_port: KRaft CONTROLLER listener port on 127.0.0.1.
        libs: Directory with the broker jars (filled by :func:`ensure_libs`).
        heap: JVM maximum heap (``-Xmx``), e.g. ``"512m"``.
        num_partitions: Default partition count for new topics.
        extra_properties: Additional server.properties entries; they override the defaults.
        secured: SASL_SSL/mutual-TLS listeners and the StandardAuthorizer (module docstring).
        mtls_port: Mutual-TLS listener port (secured mode only).
        users: SCRAM users (with client certificates) besides the admin (secured mode only).
        node_id: KRaft ``node.id`` of this broker.
        voters: ``(node id, controller port)`` of every node of a multi-node cluster (all on
            127.0.0.1); empty for a single node, whose quorum is itself.
        cluster_id: The cluster id its storage is formatted with (every node of a cluster
            shares one); None: a fresh random one.
    """

    home: Path = DEFAULT_HOME
    port: int = 9092
    controller_port: int = 9093
    libs: Path = DEFAULT_LIBS
    heap: str = "512m"
    num_partitions: int = 3
    extra_properties: dict[str, str] = field(default_factory=dict)
    secured: bool = False
    mtls_port: int = 9094
    users: tuple[str, ...] = ()
    node_id: int = NODE_ID
    voters: tuple[tuple[int, int], ...] = ()
    cluster_id: str | None = None

    @property
    def quorum(self) -> tuple[tuple[int, int], ...]:
        """``(node id, controller port)`` of every KRaft voter; this node alone by default."""
        return self.voters or ((self.node_id, self.controller_port),)

    @property
    def cluster_size(self) -> int:
        """Number of nodes (combined broker+controller) in this broker's cluster."""
        return len(self.quorum)

    @classmethod
    def on_free_ports(
        cls, home: Path, *, secured: bool = False, users: Sequence[str] = ()
    ) -> BrokerConfig:
        """A config in ``home`` with client, controller (and mutual-TLS) ports free right now."""
        ports: list[int] = []
        while len(ports) < 3:
            port = free_port()
            if port not in ports:
                ports.append(port)
        return cls(
            home=home,
            port=ports[0],
            controller_port=ports[1],
            mtls_port=ports[2],
            secured=secured,
            users=tuple(users),
        )

    @property
    def security(self) -> SecurityFiles:
        """TLS material and credentials of the secured broker."""
        return SecurityFiles(self.home / "security")

    def admin_client_config(self) -> dict[str, Any]:
        """kafka-python settings that authenticate as the admin (empty when not secured)."""
        if not self.secured:
            return {}
        return {
            "security_protocol": "SASL_SSL",
            "ssl_cafile": str(self.security.ca_cert),
            "ssl_check_hostname": True,
            "sasl_mechanism": SCRAM_MECHANISM,
            "sasl_plain_username": ADMIN_USER,
            "sasl_plain_password": self.security.password(ADMIN_USER).read_text("utf-8").strip(),
        }

    @property
    def bootstrap(self) -> str:
        """Client bootstrap address, ``127.0.0.1:<port>``."""
        return f"{LOOPBACK}:{self.port}"

    @property
    def data_dir(self) -> Path:
        """The broker's ``log.dirs`` (also holds the KRaft metadata log)."""
        return self.home / "data"

    @property
    def logs_dir(self) -> Path:
        """Directory of the Log4j output (``server.log``)."""
        return self.home / "logs"

    @property
    def server_log(self) -> Path:
        """The broker's main log file."""
        return self.logs_dir / "server.log"

    @property
    def console_log(self) -> Path:
        """File receiving the JVM's stdout and stderr."""
        return self.home / CONSOLE_FILE

    @property
    def pid_file(self) -> Path:
        """File holding the pid of the running broker."""
        return self.home / PID_FILE

    @property
    def properties_file(self) -> Path:
        """The generated ``server.properties``."""
        return self.home / SERVER_PROPERTIES


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now (bind to port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


# --------------------------------------------------------------------------- tools


_JAVA_REQUIRED = (
    "Java 17+ is required to run the local Kafka broker: install a JDK "
    "(e.g. apt-get install openjdk-17-jre-headless) or put `java` on PATH / set JAVA_HOME."
)


def _java_major(java: str) -> int | None:
    """Major version of ``java`` from ``java -version`` (``"1.8.0_x"`` -> 8), None if unknown."""
    try:
        result = subprocess.run(
            [java, "-version"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r'version "(\d+)(?:\.(\d+))?', result.stderr + result.stdout)
    if match is None:
        return None
    major = int(match.group(1))
    if major == 1 and match.group(2) is not None:
        major = int(match.group(2))
    return major


def _require_java() -> str:
    java: str | None = None
    java_home = os.environ.get("JAVA_HOME")
    if java_home:
        candidate = Path(java_home) / "bin" / "java"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            java = str(candidate)
    if java is None:
        java = shutil.which("java")
    if java is None:
        raise KafkaToolError(_JAVA_REQUIRED)
    major = _java_major(java)
    if major is not None and major < 17:
        raise KafkaToolError(f"{_JAVA_REQUIRED} Found Java {major} at {java}.")
    return java


def _require_mvn() -> str:
    mvn = shutil.which("mvn")
    if mvn is None:
        raise KafkaToolError(
            "Maven is required to download the Kafka broker jars: install it "
            "(e.g. apt-get install maven) and make sure `mvn` is on PATH, "
            f"or fill the libs directory yourself and add a {LIBS_STAMP} file containing "
            f"{KAFKA_VERSION!r}."
        )
    return mvn


def _tail(path: Path, lines: int = _TAIL_LINES) -> str:
    """Return the last ``lines`` lines of a text file, or a note if it is missing/empty."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return f"({path} does not exist)"
    except OSError as exc:
        return f"({path} could not be read: {exc})"
    if not text.strip():
        return f"({path} is empty)"
    return "\n".join(text.splitlines()[-lines:])


def _error_lines(path: Path, limit: int = 8) -> list[str]:
    """The first ``limit`` ERROR/FATAL lines of a Kafka log file (the usual root causes)."""
    found: list[str] = []
    try:
        with path.open(encoding="utf-8", errors="replace") as lines:
            for line in lines:
                if "] ERROR " in line or "] FATAL " in line:
                    found.append(line.rstrip())
                    if len(found) >= limit:
                        break
    except OSError:
        return []
    return found


def _tail_text(text: str, lines: int = _TAIL_LINES) -> str:
    """Last ``lines`` lines of captured output, without ANSI colour codes (Maven 3.8 emits some)."""
    stripped = re.sub(r"\x1b\[[0-9;]*m", "", text).strip()
    return "\n".join(stripped.splitlines()[-lines:]) if stripped else "(no output)"


def ensure_libs(libs_dir: Path = DEFAULT_LIBS) -> None:
    """Make sure ``libs_dir`` holds the Kafka broker jars, resolving them with Maven if needed.

    A stamp file (``.kafka-version``) records the resolved Kafka version, so once the jars are
    there this returns immediately without starting Maven.

    Raises:
        KafkaToolError: Maven is missing or the resolution failed (message has mvn's output).
    """
    libs_dir = Path(libs_dir).resolve()
    stamp = libs_dir / LIBS_STAMP
    try:
        if stamp.read_text(encoding="utf-8").strip() == KAFKA_VERSION:
            return
    except FileNotFoundError:
        pass
    mvn = _require_mvn()
    libs_dir.mkdir(parents=True, exist_ok=True)
    # A previous Kafka version's jars must not linger on the classpath.
    for old in libs_dir.glob("*.jar"):
        old.unlink()
    cmd = [
        mvn,
        "-B",
        "-q",
        "-Dstyle.color=never",
        "-f",
        str(POM_FILE),
        f"-Dkafka.libs.dir={libs_dir}",
        "package",
    ]
    _log.info("resolving Kafka %s jars into %s", KAFKA_VERSION, libs_dir)
    try:
        result = subprocess.run(
            cmd,
            cwd=DEPLOY_KAFKA_DIR,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError as exc:
        raise KafkaToolError(f"could not run Maven ({mvn}): {exc}") from exc
    if result.returncode != 0 or not (libs_dir / f"kafka_2.13-{KAFKA_VERSION}.jar").is_file():
        output = _tail_text(result.stdout + result.stderr)
        raise KafkaToolError(
            f"Maven could not resolve Kafka {KAFKA_VERSION} (exit code {result.returncode}).\n"
            f"Command: {' '.join(cmd)}\n"
            "Check network access to Maven Central (or your ~/.m2/settings.xml mirror), "
            "then retry.\n"
            f"--- last lines of mvn output ---\n{output}"
        )
    stamp.write_text(KAFKA_VERSION + "\n", encoding="utf-8")


# --------------------------------------------------------------------------- processes


def generate_cluster_id() -> str:
    """A Kafka cluster id: 16 random bytes, URL-safe base64 without padding (22 chars)."""
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):  # Kafka avoids ids that look like CLI flags
            return cluster_id


class LocalKafka:
    """One KRaft Kafka node (broker+controller) running as a detached local JVM process.

    Alone it is a single-node cluster; local_kafka_cluster.LocalKafkaCluster runs several.
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
        cfg = self.config
        voters = ",".join(f"{node}@{LOOPBACK}:{port}" for node, port in cfg.quorum)
        # Topics the broker creates itself (consumer offsets, transactions) and topics created
        # without an explicit factor get three copies, or as many as there are nodes; two
        # must acknowledge a write (acks=all) once there are three.
        replicas = min(3, cfg.cluster_size)
        min_isr = min(2, replicas)
        props: dict[str, str] = {
            "process.roles": "broker,controller",
            "node.id": str(cfg.node_id),
            # Static voters: the controller endpoints live only in this file, so restarting an
            # existing home on different ports just works (a --standalone dynamic quorum
            # would persist the endpoints in the metadata log).
            "controller.quorum.voters": voters,
            "listeners": (
                f"PLAINTEXT://{LOOPBACK}:{cfg.port},CONTROLLER://{LOOPBACK}:{cfg.controller_port}"
            ),
            "advertised.listeners": f"PLAINTEXT://{LOOPBACK}:{cfg.port}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            "log.dirs": str(cfg.data_dir),
            "num.partitions": str(cfg.num_partitions),
            "default.replication.factor": str(replicas),
            "min.insync.replicas": str(min_isr),
            # A replica that missed acknowledged writes must never become leader.
            "unclean.leader.election.enable": "false",
            "offsets.topic.replication.factor": str(replicas),
            "offsets.topic.num.partitions": "1",
            "transaction.state.log.replication.factor": str(replicas),
            "transaction.state.log.min.isr": str(min_isr),
            "transaction.state.log.num.partitions": "1",
            "share.coordinator.state.topic.replication.factor": str(replicas),
            "share.coordinator.state.topic.min.isr": str(min_isr),
            "group.initial.rebalance.delay.ms": "0",
            "auto.create.topics.enable": "false",
            "delete.topic.enable": "true",
            "message.max.bytes": str(10 * 1024 * 1024),
            "replica.fetch.max.bytes": str(10 * 1024 * 1024),
            "log.retention.hours": "24",
            "log.segment.bytes": str(64 * 1024 * 1024),
            "num.network.threads": "2",
            "num.io.threads": "4",
            "num.recovery.threads.per.data.dir": "1",
        }
        if cfg.secured:
            props.update(self._secured_properties())
        props.update(cfg.extra_properties)
        return props

    def _secured_properties(self) -> dict[str, str]:
        """Listeners, TLS, SCRAM and the authorizer of secured mode (module docstring)."""
        cfg = self.config
        files = cfg.security
        return {
            "listeners": (
                f"CLIENT://{LOOPBACK}:{cfg.port},MTLS://{LOOPBACK}:{cfg.mtls_port},"
                f"CONTROLLER://{LOOPBACK}:{cfg.controller_port}"
            ),
            "advertised.listeners": (
                f"CLIENT://{LOOPBACK}:{cfg.port},MTLS://{LOOPBACK}:{cfg.mtls_port}"
            ),
            "listener.security.protocol.map": "CLIENT:SASL_SSL,MTLS:SSL,CONTROLLER:SSL",
            "inter.broker.listener.name": "MTLS",
            "sasl.enabled.mechanisms": SCRAM_MECHANISM,
            "listener.name.client.sasl.enabled.mechanisms": SCRAM_MECHANISM,
            f"listener.name.client.{SCRAM_MECHANISM.lower()}.sasl.jaas.config": (
                "org.apache.kafka.common.security.scram.ScramLoginModule required;"
            ),
            "ssl.keystore.type": "PEM",
            "ssl.keystore.location": str(files.broker_keystore),
            "ssl.truststore.type": "PEM",
            "ssl.truststore.location": str(files.ca_cert),
            # Certificates are required on MTLS and CONTROLLER; CLIENT authenticates with SCRAM.
            "ssl.client.auth": "required",
            "listener.name.client.ssl.client.auth": "none",
            "ssl.principal.mapping.rules": "RULE:^CN=([^,]+)$/$1/,DEFAULT",
            "authorizer.class.name": ("org.apache.kafka.metadata.authorizer.StandardAuthorizer"),
            "allow.everyone.if.no.acl.found": "false",
            "super.users": f"User:{ADMIN_USER};User:{BROKER_PRINCIPAL_NAME}",
        }

    def _write_server_properties(self) -> None:
        header = "# Generated by deploy/local_kafka.py on every start: edits are overwritten.\n"
        body = "".join(f"{key}={value}\n" for key, value in self.server_properties().items())
        self.config.properties_file.write_text(header + body, encoding="utf-8")

    def _jvm_base(self, java: str) -> list[str]:
        cfg = self.config
        return [
            java,
            f"-Xmx{cfg.heap}",
            "-XX:+UseG1GC",
            "-XX:+ExitOnOutOfMemoryError",
            "-Djava.awt.headless=true",
            f"-Dkafka.logs.dir={cfg.logs_dir}",
            f"-Dlog4j2.configurationFile={LOG4J2_CONFIG}",
            "-cp",
            str(Path(cfg.libs).resolve() / "*"),
        ]

    def _format_storage(self, java: str) -> None:
        """Format log.dirs for KRaft once; a no-op when meta.properties already exists."""
        cfg = self.config
        if (cfg.data_dir / "meta.properties").is_file():
            return
        cmd = [
            *self._jvm_base(java),
            STORAGE_TOOL_CLASS,
            "format",
            "--config",
            str(cfg.properties_file),
            "--cluster-id",
            cfg.cluster_id or generate_cluster_id(),
            "--ignore-formatted",
        ]
        if cfg.secured:
            password = ensure_user(cfg.security, ADMIN_USER)
            cmd += ["--add-scram", scram_format_argument(ADMIN_USER, password)]
        try:
            result = subprocess.run(
                cmd,
                cwd=cfg.home,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                check=False,
                timeout=120,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise KafkaToolError(
                f"could not format Kafka storage in {cfg.data_dir}: {exc}"
            ) from exc
        if result.returncode != 0:
            raise KafkaToolError(
                f"formatting Kafka storage in {cfg.data_dir} failed "
                f"(exit code {result.returncode}).\n"
                f"--- last lines of StorageTool output ---\n"
                f"{_tail_text(result.stdout + result.stderr)}"
            )

    # ----------------------------------------------------------------- readiness

    def _port_open(self, timeout: float) -> bool:
        try:
            with socket.create_connection((LOOPBACK, self.config.port), timeout=timeout):
                return True
        except OSError:
            return False

    def _bootstrap_answers(self, timeout: float) -> bool:
        """True if a Kafka client can fetch cluster metadata listing at least one broker."""
        if timeout <= 0 or not self._port_open(min(timeout, 1.0)):
            return False
        timeout_ms = max(int(timeout * 1000), 500)
        try:
            admin = KafkaAdminClient(
                bootstrap_servers=self.bootstrap,
                client_id="corridor-local-kafka-probe",
                bootstrap_timeout_ms=timeout_ms,
                request_timeout_ms=timeout_ms,
                reconnect_backoff_max_ms=500,
                **self.config.admin_client_config(),
            )
        except Exception:  # any client error just means "not ready yet"
            return False
        try:
            cluster = admin.describe_cluster()
            return bool(cluster.get("brokers"))
        except Exception:
            return False
        finally:
            with contextlib.suppress(Exception):
                admin.close()

    def _failure(self, what: str) -> KafkaToolError:
        cfg = self.config
        parts = [what]
        errors = _error_lines(cfg.server_log)
        if errors:
            parts += [f"--- first ERROR/FATAL lines of {cfg.server_log} ---", *errors]
        parts += [f"--- last lines of {cfg.server_log} ---", _tail(cfg.server_log, 25)]
        console = _tail(cfg.console_log, 15)
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
            if self._bootstrap_answers(min(remaining, 5.0)):
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
                self._ensure_users()
            return self.bootstrap

        java = _require_java()
        ensure_libs(cfg.libs)
        for directory in (cfg.home, cfg.data_dir, cfg.logs_dir):
            directory.mkdir(parents=True, exist_ok=True)
        if cfg.secured:
            ensure_broker_tls(cfg.security)
        self._write_server_properties()
        self._format_storage(java)

        cmd = [*self._jvm_base(java), MAIN_CLASS, str(cfg.properties_file)]
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
            self._ensure_users()
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
        self._ensure_users()

    def _ensure_users(self) -> None:
        """Secured mode: give every configured user its SCRAM credential (idempotent upsert)."""
        cfg = self.config
        if not cfg.secured or not cfg.users:
            return
        ensure_broker_tls(cfg.security)
        upserts = [
            UserScramCredentialUpsertion(
                user, SCRAM_MECHANISM, ensure_user(cfg.security, user), SCRAM_ITERATIONS
            )
            for user in cfg.users
        ]
        admin = KafkaAdminClient(
            bootstrap_servers=self.bootstrap,
            client_id="corridor-local-kafka-users",
            **cfg.admin_client_config(),
        )
        try:
            results = admin.alter_user_scram_credentials(upserts)
        except Exception as exc:
            raise KafkaToolError(f"could not create the SCRAM users: {exc}") from exc
        finally:
            admin.close()
        failed = {user: error for user, error in results.items() if error}
        if failed:
            raise KafkaToolError(f"could not create SCRAM users: {failed}")

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


# --------------------------------------------------------------------------- CLI


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="local_kafka.py",
        description=f"Run a local KRaft Apache Kafka {KAFKA_VERSION} broker or cluster.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def add_home(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--home",
            type=Path,
            help=f"broker home (config, data, logs, pid file); default: {DEFAULT_HOME}, "
            f"with --secured {DEFAULT_SECURED_HOME}",
        )
        p.add_argument(
            "--secured",
            action="store_true",
            help="SASL_SSL + mutual TLS listeners and the StandardAuthorizer (no ACL: no access)",
        )

    up = sub.add_parser("up", help="start the broker (reuses a running one) and print bootstrap")
    add_home(up)
    up.add_argument("--port", type=int, help="client port (default 9092; secured: SASL_SSL, 9192)")
    up.add_argument(
        "--controller-port", type=int, help="CONTROLLER port (default 9093; secured 9193)"
    )
    up.add_argument("--mtls-port", type=int, help="secured: mutual-TLS port (default 9194)")
    up.add_argument(
        "--users",
        default="",
        help="secured: comma-separated SCRAM users to create besides the admin",
    )
    up.add_argument(
        "--taskforce",
        type=Path,
        help="secured: also create a user for the hub and every member of this task-force file",
    )
    up.add_argument(
        "--libs", type=Path, default=DEFAULT_LIBS, help="jar directory; default: %(default)s"
    )
    up.add_argument(
        "--brokers",
        type=int,
        default=1,
        help="nodes (broker+controller each); node i on --port + 2(i-1), controller port "
        "--controller-port + 2(i-1); homes --home/node-<i> when more than one (default 1)",
    )
    up.add_argument("--heap", help="JVM -Xmx per node (default 512m, 320m each with --brokers > 1)")
    up.add_argument(
        "--timeout", type=float, default=90.0, help="seconds to wait for readiness (default 90)"
    )

    down = sub.add_parser("down", help="stop the broker (every node) of --home")
    add_home(down)
    down.add_argument(
        "--timeout", type=float, default=30.0, help="seconds before SIGKILL (default 30)"
    )

    status = sub.add_parser(
        "status", help="say whether the broker (each node) of --home runs; a cluster's health"
    )
    add_home(status)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python deploy/local_kafka.py``; returns the process exit code."""
    from local_kafka_cluster import LocalKafkaCluster  # it imports this module

    args = _build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="local_kafka: %(message)s", stream=sys.stderr)
    # kafka-python logs every failed readiness probe; those are expected while the broker boots.
    kafka_logger = logging.getLogger("kafka")
    kafka_logger.addHandler(logging.NullHandler())
    kafka_logger.propagate = False
    default_home = DEFAULT_SECURED_HOME if args.secured else DEFAULT_HOME
    home: Path = (args.home or default_home).resolve()
    try:
        if args.command == "up":
            config = _up_config(args, home)
            if args.brokers < 1:
                raise KafkaToolError("--brokers must be at least 1")
            ports = [
                (config.port + 2 * i, config.controller_port + 2 * i) for i in range(args.brokers)
            ]
            cluster = LocalKafkaCluster(home, ports, libs=config.libs, heap=args.heap, base=config)
            print(cluster.start(timeout=args.timeout))
            if config.secured:
                print(
                    f"client security files (SASL_SSL: USER.toml, mutual TLS on port "
                    f"{config.mtls_port}: USER-mtls.toml): {config.security.directory}",
                    file=sys.stderr,
                )
            return 0
        cluster = LocalKafkaCluster.from_home(home)
        if args.command == "down":
            pids = cluster.running_pids()
            cluster.stop(timeout=args.timeout)
            if not pids:
                print(f"no Kafka broker was running from {home}")
            for node_id, pid in pids.items():
                print(
                    f"stopped Kafka node {node_id}, pid {pid} ({cluster.node(node_id).config.home})"
                )
            return 0
        pids = cluster.running_pids()
        if not pids:
            print(f"not running ({home})")
            return 0
        for node in cluster.nodes:
            node_pid = pids.get(node.node_id)
            state = "stopped" if node_pid is None else f"running: pid {node_pid}"
            print(f"node {node.node_id}: {state}, bootstrap {node.bootstrap} ({node.config.home})")
        if len(pids) == cluster.size and cluster.size > 1:
            problems = cluster.health_problems()
            print("healthy" if not problems else "not healthy: " + "; ".join(problems[:10]))
        return 0
    except KafkaToolError as exc:
        print(f"local_kafka: error: {exc}", file=sys.stderr)
        return 2


def _up_config(args: argparse.Namespace, home: Path) -> BrokerConfig:
    defaults = SECURED_PORTS if args.secured else (9092, 9093, 9094)
    port = args.port if args.port is not None else defaults[0]
    controller_port = args.controller_port if args.controller_port is not None else defaults[1]
    mtls_port = args.mtls_port if args.mtls_port is not None else defaults[2]
    if len({port, controller_port, mtls_port}) < 3:
        raise KafkaToolError("--port, --controller-port and --mtls-port must differ")
    users = [u.strip() for u in args.users.split(",") if u.strip()]
    if args.taskforce is not None:
        from schemas.errors import CorridorError
        from schemas.taskforce import load_taskforce

        try:
            taskforce = load_taskforce(args.taskforce)
        except CorridorError as exc:
            raise KafkaToolError(str(exc)) from exc
        users += [taskforce.hub_id, *(m.agency_id for m in taskforce.members)]
    if (users or args.mtls_port is not None) and not args.secured:
        raise KafkaToolError("--users, --taskforce and --mtls-port need --secured")
    if ADMIN_USER in users:
        raise KafkaToolError(f"{ADMIN_USER!r} is always created; do not list it")
    return BrokerConfig(
        home=home,
        port=port,
        controller_port=controller_port,
        mtls_port=mtls_port,
        libs=args.libs.resolve(),
        secured=args.secured,
        users=tuple(dict.fromkeys(users)),
    )


if __name__ == "__main__":
    # Run the module under its own name: local_kafka_cluster imports ``local_kafka``, and its
    # errors must be the KafkaToolError main() catches, not a second copy's.
    import local_kafka

    sys.exit(local_kafka.main())
