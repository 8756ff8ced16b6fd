"""A local KRaft Kafka cluster of N nodes on 127.0.0.1, with per-node fault controls.

Every node is a combined broker+controller JVM (:class:`kafka_local.node.LocalKafka`);
together they form one static controller quorum (``controller.quorum.voters``) and share one
cluster id. One code path serves one node and many; :mod:`kafka_local.layout` says where each
node lives and what ``cluster.json`` records.

The broker defaults follow the size: three copies of every topic (or one per node when
there are fewer nodes), ``min.insync.replicas`` 2 from three nodes on, unclean leader
election off. Multi-node clusters run small (``CLUSTER_HEAP``, small segments and
indexes, few threads) so three nodes and the test suite fit a 2-core machine.

Library use (fault tests)::

    cluster = LocalKafkaCluster.on_free_ports(tmp / "kafka", brokers=3)
    bootstrap = cluster.start()             # all nodes up, all registered
    leader = cluster.leader_of("topic", 0)  # node id of the partition's leader
    cluster.node(leader).kill()             # SIGKILL (also .stop(), .pause(), .resume())
    cluster.node(leader).start()            # back, waits until it answers
    cluster.wait_until_healthy()            # every broker registered, nothing under-replicated
    cluster.stop()

``node(node_id)`` takes a KRaft node id (1..N), the ids :meth:`LocalKafkaCluster.leader_of`
returns. Only processes this cluster's pid files name are ever signalled. What the
cluster's metadata says (leaders, health) is asked in :mod:`kafka_local.cluster_health`.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from kafka_local.cluster_health import ClusterHealth
from kafka_local.cluster_node import KafkaNode
from kafka_local.config import BrokerConfig, free_port
from kafka_local.distribution import DEFAULT_LIBS
from kafka_local.errors import KafkaToolError
from kafka_local.jvm import generate_cluster_id
from kafka_local.layout import (
    CLUSTER_HEAP,
    LAYOUT_FILE,
    SMALL_NODE_PROPERTIES,
    ClusterLayout,
    node_home,
)
from kafka_local.node import LocalKafka
from processes import signal_group

__all__ = ["LocalKafkaCluster"]


class LocalKafkaCluster(ClusterHealth):
    """N local KRaft nodes forming one cluster (see the module docstring)."""

    def __init__(
        self,
        home: Path,
        ports: Sequence[tuple[int, int]],
        *,
        libs: Path = DEFAULT_LIBS,
        heap: str | None = None,
        base: BrokerConfig | None = None,
    ) -> None:
        """A cluster in ``home`` whose node ``i`` (1-based) listens on ``ports[i-1]``.

        Args:
            home: Cluster directory (``cluster.json``; the nodes' homes, see node_home).
            ports: ``(client port, controller port)`` of each node.
            libs: The broker jars.
            heap: JVM ``-Xmx`` of each node; default CLUSTER_HEAP, or 512m for one node.
            base: Settings every node shares (e.g. ``secured``; one node only).
        """
        if not ports:
            raise KafkaToolError("a cluster needs at least one node")
        self.home = Path(home).resolve()
        size = len(ports)
        base = base if base is not None else BrokerConfig()
        if base.secured and size > 1:
            raise KafkaToolError(
                "a secured local cluster has one node (--secured with --brokers 1)"
            )
        layout = ClusterLayout.read(self.home)
        if layout is not None and len(layout.ports) != size:
            raise KafkaToolError(
                f"{self.home} holds a {len(layout.ports)}-node cluster, not {size} nodes: "
                f"run `local_kafka.py down --home {self.home}` and remove it, or use another home"
            )
        cluster_id = layout.cluster_id if layout is not None else generate_cluster_id()
        self._layout = ClusterLayout(
            cluster_id, tuple((i, p, c) for i, (p, c) in enumerate(ports, start=1))
        )
        voters = tuple((i, c) for i, (_, c) in enumerate(ports, start=1)) if size > 1 else ()
        extra = {**(SMALL_NODE_PROPERTIES if size > 1 else {}), **base.extra_properties}
        self.nodes: tuple[KafkaNode, ...] = tuple(
            KafkaNode(
                LocalKafka(
                    replace(
                        base,
                        home=node_home(self.home, node_id, size),
                        port=port,
                        controller_port=controller_port,
                        libs=libs,
                        heap=heap or (CLUSTER_HEAP if size > 1 else base.heap),
                        node_id=node_id,
                        voters=voters,
                        cluster_id=cluster_id,
                        extra_properties=extra,
                    )
                )
            )
            for node_id, (port, controller_port) in enumerate(ports, start=1)
        )

    # ----------------------------------------------------------------- construction

    @classmethod
    def on_free_ports(
        cls, home: Path, brokers: int = 3, *, heap: str | None = None
    ) -> LocalKafkaCluster:
        """A cluster of ``brokers`` nodes on ports that are free right now."""
        ports: list[int] = []
        while len(ports) < 2 * brokers:
            port = free_port()
            if port not in ports:
                ports.append(port)
        pairs = [(ports[2 * i], ports[2 * i + 1]) for i in range(brokers)]
        return cls(home, pairs, heap=heap)

    @classmethod
    def on_ports(
        cls, home: Path, brokers: int, first_port: int = 9092, **kwargs: Any
    ) -> LocalKafkaCluster:
        """Node ``i`` on client port ``first_port + 2(i-1)``, controller port one above."""
        pairs = [(first_port + 2 * i, first_port + 2 * i + 1) for i in range(brokers)]
        return cls(home, pairs, **kwargs)

    @classmethod
    def from_home(cls, home: Path) -> LocalKafkaCluster:
        """The cluster ``cluster.json`` in ``home`` describes; a lone broker if there is none."""
        home = Path(home).resolve()
        layout = ClusterLayout.read(home)
        if layout is None:
            return cls(home, [(BrokerConfig().port, BrokerConfig().controller_port)])
        return cls(home, [(port, controller) for _, port, controller in layout.ports])

    # ----------------------------------------------------------------- addresses

    @property
    def size(self) -> int:
        """Number of nodes."""
        return len(self.nodes)

    @property
    def bootstrap(self) -> str:
        """Client bootstrap string naming every node, ``127.0.0.1:p1,127.0.0.1:p2,...``."""
        return ",".join(node.bootstrap for node in self.nodes)

    def node(self, node_id: int) -> KafkaNode:
        """The node with KRaft id ``node_id`` (1..N)."""
        for node in self.nodes:
            if node.node_id == node_id:
                return node
        raise KeyError(f"no node {node_id} in this cluster (ids {self.node_ids})")

    # ----------------------------------------------------------------- lifecycle

    def start(self, timeout: float = 120.0) -> str:
        """Start every node (reusing running ones), wait until all brokers registered.

        Returns the bootstrap string. On failure the nodes are left running, like
        LocalKafka.start (``stop()`` them).
        """
        self.home.mkdir(parents=True, exist_ok=True)
        (self.home / LAYOUT_FILE).write_text(self._layout.to_json(), "utf-8")
        deadline = time.monotonic() + timeout
        for node in self.nodes:
            node.launch()
        for node in self.nodes:
            node.wait_ready(max(deadline - time.monotonic(), 1.0))
        self.wait_until_healthy(max(deadline - time.monotonic(), 1.0), topics=())
        return self.bootstrap

    def stop(self, timeout: float = 30.0) -> None:
        """Stop every node (paused ones are resumed first so SIGTERM can take effect).

        All nodes get SIGTERM at once: stopped one after the other, the last ones would
        wait for a controller quorum that is already gone before shutting down.
        """
        for node in self.nodes:
            pid = node.pid
            if pid is not None:
                signal_group(pid, signal.SIGCONT)
                signal_group(pid, signal.SIGTERM)
        for node in self.nodes:
            node.stop(timeout)

    def running_pids(self) -> dict[int, int]:
        """``{node id: pid}`` of the nodes that run."""
        return {node.node_id: pid for node in self.nodes if (pid := node.pid) is not None}

    def __repr__(self) -> str:
        return f"LocalKafkaCluster({self.home}, nodes={list(self.nodes)})"
