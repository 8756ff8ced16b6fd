"""How a hub service takes part in its Kafka consumer group: failure detection and identity.

A service killed without leaving its group (SIGKILL, a lost host) keeps its partitions
until the broker stops waiting for its heartbeats: the session timeout. A restarted
service cannot read them before then. The client defaults (45 s for kafka-python,
60 s in Faust) kept the pipeline still for about a minute after every crash.

Two knobs, both here:

* ``session_timeout_s`` (default 10 s, heartbeats every 3.3 s: Kafka's own consumer
  default before 3.0): a dead member is dropped within 10 s, so a restart or a surviving
  instance takes over its partitions within seconds, with no other set-up. 6 s (the
  broker's smallest by default) recovers faster, but on the loaded 2-core test machine a
  kafka-python member (delivery, webhooks) then stalled now and then in a full suite run,
  most likely on heartbeats delayed past the session; ``--session-timeout 6`` still
  chooses it.
* ``instance_id`` (static membership, KIP-345, optional): the member rejoins under the
  same name and gets its partitions back at once, without waiting for the session of
  its previous life to expire. Each running instance of a group needs its own id (a
  second process with the same id fences the first), and a stopped static member does
  not leave the group: its partitions wait for the session timeout.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from schemas.errors import ConfigError

DEFAULT_SESSION_TIMEOUT_S = 10.0
"""The broker's default ``group.min.session.timeout.ms``: the shortest it accepts."""

HEARTBEATS_PER_SESSION = 3
"""Heartbeats sent per session timeout, as Kafka recommends: two may be lost."""


@dataclass(frozen=True)
class GroupMembership:
    """A consumer group member's session timeout and, optionally, static identity."""

    session_timeout_s: float = DEFAULT_SESSION_TIMEOUT_S
    """How long the broker waits for a silent member before reassigning its partitions."""
    instance_id: str | None = None
    """``group.instance.id``: static membership under this name (None: dynamic)."""

    def __post_init__(self) -> None:
        if not self.session_timeout_s > 0:
            raise ConfigError(f"session timeout must be positive, not {self.session_timeout_s}")
        if self.instance_id is not None and not self.instance_id.strip():
            raise ConfigError("group instance id must not be empty")

    @property
    def heartbeat_interval_s(self) -> float:
        """How often the member tells the broker it is alive."""
        return self.session_timeout_s / HEARTBEATS_PER_SESSION

    def for_group(self, suffix: str) -> GroupMembership:
        """This membership for one of a process's several consumers (one per group).

        The webhook dispatcher runs one consumer per agency: each gets the instance id
        ``<id>.<suffix>``, so an operator names the process once.
        """
        if self.instance_id is None:
            return self
        return GroupMembership(self.session_timeout_s, f"{self.instance_id}.{suffix}")

    def kafka_python_config(self) -> dict[str, Any]:
        """Keyword arguments for a kafka-python ``KafkaConsumer`` with a ``group_id``."""
        config: dict[str, Any] = {
            "session_timeout_ms": int(self.session_timeout_s * 1000),
            "heartbeat_interval_ms": int(self.heartbeat_interval_s * 1000),
        }
        if self.instance_id is not None:
            config["group_instance_id"] = self.instance_id
        return config

    def faust_settings(self) -> dict[str, Any]:
        """Keyword arguments for ``faust.App`` (aiokafka consumer) with the same meaning."""
        return {
            "broker_session_timeout": self.session_timeout_s,
            "broker_heartbeat_interval": self.heartbeat_interval_s,
            "consumer_group_instance_id": self.instance_id,
        }


DYNAMIC = GroupMembership()
"""The default: dynamic membership with a 6 s session timeout."""
