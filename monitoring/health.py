"""Whether each loop of a process is running: a gauge and a ``/health`` endpoint.

A hub process runs several loops (the Faust agents of the streams worker, the poll
loop of a kafka-python service, one webhook thread per agency). A process that
stays up while one of them is dead or crash-looping stops the pipeline silently,
so every loop reports here when it starts and when it ends, and the process serves
``/health`` beside ``/metrics``: 200 while every registered loop runs, 503 with the
dead ones named otherwise. ``corridor_loop_up{loop}`` carries the same to
Prometheus, where ``CorridorLoopDown`` alerts on it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from prometheus_client import CollectorRegistry, Gauge

RUNNING = "running"
STOPPED = "stopped"
CRASHED = "crashed"


@dataclass(frozen=True)
class LoopState:
    """One loop's state and, once it crashed, why."""

    state: str
    error: str | None = None

    @property
    def up(self) -> bool:
        """True while the loop runs."""
        return self.state == RUNNING


class LoopHealth:
    """The loops of one process (thread-safe: loops report from their own threads)."""

    def __init__(self, registry: CollectorRegistry | None, loops: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._states: dict[str, LoopState] = {}
        self._gauge = (
            Gauge(
                "corridor_loop_up",
                "1 while a processing loop of this process runs (Faust agent, poll loop, "
                "webhook thread), 0 once it stopped or crashed",
                ["loop"],
                registry=registry,
            )
            if registry is not None
            else None
        )
        for name in loops:
            self._set(name, LoopState(STOPPED))

    def running(self, name: str) -> None:
        """``name`` started (or restarted) and is processing."""
        self._set(name, LoopState(RUNNING))

    def stopped(self, name: str) -> None:
        """``name`` ended as asked (shutdown)."""
        self._set(name, LoopState(STOPPED))

    def crashed(self, name: str, error: BaseException | str) -> None:
        """``name`` ended on an error it could not handle."""
        text = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
        self._set(name, LoopState(CRASHED, text[:500]))

    def states(self) -> dict[str, LoopState]:
        """A copy of every loop's state, by name."""
        with self._lock:
            return dict(self._states)

    def healthy(self) -> bool:
        """True when at least one loop is registered and every one runs."""
        states = self.states()
        return bool(states) and all(s.up for s in states.values())

    def report(self) -> tuple[int, bytes]:
        """HTTP status and JSON body of ``/health``."""
        states = self.states()
        healthy = bool(states) and all(s.up for s in states.values())
        body = {
            "status": "ok" if healthy else "unhealthy",
            "loops": {
                name: {"state": s.state, **({"error": s.error} if s.error else {})}
                for name, s in sorted(states.items())
            },
        }
        return (200 if healthy else 503), json.dumps(body, sort_keys=True).encode()

    def _set(self, name: str, state: LoopState) -> None:
        with self._lock:
            self._states[name] = state
        if self._gauge is not None:
            self._gauge.labels(name).set(1 if state.up else 0)


WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def with_health(metrics_app: WsgiApp, health: LoopHealth) -> WsgiApp:
    """A WSGI app answering ``/health`` from ``health`` and the rest with ``metrics_app``."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") in ("/health", "/healthz"):
            status, body = health.report()
            reason = "OK" if status == 200 else "Service Unavailable"
            start_response(
                f"{status} {reason}",
                [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
            )
            return [body]
        return metrics_app(environ, start_response)

    return app
