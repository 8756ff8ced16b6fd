"""bench/pipeline/bottleneck.py: CPU per alert, the hub's sum, and the bottleneck named from it."""

from __future__ import annotations

import os

import pytest

from bench.pipeline.bottleneck import bottleneck, ceilings, cpu_table
from bench.pipeline.hub_runs import HubExtras
from bench.pipeline.results import Arrival, RunResult, percentile


def run(cpu: dict[str, float], *, seconds: float = 10.0, machine: float = 1.0) -> RunResult:
    """100 alerts sent at t=0 and received over ``seconds``, with the CPU figures given."""
    result = RunResult("pipeline 1w burst", 100)
    for i in range(100):
        key = f"k{i}".encode()
        result.sends_ms[key] = 0.0
        result.arrivals[key] = Arrival(
            received_ms=(i + 1) * seconds * 10.0, timestamp_ms=0, value=b""
        )
    result.close_window()
    result.set_cpu({**cpu, "(machine)": machine}, "(machine)", seconds)
    return result


def test_cpu_table_sums_the_hub_apart_from_the_broker() -> None:
    table = cpu_table(run({"worker-1": 1.0, "worker-2": 0.5, "delivery": 0.25, "broker": 0.2}))
    assert table["worker-1"] == pytest.approx(10.0)
    assert table["hub total"] == pytest.approx(17.5)
    assert table["hub + broker"] == pytest.approx(19.5)
    assert "hub total" not in cpu_table(run({"broker": 0.2, "bench": 0.1}))


def test_a_saturated_worker_is_the_bottleneck() -> None:
    text = bottleneck(
        run({"worker-1": 9.5, "delivery": 3.0, "broker": 2.0}, machine=15.0), HubExtras()
    )
    assert text.startswith("Bottleneck: worker-1 is CPU-bound (95% of one core")
    assert "largest CPU cost per alert: worker-1 95.00 ms" in text


def test_a_busy_machine_is_named_when_no_process_is_saturated() -> None:
    all_cores_busy = 0.95 * (os.cpu_count() or 1) * 10.0
    text = bottleneck(run({"worker-1": 4.0, "delivery": 3.0}, machine=all_cores_busy), HubExtras())
    assert text.startswith("Bottleneck: the machine's")


def test_otherwise_the_slowest_stage_is_named() -> None:
    extras = HubExtras(stages_ms={"publish -> verified (verify)": [5.0], "dedupe": [900.0]})
    text = bottleneck(run({"worker-1": 1.0, "delivery": 1.0}, machine=2.5), extras)
    assert text.startswith("Bottleneck: not CPU")
    assert "longest in dedupe (p50 900 ms)" in text


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.5) == 50.0
    assert percentile(values, 0.99) == 99.0
    assert percentile([], 0.5) != percentile([], 0.5)  # NaN


def test_ceilings_name_the_lowest_cpu_limit() -> None:
    cpus = os.cpu_count() or 1
    result = run({"worker-1": 2.0, "delivery": 1.0, "broker": 1.0, "bench": 5.0})
    caps = ceilings(result)  # 20, 10 and 10 ms per alert
    assert caps["worker-1 (one core)"] == pytest.approx(50.0)
    assert caps["delivery (one core)"] == pytest.approx(100.0)
    assert caps[f"hub + broker ({cpus} cores)"] == pytest.approx(cpus * 1000.0 / 40.0)
    text = bottleneck(result, HubExtras())
    lowest = min(caps, key=lambda name: caps[name])
    assert text.endswith(f"lowest: {lowest}.")
