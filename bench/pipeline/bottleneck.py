"""CPU per alert of each process, the CPU ceilings it implies, the bottleneck named from them."""

from __future__ import annotations

import math
import os

from bench.pipeline.hub_runs import HubExtras
from bench.pipeline.results import RunResult, percentile

HUB_PREFIXES = ("worker", "delivery")
"""Process names that belong to the hub (the broker is counted apart)."""
SATURATED = 0.85
"""CPU share above which a process (of one core) or the machine (of all cores) is saturated."""


def is_hub(name: str) -> bool:
    """Whether a process of the CPU table is one of the hub's (not broker, not bench)."""
    return name.startswith(HUB_PREFIXES)


def cpu_table(result: RunResult) -> dict[str, float]:
    """CPU ms per arrived alert of each process, plus the hub's and the hub+broker's sums."""
    per = result.cpu_ms_per_record()
    if not per:
        return {}
    table = dict(per)
    if any(is_hub(name) for name in per):
        hub = sum(v for name, v in per.items() if is_hub(name))
        table["hub total"] = hub
        if "broker" in per:
            table["hub + broker"] = hub + per["broker"]
    return table


def machine_text(result: RunResult) -> str:
    """How busy all cores were in the window, and how much of it was not our processes."""
    if math.isnan(result.machine_busy_s) or not result.cpu_interval_s > 0:
        return "machine load unknown"
    cpus = os.cpu_count() or 1
    busy = result.machine_busy_s / result.cpu_interval_s
    others = max(0.0, busy - sum(result.cpu_shares().values()))
    return (
        f"machine {100 * busy / cpus:.0f}% busy of {cpus} cores, other processes "
        f"{100 * others:.0f}% of a core"
    )


def ceilings(result: RunResult) -> dict[str, float]:
    """Alerts/s each limit allows at the measured CPU cost per alert, whatever else runs.

    A hub process does its Python work on one thread, so it caps at 1000 / (its ms per
    alert); the hub and the broker together cap at cores * 1000 / (their ms per alert).
    """
    per = result.cpu_ms_per_record()
    caps = {f"{name} (one core)": 1000.0 / ms for name, ms in per.items() if is_hub(name) and ms}
    shared = sum(ms for name, ms in per.items() if is_hub(name) or name == "broker")
    if shared:
        cpus = os.cpu_count() or 1
        caps[f"hub + broker ({cpus} cores)"] = cpus * 1000.0 / shared
    return caps


def ceiling_text(result: RunResult) -> str:
    """The CPU ceilings and the lowest of them: the bottleneck on a machine of our own."""
    caps = ceilings(result)
    if not caps:
        return ""
    lowest = min(caps, key=lambda name: caps[name])
    listed = ", ".join(f"{name} {caps[name]:,.0f}/s" for name in caps)
    return f"CPU ceilings at these costs: {listed}; lowest: {lowest}."


def bottleneck(result: RunResult, extras: HubExtras) -> str:
    """Name the limiting process from the CPU figures, and the CPU ceilings they imply."""
    if not result.received or math.isnan(result.window_s):
        return "Bottleneck: unknown (no alert arrived)."
    head = _bottleneck_now(result, extras)
    ceiling = ceiling_text(result)
    return f"{head}\n  {ceiling}" if ceiling else head


def _bottleneck_now(result: RunResult, extras: HubExtras) -> str:
    """What limited this run: a saturated process, the machine, or waiting."""
    cpus = os.cpu_count() or 1
    shares = result.cpu_shares()
    per = result.cpu_ms_per_record()
    total = sum(shares.values())
    costliest = max(per, key=lambda name: per[name])
    cost_text = (
        f"largest CPU cost per alert: {costliest} {per[costliest]:.2f} ms of "
        f"{sum(per.values()):.2f} ms in all processes"
    )
    share_text = ", ".join(f"{name} {100 * share:.0f}%" for name, share in shares.items())
    busy_one_core = [n for n in shares if is_hub(n) and shares[n] >= SATURATED]
    machine_busy = (
        result.machine_busy_s / result.cpu_interval_s
        if not math.isnan(result.machine_busy_s) and result.cpu_interval_s > 0
        else 0.0
    )
    if busy_one_core:
        name = max(busy_one_core, key=lambda n: shares[n])
        return (
            f"Bottleneck: {name} is CPU-bound ({100 * shares[name]:.0f}% of one core; its Python "
            f"work runs on one thread); {cost_text}."
        )
    if max(total, machine_busy) >= SATURATED * cpus:
        return (
            f"Bottleneck: the machine's {cpus} cores ({machine_text(result)}; ours: {share_text}); "
            f"processes compete for CPU, {cost_text}."
        )
    stage_p50 = {s: percentile(v, 0.5) for s, v in extras.stages_ms.items() if v}
    if stage_p50:
        slowest = max(stage_p50, key=lambda s: stage_p50[s])
        return (
            f"Bottleneck: not CPU ({share_text}; {100 * total:.0f}% of {cpus} cores): alerts "
            f"wait, longest in {slowest} (p50 {stage_p50[slowest]:,.0f} ms); {cost_text}."
        )
    return f"Bottleneck: not CPU ({share_text}); {cost_text}."
