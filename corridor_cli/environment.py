"""Environment variables Corridor reads, in one place, with their defaults."""

from __future__ import annotations

import os

from schemas.errors import ConfigError

KAFKA_BOOTSTRAP = "KAFKA_BOOTSTRAP"
"""Kafka bootstrap servers; default the local broker of ``make kafka-up``."""
DEFAULT_BOOTSTRAP = "127.0.0.1:9092"

CORRIDOR_TOPIC_PREFIX = "CORRIDOR_TOPIC_PREFIX"
"""Overrides the task-force file's topic prefix (tests and parallel demos use it)."""

CORRIDOR_CONFIG = "CORRIDOR_CONFIG"
"""Path of the task-force TOML file."""
DEFAULT_CONFIG = "deploy/local/taskforce.toml"

CORRIDOR_KAFKA_SECURITY = "CORRIDOR_KAFKA_SECURITY"
"""Client security file (TOML, see schemas/client_security.py); unset: PLAINTEXT."""

CORRIDOR_LOG_FORMAT = "CORRIDOR_LOG_FORMAT"
"""``text`` (default) or ``json``."""

CORRIDOR_PROMETHEUS = "CORRIDOR_PROMETHEUS"
"""Prometheus server ``corridor status`` reads; default the one of ``make monitor``."""
DEFAULT_PROMETHEUS = "http://127.0.0.1:9090"

CORRIDOR_LOG_LEVEL = "CORRIDOR_LOG_LEVEL"
"""Python logging level name; default ``INFO``."""

CORRIDOR_GROUP_INSTANCE_ID = "CORRIDOR_GROUP_INSTANCE_ID"
"""Static consumer-group membership of a hub service under this id; unset: dynamic."""

CORRIDOR_SESSION_TIMEOUT = "CORRIDOR_SESSION_TIMEOUT"
"""Seconds a hub service's consumer-group session lasts without heartbeats."""

CORRIDOR_FAILPOINT_INBOX_KILL_AFTER_STORE = "CORRIDOR_FAILPOINT_INBOX_KILL_AFTER_STORE"
"""Test only (the fault matrix, docs/operations.md): ``corridor inbox --db`` SIGKILLs itself
right after storing its Nth new delivery, before that delivery's offset is committed.
Never set it in production."""


def bootstrap() -> str:
    """Kafka bootstrap servers from the environment."""
    return os.environ.get(KAFKA_BOOTSTRAP, DEFAULT_BOOTSTRAP)


def topic_prefix() -> str | None:
    """Topic prefix override, if set."""
    return os.environ.get(CORRIDOR_TOPIC_PREFIX) or None


def kafka_security() -> str | None:
    """Client security file from the environment, if set."""
    return os.environ.get(CORRIDOR_KAFKA_SECURITY) or None


def config_path() -> str:
    """Task-force config path from the environment."""
    return os.environ.get(CORRIDOR_CONFIG, DEFAULT_CONFIG)


def log_format() -> str:
    """Log format from the environment."""
    return os.environ.get(CORRIDOR_LOG_FORMAT, "text")


def log_level() -> str:
    """Log level from the environment."""
    return os.environ.get(CORRIDOR_LOG_LEVEL, "INFO").upper()


def prometheus() -> str:
    """Prometheus server URL from the environment."""
    return os.environ.get(CORRIDOR_PROMETHEUS, DEFAULT_PROMETHEUS)


def group_instance_id() -> str | None:
    """Static group instance id from the environment, if set."""
    return os.environ.get(CORRIDOR_GROUP_INSTANCE_ID) or None


def session_timeout() -> str | None:
    """Consumer-group session timeout (seconds, as text) from the environment, if set."""
    return os.environ.get(CORRIDOR_SESSION_TIMEOUT) or None


def inbox_kill_after_store() -> int | None:
    """The inbox failpoint's N, if armed (test only; see the constant)."""
    raw = os.environ.get(CORRIDOR_FAILPOINT_INBOX_KILL_AFTER_STORE)
    if not raw:
        return None
    try:
        count = int(raw)
    except ValueError:
        count = 0
    if count < 1:
        raise ConfigError(
            f"{CORRIDOR_FAILPOINT_INBOX_KILL_AFTER_STORE} must be a positive integer, not {raw!r}"
        )
    return count
