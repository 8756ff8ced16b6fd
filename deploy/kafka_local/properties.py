"""The ``server.properties`` of a local KRaft node: combined broker+controller on 127.0.0.1."""

from __future__ import annotations

from kafka_local.config import LOOPBACK, BrokerConfig
from kafka_local.secured import secured_properties

__all__ = ["server_properties"]


def server_properties(cfg: BrokerConfig) -> dict[str, str]:
    """The server.properties entries for this broker (single-node combined KRaft)."""
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
        props.update(secured_properties(cfg))
    props.update(cfg.extra_properties)
    return props
