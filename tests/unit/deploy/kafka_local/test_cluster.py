"""The local cluster's layout and each node's configuration (no JVM is started)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kafka_local.cluster import LocalKafkaCluster
from kafka_local.config import BrokerConfig
from kafka_local.errors import KafkaToolError
from kafka_local.layout import LAYOUT_FILE
from kafka_local.node import LocalKafka

PORTS = [(2001, 2002), (2003, 2004), (2005, 2006)]


def _props(cluster: LocalKafkaCluster, node_id: int) -> dict[str, str]:
    return LocalKafka(cluster.node(node_id).config).server_properties()


def test_three_nodes_share_one_quorum_and_replicate_three_ways(tmp_path: Path) -> None:
    cluster = LocalKafkaCluster(tmp_path, PORTS)
    voters = "1@127.0.0.1:2002,2@127.0.0.1:2004,3@127.0.0.1:2006"
    for node_id in (1, 2, 3):
        props = _props(cluster, node_id)
        assert props["node.id"] == str(node_id)
        assert props["controller.quorum.voters"] == voters
        assert props["default.replication.factor"] == "3"
        assert props["min.insync.replicas"] == "2"
        assert props["offsets.topic.replication.factor"] == "3"
        assert props["transaction.state.log.min.isr"] == "2"
        assert props["unclean.leader.election.enable"] == "false"
        assert props["log.segment.bytes"] == str(16 * 1024 * 1024)
    assert cluster.bootstrap == "127.0.0.1:2001,127.0.0.1:2003,127.0.0.1:2005"
    assert cluster.node(2).config.home == tmp_path.resolve() / "node-2"
    assert cluster.node(2).data_dir == tmp_path.resolve() / "node-2" / "data"
    assert cluster.node(3).config.heap == "320m"
    ids = {cluster.node(n).config.cluster_id for n in (1, 2, 3)}
    assert len(ids) == 1 and None not in ids


def test_one_node_cluster_is_the_lone_broker_in_home(tmp_path: Path) -> None:
    cluster = LocalKafkaCluster(tmp_path, [(2001, 2002)])
    props = _props(cluster, 1)
    assert cluster.node(1).config.home == tmp_path.resolve()
    assert props["controller.quorum.voters"] == "1@127.0.0.1:2002"
    assert props["default.replication.factor"] == "1"
    assert props["min.insync.replicas"] == "1"
    assert props["log.segment.bytes"] == str(64 * 1024 * 1024)
    assert cluster.node(1).config.heap == "512m"


def test_layout_is_read_back_and_a_different_size_refused(tmp_path: Path) -> None:
    cluster = LocalKafkaCluster(tmp_path, PORTS)
    (tmp_path / LAYOUT_FILE).write_text(cluster._layout.to_json(), "utf-8")
    again = LocalKafkaCluster.from_home(tmp_path)
    assert again.bootstrap == cluster.bootstrap
    assert again.node(1).config.cluster_id == cluster.node(1).config.cluster_id
    with pytest.raises(KafkaToolError, match="3-node cluster, not 1 nodes"):
        LocalKafkaCluster(tmp_path, [(2001, 2002)])


def test_unknown_node_and_secured_cluster_are_refused(tmp_path: Path) -> None:
    cluster = LocalKafkaCluster(tmp_path, PORTS)
    with pytest.raises(KeyError, match="no node 4"):
        cluster.node(4)
    with pytest.raises(KafkaToolError, match="secured"):
        LocalKafkaCluster(tmp_path / "s", PORTS, base=BrokerConfig(secured=True))
