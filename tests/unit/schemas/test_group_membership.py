"""GroupMembership: the session timeout and static identity every hub consumer group uses."""

from __future__ import annotations

import argparse

import pytest
from kafka.consumer.group import KafkaConsumer

from corridor_cli import common
from schemas.errors import ConfigError
from schemas.group_membership import DEFAULT_SESSION_TIMEOUT_S, DYNAMIC, GroupMembership


def test_default_drops_a_dead_member_within_ten_seconds_with_three_heartbeats() -> None:
    assert DYNAMIC.session_timeout_s == DEFAULT_SESSION_TIMEOUT_S == 10.0
    assert DYNAMIC.kafka_python_config() == {
        "session_timeout_ms": 10000,
        "heartbeat_interval_ms": 3333,
    }
    assert DYNAMIC.faust_settings() == {
        "broker_session_timeout": 10.0,
        "broker_heartbeat_interval": 10.0 / 3,
        "consumer_group_instance_id": None,
    }


def test_static_membership_names_the_instance_for_both_clients() -> None:
    static = GroupMembership(session_timeout_s=30.0, instance_id="hub-1")
    assert static.kafka_python_config()["group_instance_id"] == "hub-1"
    assert static.faust_settings()["consumer_group_instance_id"] == "hub-1"
    assert static.kafka_python_config()["heartbeat_interval_ms"] == 10000


def test_one_instance_id_per_consumer_of_a_multi_group_process() -> None:
    static = GroupMembership(instance_id="hub-1")
    assert static.for_group("GR-HCG").instance_id == "hub-1.GR-HCG"
    assert DYNAMIC.for_group("GR-HCG") is DYNAMIC


def test_kafka_python_accepts_the_settings() -> None:
    keys = set(GroupMembership(instance_id="x").kafka_python_config())
    assert keys <= set(KafkaConsumer.DEFAULT_CONFIG)


@pytest.mark.parametrize(
    ("timeout", "instance"), [(0.0, None), (-1.0, None), (6.0, " ")], ids=["zero", "neg", "blank"]
)
def test_nonsense_is_a_config_error(timeout: float, instance: str | None) -> None:
    with pytest.raises(ConfigError):
        GroupMembership(session_timeout_s=timeout, instance_id=instance)


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    common.add_group_options(parser)
    return parser.parse_args(list(argv))


def test_cli_options_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert common.membership_from(_parse()) == DYNAMIC
    chosen = common.membership_from(_parse("--session-timeout", "10", "--group-instance-id", "a"))
    assert chosen == GroupMembership(session_timeout_s=10.0, instance_id="a")
    monkeypatch.setenv("CORRIDOR_SESSION_TIMEOUT", "8")
    monkeypatch.setenv("CORRIDOR_GROUP_INSTANCE_ID", "hub-2")
    assert common.membership_from(_parse()) == GroupMembership(8.0, "hub-2")


@pytest.mark.parametrize("value", ["soon", "0", "-3", "inf", "nan"])
def test_a_bad_session_timeout_is_a_one_line_config_error(value: str) -> None:
    with pytest.raises(ConfigError, match="--session-timeout"):
        common.membership_from(_parse("--session-timeout", value))
