"""How a local cluster lies on disk and is sized: node homes, ``cluster.json``, small-node settings.

A one-node cluster is a single broker living directly in ``home`` (so ``make kafka-up``
finds a broker started before clusters existed); node ``i`` of a larger cluster lives in
``home/node-<i>``. ``home/cluster.json`` records the layout (node ids and ports, cluster id)
so ``down`` and ``status`` need no arguments but the home.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from kafka_local.errors import KafkaToolError

__all__ = [
    "CLUSTER_HEAP",
    "LAYOUT_FILE",
    "SMALL_NODE_PROPERTIES",
    "ClusterLayout",
    "node_home",
]

LAYOUT_FILE = "cluster.json"
CLUSTER_HEAP = "320m"
"""``-Xmx`` of each node of a multi-node cluster (a lone broker keeps BrokerConfig's 512m)."""

#: Server properties that keep a multi-node cluster small: 16 MiB segments and 1 MiB
#: (preallocated) indexes, two I/O threads, one replica fetcher.
SMALL_NODE_PROPERTIES = {
    "log.segment.bytes": str(16 * 1024 * 1024),
    "log.index.size.max.bytes": str(1024 * 1024),
    "num.io.threads": "2",
    "num.network.threads": "2",
    "num.replica.fetchers": "1",
    "background.threads": "2",
    "log.cleaner.threads": "1",
    "log.cleaner.dedupe.buffer.size": str(8 * 1024 * 1024),
    # A killed node's replicas leave the ISR after 10 s instead of 30 s.
    "replica.lag.time.max.ms": "10000",
}


def node_home(home: Path, node_id: int, brokers: int) -> Path:
    """Directory of node ``node_id``: ``home`` itself for a one-node cluster."""
    return home if brokers == 1 else home / f"node-{node_id}"


@dataclass(frozen=True)
class ClusterLayout:
    """What ``cluster.json`` records: the cluster id and each node's id and ports."""

    cluster_id: str
    ports: tuple[tuple[int, int, int], ...]
    """``(node id, client port, controller port)`` per node."""

    def to_json(self) -> str:
        nodes = [{"id": n, "port": p, "controller_port": c} for n, p, c in self.ports]
        return json.dumps({"cluster_id": self.cluster_id, "nodes": nodes}, indent=2) + "\n"

    @classmethod
    def read(cls, home: Path) -> ClusterLayout | None:
        try:
            raw = json.loads((home / LAYOUT_FILE).read_text("utf-8"))
            ports = tuple(
                (int(n["id"]), int(n["port"]), int(n["controller_port"])) for n in raw["nodes"]
            )
            return cls(cluster_id=str(raw["cluster_id"]), ports=ports)
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise KafkaToolError(f"{home / LAYOUT_FILE} is unreadable: {exc}") from exc
