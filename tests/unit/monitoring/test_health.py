"""Loop health: the gauge, the /health answer and its WSGI routing."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from prometheus_client import CollectorRegistry

from monitoring.health import LoopHealth, with_health


def _gauge(registry: CollectorRegistry, loop: str) -> float | None:
    return registry.get_sample_value("corridor_loop_up", {"loop": loop})


def test_every_loop_must_run_for_the_process_to_be_healthy() -> None:
    registry = CollectorRegistry()
    health = LoopHealth(registry, ("verify", "dedupe"))
    assert not health.healthy()  # registered, not started
    assert _gauge(registry, "verify") == 0
    health.running("verify")
    health.running("dedupe")
    assert health.healthy()
    assert health.report()[0] == 200
    health.crashed("dedupe", RuntimeError("changelog has 0 partitions"))
    assert not health.healthy()
    assert _gauge(registry, "dedupe") == 0
    assert _gauge(registry, "verify") == 1
    status, body = health.report()
    assert status == 503
    loops = json.loads(body)["loops"]
    error = "RuntimeError: changelog has 0 partitions"
    assert loops["dedupe"] == {"state": "crashed", "error": error}
    assert loops["verify"] == {"state": "running"}


def test_no_registered_loop_is_not_healthy() -> None:
    assert not LoopHealth(None).healthy()
    assert LoopHealth(None).report()[0] == 503


def _call(app: Any, path: str) -> tuple[str, bytes]:
    seen: list[str] = []

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        seen.append(status)

    body = b"".join(app({"PATH_INFO": path}, start_response))
    return seen[0], body


def test_health_is_served_beside_the_metrics() -> None:
    def metrics(environ: dict[str, Any], start: Callable[..., Any]) -> Iterable[bytes]:
        start("200 OK", [])
        return [b"metrics"]

    health = LoopHealth(None, ("delivery",))
    app = with_health(metrics, health)
    assert _call(app, "/metrics") == ("200 OK", b"metrics")
    status, _ = _call(app, "/health")
    assert status == "503 Service Unavailable"
    health.running("delivery")
    status, body = _call(app, "/health")
    assert status == "200 OK"
    assert json.loads(body)["status"] == "ok"
