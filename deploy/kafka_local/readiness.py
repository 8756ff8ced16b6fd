"""Whether a local node answers: its port accepts connections and a Kafka client sees a broker."""

from __future__ import annotations

import contextlib
import socket

from kafka.admin import KafkaAdminClient

from kafka_local.config import LOOPBACK, BrokerConfig

__all__ = ["bootstrap_answers"]


def _port_open(cfg: BrokerConfig, timeout: float) -> bool:
    try:
        with socket.create_connection((LOOPBACK, cfg.port), timeout=timeout):
            return True
    except OSError:
        return False


def bootstrap_answers(cfg: BrokerConfig, timeout: float) -> bool:
    """True if a Kafka client can fetch cluster metadata listing at least one broker."""
    if timeout <= 0 or not _port_open(cfg, min(timeout, 1.0)):
        return False
    timeout_ms = max(int(timeout * 1000), 500)
    try:
        admin = KafkaAdminClient(
            bootstrap_servers=cfg.bootstrap,
            client_id="corridor-local-kafka-probe",
            bootstrap_timeout_ms=timeout_ms,
            request_timeout_ms=timeout_ms,
            reconnect_backoff_max_ms=500,
            **cfg.admin_client_config(),
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
