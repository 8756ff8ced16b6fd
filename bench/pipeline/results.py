"""What one measured run produced: send and arrival times, CPU used; percentiles and rates."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field


def now_ms() -> float:
    """Wall-clock milliseconds (the clock Kafka record timestamps use)."""
    return time.time() * 1000.0


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of ``values`` (``q`` in 0..1); NaN when empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def rate(count: int, seconds: float) -> float:
    """``count / seconds``, NaN for an empty interval."""
    return count / seconds if seconds > 0 else math.nan


def ratio(a: float, b: float) -> float:
    """``a / b``, NaN when undefined."""
    return a / b if b and not (math.isnan(a) or math.isnan(b)) else math.nan


def fmt(value: float, unit: str = "", digits: int = 1) -> str:
    """A number with its unit, or 'n/a'."""
    return "n/a" if math.isnan(value) else f"{value:,.{digits}f}{unit}"


@dataclass(frozen=True)
class Arrival:
    """A record seen by the bench's consumer."""

    received_ms: float
    """Bench clock when ``poll`` returned it."""
    timestamp_ms: int
    """The record's own timestamp (CreateTime set by whoever produced it)."""
    value: bytes
    """Its value, for figures read from the envelope."""


@dataclass
class RunResult:
    """One end-to-end measurement: what was sent when, what arrived when, CPU used."""

    name: str
    """Label in the report (``pipeline burst``, ``bare kafka`` ...)."""
    expected: int
    """Records the run meant to send."""
    sends_ms: dict[bytes, float] = field(default_factory=dict)
    """Bench clock at ``send()`` of each record, by key."""
    arrivals: dict[bytes, Arrival] = field(default_factory=dict)
    """Arrivals on the watched topic, by key."""
    cpu: dict[str, float] = field(default_factory=dict)
    """CPU seconds used by each process during the timed window."""
    window_s: float = math.nan
    """Wall-clock seconds of the timed window (first send to last arrival)."""
    send_span_s: float = math.nan
    """Seconds from the first to the last send (the offered load's duration)."""
    failed_sends: int = 0
    """Sends the broker did not acknowledge."""
    machine_busy_s: float = math.nan
    """Busy CPU seconds of all cores while CPU was measured, every process on the machine."""
    cpu_interval_s: float = math.nan
    """Seconds between the two CPU samples (the window, plus any wait for missing records)."""

    def set_cpu(self, used: dict[str, float], machine_key: str, interval_s: float) -> None:
        """Take a probe's CPU figures over ``interval_s``: per process, the machine's apart."""
        self.cpu = {name: s for name, s in used.items() if name != machine_key}
        self.machine_busy_s = used.get(machine_key, math.nan)
        self.cpu_interval_s = interval_s

    def cpu_shares(self) -> dict[str, float]:
        """CPU used by each process while measured, as a fraction of one core."""
        if not self.cpu_interval_s > 0:
            return {}
        return {name: used / self.cpu_interval_s for name, used in self.cpu.items()}

    @property
    def received(self) -> int:
        """Measured records that arrived."""
        return sum(1 for key in self.sends_ms if key in self.arrivals)

    def latencies_ms(self) -> list[float]:
        """Receive time minus send time of every measured record that arrived."""
        return [
            self.arrivals[key].received_ms - sent
            for key, sent in self.sends_ms.items()
            if key in self.arrivals
        ]

    @property
    def throughput(self) -> float:
        """Records per second from the first send to the last arrival."""
        return rate(self.received, self.window_s)

    @property
    def send_rate(self) -> float:
        """Records per second actually offered (first to last send)."""
        return (
            rate(len(self.sends_ms) - 1, self.send_span_s) if len(self.sends_ms) > 1 else math.nan
        )

    def cpu_ms_per_record(self) -> dict[str, float]:
        """CPU milliseconds per arrived record of each process."""
        if not self.received:
            return {}
        return {name: 1000.0 * used / self.received for name, used in self.cpu.items()}

    def summary(self) -> dict[str, float | int]:
        """Figures for the table and the JSON line."""
        lat = self.latencies_ms()
        return {
            "sent": len(self.sends_ms),
            "received": self.received,
            "failed_sends": self.failed_sends,
            "throughput_per_s": round(self.throughput, 1),
            "offered_per_s": round(self.send_rate, 1),
            "p50_ms": round(percentile(lat, 0.50), 1),
            "p99_ms": round(percentile(lat, 0.99), 1),
            "max_ms": round(max(lat, default=math.nan), 1),
            "window_s": round(self.window_s, 3),
        }

    def close_window(self) -> None:
        """Set the window and send span from the recorded times."""
        if not self.sends_ms:
            return
        first, last = min(self.sends_ms.values()), max(self.sends_ms.values())
        self.send_span_s = (last - first) / 1000.0
        arrived = [self.arrivals[k].received_ms for k in self.sends_ms if k in self.arrivals]
        if arrived:
            self.window_s = (max(arrived) - first) / 1000.0
