"""Replication settings of the task-force file and their checks against a cluster."""

from __future__ import annotations

import pytest

from schemas.errors import ConfigError
from schemas.replication import Replication, ReplicationError, parse_replication


def test_no_table_keeps_the_single_broker_defaults() -> None:
    assert parse_replication(None) == Replication(1, 1)
    assert Replication().check_cluster(brokers=1) == []


def test_min_isr_defaults_to_two_copies_when_there_are_two() -> None:
    assert parse_replication({"replication_factor": 3}) == Replication(3, 2)
    assert parse_replication({"replication_factor": 1}) == Replication(1, 1)


def test_three_copies_two_in_sync_on_three_brokers_is_clean() -> None:
    replication = parse_replication({"replication_factor": 3, "min_insync_replicas": 2})
    assert replication.check_cluster(brokers=3) == []
    assert replication.check_cluster(brokers=5) == []
    assert replication.topic_config() == {
        "min.insync.replicas": "2",
        "unclean.leader.election.enable": "false",
    }


def test_factor_below_min_isr_is_an_error_naming_both_keys() -> None:
    with pytest.raises(ReplicationError, match=r"replication_factor 2 is below .*min_insync"):
        parse_replication({"replication_factor": 2, "min_insync_replicas": 3})
    # A ConfigError: the CLI exits 2 with the message, no traceback.
    assert issubclass(ReplicationError, ConfigError)


def test_factor_above_the_broker_count_is_an_error() -> None:
    with pytest.raises(ReplicationError, match=r"needs at least that many brokers; .* has 1"):
        Replication(3, 2).check_cluster(brokers=1)


def test_one_copy_on_a_multi_broker_cluster_is_a_warning() -> None:
    (warning,) = Replication(1, 1).check_cluster(brokers=3)
    assert "replication_factor is 1 on a 3-broker cluster" in warning


def test_min_isr_equal_to_the_factor_warns_that_one_broker_down_stops_publishing() -> None:
    (warning,) = Replication(3, 3).check_cluster(brokers=3)
    assert "one broker down stops every publish" in warning


def test_min_isr_one_with_copies_warns_that_a_write_may_live_on_one_broker() -> None:
    (warning,) = Replication(3, 1).check_cluster(brokers=3)
    assert "min_insync_replicas is 1" in warning


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"replication_factor": 0}, "replication_factor: 0 is not a positive integer"),
        ({"replication_factor": "3"}, "replication_factor: '3' is not a positive integer"),
        ({"replication_factor": True}, "replication_factor: True is not a positive integer"),
        ({"min_insync_replicas": -1}, "min_insync_replicas: -1 is not a positive integer"),
        ({"replicas": 3}, "kafka: unknown keys replicas"),
    ],
)
def test_bad_values_are_refused(table: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_replication(table)


def test_not_a_table_is_refused() -> None:
    with pytest.raises(ConfigError, match="kafka: expected a table"):
        parse_replication(3)
