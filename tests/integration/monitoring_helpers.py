"""Helpers of the integration tests that run hub services under a real Prometheus.

``hub_services`` starts ``corridor`` commands, each serving its metrics on a free port;
``running_prometheus`` starts Debian's Prometheus scraping them every second (rules of
deploy/prometheus/rules.yml evaluated every second). test_monitoring and test_dashboard
build their fixtures from these.
"""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.errors import KafkaError

from kafka_local.config import free_port
from processes import stop_process
from prometheus_local.config import PrometheusConfig
from prometheus_local.errors import PrometheusToolError
from prometheus_local.server import LocalPrometheus
from tests.integration.conftest import start_corridor, wait_for

JOBS = ("worker", "delivery", "webhooks", "receipts", "recalls", "audit")
"""Prometheus job names of the hub's services (``prometheus_local.layout.DEFAULT_TARGETS``)."""

Started = dict[str, tuple[int, subprocess.Popen[bytes]]]
"""Job name -> (metrics port, process)."""


@contextlib.contextmanager
def hub_services(commands: Mapping[str, Sequence[str]], logs: Path) -> Iterator[Started]:
    """Start ``corridor COMMAND --metrics-port PORT`` per job (logs in ``logs/JOB.log``).

    Every process is stopped on exit, and the tail of its log is printed.
    """
    started: Started = {}
    try:
        for job, command in commands.items():
            port = free_port()
            log = logs / f"{job}.log"
            started[job] = (port, start_corridor([*command, "--metrics-port", str(port)], log))
        yield started
    finally:
        for job, (_, process) in started.items():
            stop_process(process, job)
            log = logs / f"{job}.log"
            if log.exists():
                print(f"--- {log.name} (tail) ---\n{log.read_text('utf-8', 'replace')[-3000:]}")


@contextlib.contextmanager
def running_prometheus(ports: Mapping[str, int], home: Path) -> Iterator[LocalPrometheus]:
    """Prometheus on a free port scraping ``127.0.0.1:PORT`` as each job, every second."""
    config = PrometheusConfig(
        home=home,
        port=free_port(),
        targets={job: (f"127.0.0.1:{port}",) for job, port in ports.items()},
        scrape_interval_s=1.0,
        evaluation_interval_s=1.0,
    )
    server = LocalPrometheus(config)
    try:
        server.start(timeout=60.0)
    except PrometheusToolError as exc:
        server.stop()
        pytest.fail(f"could not start Prometheus: {exc}", pytrace=False)
    try:
        yield server
    finally:
        server.stop()


def value(server: LocalPrometheus, expr: str) -> float | None:
    """The value of a one-element instant vector, None when it is empty."""
    result = server.query(expr)
    assert len(result) <= 1, result
    return float(result[0]["value"][1]) if result else None


def wait_until_all_up(server: LocalPrometheus, jobs: Sequence[str] = JOBS) -> None:
    """Wait until Prometheus scraped every job successfully."""
    for job in jobs:
        wait_for(
            lambda job=job: value(server, f'up{{job="{job}"}}') == 1,
            60,
            f"Prometheus to scrape the {job}",
        )


def group_report(bootstrap: str, groups: Mapping[str, str]) -> str:
    """What the broker says of kafka-python groups (group -> its topic): for a failure message.

    Per group: its state and members with their assigned partitions, then per partition of
    the topic the committed and end offsets. Read from outside the groups (nothing joins).
    """
    lines = []
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        described = admin.describe_groups(list(groups))
    except KafkaError as exc:
        described = {}
        lines.append(f"describe_groups failed: {exc!r}")
    finally:
        admin.close()
    for group, topic in groups.items():
        info = described.get(group, {})
        members = [
            (m.get("client_id"), m.get("member_assignment")) for m in info.get("members", ())
        ]
        lines.append(f"group {group}: state {info.get('group_state')}, members {members}")
        consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group)
        try:
            parts = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
            ends = consumer.end_offsets(parts)
            lines.extend(
                f"  {tp.topic}[{tp.partition}] committed {consumer.committed(tp)} end {ends[tp]}"
                for tp in parts
            )
        finally:
            consumer.close()
    return "\n".join(lines)
