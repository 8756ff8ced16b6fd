"""Metadata and health of a running local cluster: partition leaders, brokers, replicas in sync.

:class:`ClusterHealth` is mixed into :class:`kafka_local.cluster.LocalKafkaCluster`, which
gives it ``home`` and ``nodes``; it asks the running nodes through an admin client.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from kafka.admin import KafkaAdminClient

from kafka_local.cluster_node import KafkaNode
from kafka_local.errors import KafkaToolError

_POLL_INTERVAL = 0.25


class ClusterHealth:
    """What a running cluster's metadata says: leaders, registered brokers, replicas in sync."""

    home: Path
    """The cluster directory."""
    nodes: tuple[KafkaNode, ...]
    """The nodes, in node-id order."""

    @property
    def node_ids(self) -> list[int]:
        """KRaft node ids, 1..N."""
        return [node.node_id for node in self.nodes]

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


def _partition(raw: dict[str, Any]) -> dict[str, Any]:
    """kafka-python's partition metadata, with stable names."""
    return {
        "partition": int(raw.get("partition_index", raw.get("partition", -1))),
        "leader": int(raw.get("leader_id", raw.get("leader", -1))),
        "replicas": [int(r) for r in raw.get("replica_nodes", raw.get("replicas", []))],
        "isr": [int(r) for r in raw.get("isr_nodes", raw.get("isr", []))],
    }
