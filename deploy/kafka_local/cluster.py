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
returns. Only processes this cluster's pid files name are ever signalled.
"""

from __future__ import annotations

import contextlib
import signal
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from kafka.admin import KafkaAdminClient

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

_POLL_INTERVAL = 0.25


class LocalKafkaCluster:
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
    def node_ids(self) -> list[int]:
        """KRaft node ids, 1..N."""
        return [node.node_id for node in self.nodes]

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

    # ----------------------------------------------------------------- metadata

    @contextlib.contextmanager
    def admin(self, timeout: float = 10.0) -> Iterator[KafkaAdminClient]:
        """An admin client bootstrapped from the running nodes."""
        live = [node.bootstrap for node in self.nodes if node.is_running()]
        if not live:
            raise KafkaToolError(f"no node of the cluster in {self.home} is running")
        timeout_ms = max(int(timeout * 1000), 1000)
        client = KafkaAdminClient(
            bootstrap_servers=",".join(live),
            client_id="corridor-local-kafka-cluster",
            request_timeout_ms=timeout_ms,
            bootstrap_timeout_ms=timeout_ms,
            reconnect_backoff_max_ms=500,
            **self.nodes[0].config.admin_client_config(),
        )
        try:
            yield client
        finally:
            with contextlib.suppress(Exception):
                client.close()

    def partitions(self, topic: str, timeout: float = 30.0) -> list[dict[str, Any]]:
        """Partition metadata of ``topic``: ``partition``, ``leader``, ``replicas``, ``isr``.

        Retries until ``timeout``: just after a node died the client may still pick it
        and fail to connect.
        """
        deadline = time.monotonic() + timeout
        while True:
            try:
                with self.admin() as admin:
                    described = admin.describe_topics([topic])
                return [_partition(raw) for t in described for raw in t.get("partitions", [])]
            except KafkaToolError:
                raise
            except Exception as exc:  # connection errors to a node that just went away
                if time.monotonic() > deadline:
                    raise KafkaToolError(f"could not describe {topic}: {exc!r}") from exc
                time.sleep(_POLL_INTERVAL)

    def leader_of(self, topic: str, partition: int) -> int:
        """Node id of the current leader of ``topic``'s ``partition``.

        Raises:
            KafkaToolError: the partition is unknown or has no leader right now.
        """
        for info in self.partitions(topic):
            if info["partition"] == partition:
                leader = int(info["leader"])
                if leader < 0:
                    raise KafkaToolError(f"{topic}[{partition}] has no leader right now")
                return leader
        raise KafkaToolError(f"{topic}[{partition}] does not exist")

    def health_problems(self, topics: Sequence[str] | None = None) -> list[str]:
        """What keeps the cluster from being healthy; empty when it is.

        Healthy: every node registered as a broker, and every partition of ``topics``
        (None: all topics) has a leader and all its replicas in sync.
        """
        try:
            with self.admin() as admin:
                registered = {
                    int(b.get("broker_id", b.get("node_id", -1)))
                    for b in admin.describe_cluster()["brokers"]
                    if not b.get("is_fenced", False)
                }
                if topics is None:
                    described = admin.describe_topics()
                else:
                    described = admin.describe_topics(list(topics)) if topics else []
        except KafkaToolError as exc:
            return [str(exc)]
        except Exception as exc:  # the client's errors only mean "not healthy yet"
            return [f"cluster metadata unavailable: {exc!r}"]
        problems = [
            f"node {n} not registered (or fenced)" for n in self.node_ids if n not in registered
        ]
        for topic in described:
            for raw in topic.get("partitions", []):
                info = _partition(raw)
                where = f"{topic.get('name', topic.get('topic'))}[{info['partition']}]"
                if info["leader"] < 0:
                    problems.append(f"{where} has no leader")
                elif set(info["isr"]) != set(info["replicas"]):
                    problems.append(f"{where} under-replicated: isr {info['isr']}")
        return problems

    def wait_until_healthy(
        self, timeout: float = 90.0, *, topics: Sequence[str] | None = None
    ) -> None:
        """Wait until every broker is registered and no partition is under-replicated.

        Raises:
            KafkaToolError: still unhealthy at the deadline (the message says why).
        """
        deadline = time.monotonic() + timeout
        while True:
            problems = self.health_problems(topics)
            if not problems:
                return
            if time.monotonic() > deadline:
                raise KafkaToolError(
                    f"the cluster in {self.home} is not healthy after {timeout:.0f}s: "
                    + "; ".join(problems[:10])
                )
            time.sleep(_POLL_INTERVAL)

    def __repr__(self) -> str:
        return f"LocalKafkaCluster({self.home}, nodes={list(self.nodes)})"


def _partition(raw: dict[str, Any]) -> dict[str, Any]:
    """kafka-python's partition metadata, with stable names."""
    return {
        "partition": int(raw.get("partition_index", raw.get("partition", -1))),
        "leader": int(raw.get("leader_id", raw.get("leader", -1))),
        "replicas": [int(r) for r in raw.get("replica_nodes", raw.get("replicas", []))],
        "isr": [int(r) for r in raw.get("isr_nodes", raw.get("isr", []))],
    }
