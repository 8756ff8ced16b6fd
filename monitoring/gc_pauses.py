"""Garbage-collection pauses of a Python service, as a Prometheus histogram.

A collection stops every thread of the process while it runs; a full (generation 2) one
walks every tracked object, so its pause grows with the state a service holds (the
correlator's alerts, say) and shows up as a latency spike no stage accounts for.
"""

from __future__ import annotations

import gc
import time
from typing import Any

from prometheus_client import CollectorRegistry, Gauge, Histogram

PAUSE_BUCKETS = (0.0001, 0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)


class GcPauses:
    """Times each collection of this process into ``corridor_gc_pause_seconds{generation}``."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.histogram = Histogram(
            "corridor_gc_pause_seconds",
            "Time the process stood still in each garbage collection, by generation (2: full)",
            ["generation"],
            buckets=PAUSE_BUCKETS,
            registry=registry,
        )
        frozen = Gauge(
            "corridor_gc_frozen_objects",
            "Objects in the collector's permanent generation, which full collections skip "
            "(the streams worker freezes its survivors every --gc-freeze-interval seconds)",
            registry=registry,
        )
        frozen.set_function(gc.get_freeze_count)
        self._started = 0.0

    def install(self) -> None:
        """Start timing this process's collections."""
        if self._callback not in gc.callbacks:
            gc.callbacks.append(self._callback)

    def uninstall(self) -> None:
        """Stop timing them."""
        if self._callback in gc.callbacks:
            gc.callbacks.remove(self._callback)

    def _callback(self, phase: str, info: dict[str, Any]) -> None:
        # Collections run under the interpreter lock, one at a time: start and stop pair up.
        if phase == "start":
            self._started = time.perf_counter()
        else:
            pause = time.perf_counter() - self._started
            self.histogram.labels(str(info.get("generation", "?"))).observe(pause)
