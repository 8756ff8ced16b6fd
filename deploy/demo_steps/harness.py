"""How the demo runs: its work folder and cast, ``corridor`` commands, processes, metrics.

``deploy/demo.py`` puts the repository and ``deploy/`` on the import path before it imports
this package.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kafka import KafkaConsumer
from prometheus_client.parser import text_string_to_metric_families

from kafka_local.config import free_port

REPO = Path(__file__).resolve().parents[2]


WORKDIR = REPO / ".local" / "demo"
PUBLISHERS = {"PK-FIA": 3, "TR-SG": 2, "GR-HCG": 2, "IOM": 1}
#: A made-up victim's name, to show that it never travels in clear.
VICTIM_NAME = "Zarmina Demo-Karimi"


@dataclass(frozen=True)
class DemoRun:
    """One run of the demo: its broker, topic prefix and task-force file."""

    bootstrap: str
    """Kafka bootstrap servers."""
    prefix: str
    """Topic prefix of this run (``demo-<6 hex>``)."""
    config: Path
    """The run's copy of the task-force file."""
    kafka: tuple[str, ...]
    """``--bootstrap`` and ``--topic-prefix`` arguments of every ``corridor`` command."""


def say(text: str) -> None:
    print(f"\n== {text}", flush=True)


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"demo: timed out after {timeout:.0f}s waiting for {what}")


def port_or_free(port: int) -> int:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return free_port()
    return port


def corridor(*args: str, stdin: str | None = None, check: bool = True) -> int:
    shown = " ".join(a if " " not in a else repr(a) for a in args)
    print(f"$ corridor {shown}", flush=True)
    result = subprocess.run(
        [sys.executable, "-m", "corridor_cli.main", *args],
        cwd=REPO,
        input=stdin,
        text=True,
        check=False,
    )
    if check and result.returncode != 0:
        raise SystemExit(f"demo: corridor {args[0]} failed with exit code {result.returncode}")
    return result.returncode


def corridor_quiet(*args: str) -> subprocess.CompletedProcess[str]:
    """``corridor ARGS`` with its output captured (for polling)."""
    return subprocess.run(
        [sys.executable, "-m", "corridor_cli.main", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )


def publish_file(agency: str, path: Path, kafka: tuple[str, ...]) -> None:
    """``corridor publish`` of one agency's JSON Lines file with its own key (checked against
    the trust store before anything is sent)."""
    corridor(
        "publish",
        "--agency",
        agency,
        "--key",
        str(WORKDIR / "keys" / f"{agency}.key"),
        "--file",
        str(path),
        "--trust-store",
        str(WORKDIR / "trust-store.json"),
        *kafka,
    )


def start(name: str, *args: str) -> subprocess.Popen[bytes]:
    log = (WORKDIR / f"{name}.log").open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", "corridor_cli.main", *args],
        cwd=REPO,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


def metric_value(port: int, name: str, **labels: str) -> float | None:
    url = f"http://127.0.0.1:{port}/metrics"
    with urllib.request.urlopen(url, timeout=5) as response:
        text = response.read().decode()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return float(sample.value)
    return None


def list_topics(bootstrap: str, prefix: str) -> list[str]:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap)
    try:
        return sorted(t for t in consumer.topics() if t.startswith(prefix))
    finally:
        consumer.close()


def metrics_excerpt(port: int, prefixes: tuple[str, ...]) -> list[str]:
    url = f"http://127.0.0.1:{port}/metrics"
    with urllib.request.urlopen(url, timeout=5) as response:
        text = response.read().decode()
    return [line for line in text.splitlines() if line.startswith(prefixes)]
