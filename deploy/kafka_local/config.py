"""Where and how one local broker runs (BrokerConfig), and free ports to run it on.

Everything a broker needs lives under one *home* directory::

    <home>/server.properties   written on every start from the BrokerConfig
    <home>/data/               log.dirs (formatted once with kafka.tools.StorageTool)
    <home>/logs/server.log     Log4j 2 output (see deploy/kafka-broker/log4j2.yaml)
    <home>/kafka.out           the JVM's stdout/stderr
    <home>/kafka.pid           pid of the running broker (also its process-group id)
"""

from __future__ import annotations

import socket
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kafka_local.distribution import DEFAULT_LIBS, REPO_ROOT
from local_security import SCRAM_MECHANISM, SecurityFiles

__all__ = [
    "ADMIN_USER",
    "DEFAULT_HOME",
    "DEFAULT_SECURED_HOME",
    "LOOPBACK",
    "BrokerConfig",
    "free_port",
]

DEFAULT_HOME = REPO_ROOT / ".local" / "kafka" / "run"
DEFAULT_SECURED_HOME = REPO_ROOT / ".local" / "kafka" / "secured"
ADMIN_USER = "admin"
"""The super user of the secured broker (SCRAM)."""

PID_FILE = "kafka.pid"
CONSOLE_FILE = "kafka.out"
SERVER_PROPERTIES = "server.properties"
NODE_ID = 1
LOOPBACK = "127.0.0.1"


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
