"""The bench's report: a table per data set, CPU per alert of each process, the bottleneck."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from bench.pipeline import worker_metrics
from bench.pipeline.hub_runs import HubExtras
from bench.pipeline.micro import MicroRates
from bench.pipeline.results import RunResult, fmt, percentile, ratio

HUB_PREFIXES = ("worker", "delivery")
"""Process names that belong to the hub (the broker is counted apart)."""
SATURATED = 0.85
"""CPU share above which a process (of one core) or the machine (of all cores) is saturated."""
TARGETS = {
    "realistic burst alerts/s": 600.0,
    "worst burst alerts/s": 150.0,
    "steady p99 ms": 300.0,
    "broker ms/alert": 0.5,
    "hub ms/alert": 3.0,
}
"""Issue 14's targets on the 2-core machine."""


@dataclass
class DatasetReport:
    """Everything measured on one data set."""

    dataset: str
    micro: MicroRates | None = None
    hub: list[tuple[RunResult, HubExtras]] = field(default_factory=list)
    baselines: list[RunResult] = field(default_factory=list)


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


def ratios(pipeline: RunResult, base: RunResult) -> dict[str, float]:
    """Pipeline over bare: throughput, p50 and p99."""
    lat, base_lat = pipeline.latencies_ms(), base.latencies_ms()
    return {
        "throughput": ratio(pipeline.throughput, base.throughput),
        "p50": ratio(percentile(lat, 0.5), percentile(base_lat, 0.5)),
        "p99": ratio(percentile(lat, 0.99), percentile(base_lat, 0.99)),
    }


def ratio_text(pipeline: RunResult, base: RunResult) -> str:
    """One line of ratios pipeline/bare."""
    r = ratios(pipeline, base)
    return (
        f"pipeline/{base.name}: throughput {fmt(r['throughput'], 'x', 3)}, "
        f"p50 {fmt(r['p50'], 'x', 1)}, p99 {fmt(r['p99'], 'x', 1)}"
    )


def _row(label: str, result: RunResult, out: TextIO) -> None:
    s = result.summary()
    offered = fmt(float(s["offered_per_s"]), "/s") if result.name.endswith("steady") else "burst"
    print(
        f"{label:<28} {s['received']:>6}/{s['sent']:<6} "
        f"{fmt(float(s['throughput_per_s']), '/s'):>10} {offered:>10} "
        f"{fmt(float(s['p50_ms']), ' ms'):>11} {fmt(float(s['p99_ms']), ' ms'):>11} "
        f"{fmt(float(s['max_ms']), ' ms'):>11}",
        file=out,
    )


def _cpu_lines(result: RunResult, out: TextIO, jit_s: float | None = None) -> None:
    table = cpu_table(result)
    if not table:
        return
    shares = result.cpu_shares()
    parts = [
        f"{name} {ms:.2f}" + (f" ({100 * shares[name]:.0f}% of a core)" if name in shares else "")
        for name, ms in table.items()
    ]
    print(f"  CPU ms per alert, {result.name}: " + ", ".join(parts), file=out)
    print(f"    ({machine_text(result)})", file=out)
    if jit_s is not None and not math.isnan(jit_s) and result.received and "broker" in table:
        jit_ms = 1000.0 * jit_s / result.received
        print(
            f"    broker JIT compiler threads {jit_ms:.2f} ms/alert of the broker's "
            f"{table['broker']:.2f} (a fresh JVM compiling its hot paths); broker without "
            f"them {table['broker'] - jit_ms:.2f}",
            file=out,
        )


def _micro_lines(micro: MicroRates, out: TextIO) -> None:
    print(
        f"in-process rates over {micro.alerts} {micro.dataset} alerts: sign_alert "
        f"{fmt(micro.sign, '/s', 0)}, verify_alert {fmt(micro.verify, '/s', 0)}, "
        f"decode_single_object {fmt(micro.decode, '/s', 0)}, Ed25519 check "
        f"{fmt(micro.signature, '/s', 0)}, correlator add {fmt(micro.correlate, '/s', 0)} "
        f"({micro.incident_versions} incident versions, {micro.incidents} incidents, largest "
        f"{micro.largest_incident}, mean {micro.mean_incident:.1f} members)",
        file=out,
    )


def print_dataset(report: DatasetReport, out: TextIO) -> None:
    """The table and the CPU lines of one data set."""
    print(f"\n== data set: {report.dataset}", file=out)
    header = f"{'run':<28} {'received':>13} {'throughput':>10} {'offered':>10}"
    print(header + f" {'p50':>11} {'p99':>11} {'max':>11}", file=out)
    for result, _ in report.hub:
        _row(result.name, result, out)
    for result in report.baselines:
        _row(result.name, result, out)
    for result, extras in report.hub:
        print(f"\n{result.name}:", file=out)
        if result.failed_sends:
            print(f"  FAILED publishes (not acknowledged): {result.failed_sends}", file=out)
        if result.received < result.expected:
            where = ", ".join(f"{topic} {count}" for topic, count in extras.reached.items())
            print(f"  MISSING alerts: of {result.expected} published, reached {where}", file=out)
        if result.name.endswith("burst"):
            for base in report.baselines:
                print(f"  {ratio_text(result, base)}", file=out)
        lat = extras.broker_latencies_ms
        print(
            f"  inbox record timestamp - envelope produced_at (includes the wait between "
            f"pre-signing and publishing): p50 "
            f"{fmt(percentile(lat, 0.5), ' ms')}, p99 {fmt(percentile(lat, 0.99), ' ms')}",
            file=out,
        )
        for stage, spans in extras.stages_ms.items():
            print(
                f"  {stage:<30} p50 {fmt(percentile(spans, 0.5), ' ms'):>11}  "
                f"p99 {fmt(percentile(spans, 0.99), ' ms'):>11}",
                file=out,
            )
        for line in worker_metrics.lines(extras.stage_batches):
            print(f"  {line}", file=out)
        if extras.gc_pauses:
            print(f"  {extras.gc_pauses}", file=out)
        print(
            f"  incident versions published: {extras.incident_versions} (mean "
            f"{fmt(extras.incident_members_mean, ' members')}, "
            f"{fmt(extras.incident_bytes_mean / 1024, ' KiB')}); warm-up "
            f"{fmt(extras.warmup_s, ' s')}",
            file=out,
        )
        for path in extras.profiles:
            print(f"  py-spy profile: {path}", file=out)
        _cpu_lines(result, out, extras.broker_jit_s)
        print("  " + bottleneck(result, extras), file=out)
    for result in report.baselines:
        _cpu_lines(result, out)
    if report.micro is not None:
        _micro_lines(report.micro, out)


def target_lines(reports: Sequence[DatasetReport]) -> list[str]:
    """Each of issue 14's targets this run measured, with the figure and met / NOT met."""
    lines = []
    for report in reports:
        for result, _ in report.hub:
            cpu = cpu_table(result)
            label = f"{report.dataset}, {result.name}"
            if result.name.endswith("burst"):
                key = f"{report.dataset} burst alerts/s"
                if key in TARGETS:
                    lines.append(_target(key, result.throughput, at_least=True))
            if result.name.endswith("steady"):
                p99 = percentile(result.latencies_ms(), 0.99)
                lines.append(_target("steady p99 ms", p99, at_least=False, what=label))
            for key, name in (("broker ms/alert", "broker"), ("hub ms/alert", "hub total")):
                if name in cpu:
                    lines.append(_target(key, cpu[name], at_least=False, what=label))
    return lines


def _target(key: str, value: float, *, at_least: bool, what: str = "") -> str:
    goal = TARGETS[key]
    met = value >= goal if at_least else value <= goal
    sign = ">=" if at_least else "<="
    label = f"{key} ({what})" if what else key
    return f"  {label}: {fmt(value, '', 2)} (target {sign} {goal:g}) {'met' if met else 'NOT met'}"


def summary_json(reports: Sequence[DatasetReport]) -> dict[str, Any]:
    """The JSON line: every figure of every data set."""
    out: dict[str, Any] = {"cpus": os.cpu_count(), "datasets": {}}
    for report in reports:
        runs: dict[str, Any] = {}
        for result, extras in report.hub:
            runs[result.name] = {
                **result.summary(),
                "cpu_ms_per_alert": {k: round(v, 3) for k, v in cpu_table(result).items()},
                "broker_jit_ms_per_alert": round(1000.0 * extras.broker_jit_s / result.received, 3)
                if result.received and not math.isnan(extras.broker_jit_s)
                else None,
                "incident_versions": extras.incident_versions,
                "stages_p50_ms": {
                    s: round(percentile(v, 0.5), 1) for s, v in extras.stages_ms.items()
                },
            }
        bursts = [r for r, _ in report.hub if r.name.endswith("burst")]
        for result in report.baselines:
            runs[result.name] = {
                **result.summary(),
                "pipeline_over_bare": {k: round(v, 4) for k, v in ratios(bursts[0], result).items()}
                if bursts
                else None,
                "cpu_ms_per_record": {k: round(v, 3) for k, v in cpu_table(result).items()},
            }
        out["datasets"][report.dataset] = {
            "runs": runs,
            "micro": report.micro.as_dict() if report.micro else None,
        }
    return out
