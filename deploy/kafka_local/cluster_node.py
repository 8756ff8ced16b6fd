"""One node of a local cluster with fault controls: stop, kill, pause, resume, restart."""

from __future__ import annotations

import signal
import time
from pathlib import Path

from kafka_local.config import BrokerConfig
from kafka_local.errors import KafkaToolError
from kafka_local.node import LocalKafka
from processes import signal_group

__all__ = ["KafkaNode"]

_POLL_INTERVAL = 0.25


class KafkaNode:
    """One node of a :class:`LocalKafkaCluster`: its process, ports and data."""

    def __init__(self, broker: LocalKafka) -> None:
        self._broker = broker

    @property
    def node_id(self) -> int:
        """KRaft ``node.id`` (also the broker id partition metadata names)."""
        return self._broker.config.node_id

    @property
    def config(self) -> BrokerConfig:
        """The node's broker configuration."""
        return self._broker.config

    @property
    def bootstrap(self) -> str:
        """This node's own client address, ``127.0.0.1:<port>``."""
        return self._broker.bootstrap

    @property
    def data_dir(self) -> Path:
        """The node's ``log.dirs`` (partition logs and the KRaft metadata log)."""
        return self._broker.config.data_dir

    @property
    def pid(self) -> int | None:
        """Pid of the node's JVM if it runs (paused counts as running)."""
        return self._broker.running_pid()

    def is_running(self) -> bool:
        """True if the node's JVM is alive (possibly paused)."""
        return self.pid is not None

    def launch(self) -> None:
        """Start the JVM (reuse a running one) without waiting for it to answer."""
        self._broker.start(wait=False)

    def start(self, timeout: float = 90.0) -> None:
        """Start the node (reuse a running one) and wait until it answers on its port.

        The rest of a multi-node cluster must be up (a quorum of controllers) for it to.
        """
        self._broker.start(timeout=timeout, wait=False)
        self._broker.wait_ready(timeout)

    def wait_ready(self, timeout: float = 90.0) -> None:
        """Wait until the running node answers a Kafka client on its own port."""
        self._broker.wait_ready(timeout)

    def stop(self, timeout: float = 30.0) -> None:
        """Clean shutdown (SIGTERM: leadership moves away first), SIGKILL after ``timeout``."""
        self._broker.stop(timeout=timeout)

    def kill(self) -> None:
        """SIGKILL the node (a crash: no controlled shutdown) and wait until it is gone."""
        pid = self.pid
        if pid is None:
            return
        signal_group(pid, signal.SIGKILL)
        deadline = time.monotonic() + 30.0
        while self._broker.running_pid() is not None:
            if time.monotonic() > deadline:
                raise KafkaToolError(f"Kafka node {self.node_id} (pid {pid}) survived SIGKILL")
            time.sleep(_POLL_INTERVAL)
        self._broker.stop()  # reaps our child and removes the pid file

    def pause(self) -> None:
        """SIGSTOP the node: it keeps its sockets but answers nothing (a hung broker)."""
        self._signal(signal.SIGSTOP)

    def resume(self) -> None:
        """SIGCONT a paused node."""
        self._signal(signal.SIGCONT)

    def restart(self, timeout: float = 90.0) -> None:
        """Clean stop, then :meth:`start`."""
        self.stop()
        self.start(timeout)

    def _signal(self, sig: signal.Signals) -> None:
        pid = self.pid
        if pid is None:
            raise KafkaToolError(f"Kafka node {self.node_id} is not running")
        signal_group(pid, sig)

    def __repr__(self) -> str:
        return f"KafkaNode(id={self.node_id}, bootstrap={self.bootstrap}, pid={self.pid})"
