"""The bench's report: a table per data set, CPU per alert of each process, the bottleneck."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from bench.pipeline import worker_metrics
from bench.pipeline.bottleneck import bottleneck, cpu_table, machine_text
from bench.pipeline.hub_runs import HubExtras
from bench.pipeline.micro import MicroRates
from bench.pipeline.results import RunResult, fmt, percentile, ratio


@dataclass
class DatasetReport:
    """Everything measured on one data set."""

    dataset: str
    micro: MicroRates | None = None
    hub: list[tuple[RunResult, HubExtras]] = field(default_factory=list)
    baselines: list[RunResult] = field(default_factory=list)


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
