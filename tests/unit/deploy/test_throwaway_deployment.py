"""deploy/throwaway_deployment.py: the task-force files a throw-away deployment writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from consumers.delivery.policy import decide_all
from producers.scenarios import sample_datum
from schemas.keys import load_private_key
from schemas.marking import Release
from schemas.replication import Replication
from schemas.signing import sign_alert
from schemas.taskforce import load_taskforce
from schemas.truststore import load_trust_store
from schemas.verification import verify_alert
from throwaway_deployment import (
    delivery_args,
    make_deployment,
    replication_for,
    streams_worker_args,
)


def test_files_load_and_every_recipient_is_entitled(tmp_path: Path) -> None:
    deployment = make_deployment(tmp_path, "tw-1", ["PUB-01", "PUB-02"], ["RCV-01", "RCV-02"])
    taskforce = load_taskforce(deployment.config)
    assert taskforce.topics.prefix == "tw-1"
    assert [m.agency_id for m in taskforce.publishers] == ["PUB-01", "PUB-02"]
    assert [m.agency_id for m in taskforce.recipients] == ["RCV-01", "RCV-02"]
    store = load_trust_store(taskforce.trust_store)
    record = sign_alert(sample_datum("PUB-02", 1), deployment.keys["PUB-02"], deployment.topics)
    verify_alert(record.value, record.headers, store, deployment.topics, read_topic=record.topic)
    on_disk = load_private_key(deployment.key_file("PUB-02"))
    assert on_disk.public_key() == deployment.keys["PUB-02"].public_key()
    assert deployment.hub_key.exists()
    datum = sample_datum("PUB-02", 1, route=None)
    for tlp, handling in (("GREEN", "H0"), ("AMBER_STRICT", "H2")):
        release = Release.of_alert("PUB-02", tlp, datum["tlp_recipients"], handling)
        decisions = decide_all("alert", release, taskforce)
        assert {d.recipient for d in decisions if d.allowed} == {"RCV-01", "RCV-02"}


def test_workers_share_a_group_but_not_ports_or_data(tmp_path: Path) -> None:
    deployment = make_deployment(tmp_path, "tw-2", ["PUB-01"], ["RCV-01"])
    one = streams_worker_args(deployment, "127.0.0.1:9092", 1)
    two = streams_worker_args(deployment, "127.0.0.1:9092", 2)

    def option(args: list[str], name: str) -> str:
        return args[args.index(name) + 1]

    assert option(one, "--app-id") == option(two, "--app-id") == "tw-2-streams"
    assert option(one, "--data-dir") != option(two, "--data-dir")
    assert option(one, "--web-port") != option(two, "--web-port")
    assert option(delivery_args(deployment, "127.0.0.1:9092"), "--group") == "tw-2-delivery"


@pytest.mark.parametrize(
    ("brokers", "factor", "min_isr"),
    [(1, 1, 1), (2, 2, 2), (3, 3, 2), (5, 3, 2)],
    ids=["one", "two", "three", "five"],
)
def test_replication_follows_the_cluster_size(brokers: int, factor: int, min_isr: int) -> None:
    assert replication_for(brokers) == Replication(factor, min_isr)


def test_replication_is_written_to_the_kafka_table(tmp_path: Path) -> None:
    plain = make_deployment(tmp_path / "plain", "tw-3", ["PUB-01"], ["RCV-01"])
    assert "[kafka]" not in plain.config.read_text("utf-8")
    assert load_taskforce(plain.config).replication == Replication()
    replicated = make_deployment(
        tmp_path / "replicated", "tw-4", ["PUB-01"], ["RCV-01"], replication=replication_for(3)
    )
    assert load_taskforce(replicated.config).replication == Replication(3, 2)
