"""Where the correlate stage's CPU goes per alert, by batch size and by incident size.

Runs :meth:`streams.correlation_stage.CorrelationStage.process_batch` in process (tables
are dicts, the hub key is generated) over two data sets and prints the CPU time per
alert of each part of the work:

* ``link``: indexing and scoring the new alert, re-scoring links (``Correlator._link``);
* ``cluster``: forming the coherent groups of the affected components (``clusters``);
* ``build``: assembling each changed incident's content (``build_incident``);
* ``digest``: the content digests that tell a change from a no-op (``content_digest``);
* ``sign``: encoding and signing each version (``sign_incident``) and its release;
* ``table``: the published-table write once a version is acknowledged;
* ``other``: the rest of ``process_batch`` (components, link maps, bookkeeping).

Then, for one alert at a time, the mean CPU time per alert by the size of the largest
incident it changed, and by the size of the largest linked component it touched (the
alerts joined by links, strong or weak, which are clustered into incidents together):
flat means the cost does not grow with size.

Data sets (as the pipeline bench builds them, without a broker): ``worst`` is
:func:`producers.scenarios.sample_datum` over five agencies (nearly every alert joins a
few huge incidents), ``realistic`` a simulated scenario. Times are CPU time of this
process. ``--compare-with REV`` also runs the same measurement on the project's code at
git revision ``REV`` (in a subprocess) and prints the ratios old/new.

Usage: ``python bench/correlation_stage_bench.py [--worst 600] [--realistic 2000]
[--batches 1,20,500] [--compare-with REV]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

PARTS = ("link", "cluster", "build", "digest", "sign", "table", "other")
SIZE_BUCKETS = (2, 10, 50, 200, 1000, 5000)
#: Fixed observation time of the worst-case alerts, so that every run sees the same data.
WORST_NOW = dt.datetime(2026, 11, 2, tzinfo=dt.UTC)
AGENCIES = tuple(f"PUB-{i:02d}" for i in range(1, 6))


class PartTimer:
    """CPU seconds spent in wrapped callables, by part; nested parts are not counted twice."""

    def __init__(self) -> None:
        self.seconds = dict.fromkeys(PARTS, 0.0)
        self._active: str | None = None
        self.largest_component = 0
        """Nodes of the largest component clustered since last reset."""

    def clustered(self, function: Callable[..., Any]) -> Callable[..., Any]:
        """Note the size of each component ``function`` (``clusters``) is given."""

        def noted(nodes: Any, *args: Any, **kwargs: Any) -> Any:
            self.largest_component = max(self.largest_component, len(nodes))
            return function(nodes, *args, **kwargs)

        return noted

    def wrap(self, part: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            if self._active is not None:
                return function(*args, **kwargs)
            self._active = part
            started = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[part] += time.process_time() - started
                self._active = None

        return timed


@contextmanager
def instrumented(timer: PartTimer) -> Iterator[None]:
    """Wrap the stage's parts (whichever of them this version of the code has)."""
    import streams.correlation_stage as stage_module
    import streams.correlator as correlator_module

    patches: list[tuple[Any, str, Any]] = []

    def patch(owner: Any, name: str, wrap: Callable[[Callable[..., Any]], Any]) -> None:
        if hasattr(owner, name):
            original = getattr(owner, name)
            patches.append((owner, name, original))
            setattr(owner, name, wrap(original))

    def part(name: str) -> Callable[[Callable[..., Any]], Any]:
        return lambda function: timer.wrap(name, function)

    patch(correlator_module.Correlator, "_link", part("link"))
    patch(correlator_module, "clusters", timer.clustered)
    patch(correlator_module, "clusters", part("cluster"))
    patch(correlator_module, "build_incident", part("build"))
    patch(correlator_module, "content_digest", part("digest"))
    patch(stage_module, "content_digest", part("digest"))
    patch(stage_module, "sign_incident", part("sign"))
    patch(stage_module.CorrelationStage, "_release", part("sign"))
    patch(stage_module.CorrelationStage, "published", part("table"))
    try:
        yield
    finally:
        for owner, name, original in reversed(patches):
            setattr(owner, name, original)


def worst_features() -> Callable[[int], list[bytes]]:
    from producers.scenarios import sample_datum
    from streams.features import features_of

    def make(count: int) -> list[bytes]:
        return [
            features_of(sample_datum(AGENCIES[i % len(AGENCIES)], i + 1, now=WORST_NOW)).to_json()
            for i in range(count)
        ]

    return make


def realistic_features(count: int, seed: int = 7) -> list[bytes]:
    """A simulated scenario's distinct alerts in arrival order (about ``count``)."""
    from producers.simulation import simulate
    from schemas.catalog import alert_schema
    from schemas.json_mapping import from_json
    from streams.features import features_of

    units = count / 2.0
    scenario = simulate(
        seed, difficulty=0.5, operations=round(units * 0.4), decoys=round(units * 0.6)
    )
    schema = alert_schema().schema
    seen: dict[str, bytes] = {}
    for alert in scenario.alerts:
        if alert.key not in seen:
            seen[alert.key] = features_of(from_json(schema, alert.document)).to_json()
    return list(seen.values())[:count]


def new_stage() -> Any:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from schemas.topics import TopicNames
    from streams.correlation_stage import CorrelationStage
    from streams.correlator import Correlator

    return CorrelationStage(
        Correlator(),
        {},
        {},
        hub_id="HUB",
        hub_key=Ed25519PrivateKey.from_private_bytes(bytes(32)),
        topics=TopicNames("bench"),
        retention_ms=10**15,
    )


def run(raw: list[bytes], batch_size: int) -> dict[str, Any]:
    """Time every part over ``raw`` in batches of ``batch_size``."""
    from streams.features import AlertFeatures
    from streams.incidents import content_digest

    stage = new_stage()
    timer = PartTimer()
    by_size: dict[int, list[float]] = {}
    by_component: dict[int, list[float]] = {}
    versions = 0
    total = 0.0
    with instrumented(timer):
        for start in range(0, len(raw), batch_size):
            chunk = raw[start : start + batch_size]
            batch = [(AlertFeatures.from_json(r), r) for r in chunk]
            timer.largest_component = 0
            started = time.process_time()
            publications = stage.process_batch(batch)
            for publication in publications:
                stage.published(publication)
            spent = time.process_time() - started
            total += spent
            versions += len(publications)
            largest = max((len(p.incident["members"]) for p in publications), default=0)
            by_size.setdefault(_bucket(largest), []).append(spent / len(chunk))
            by_component.setdefault(_bucket(timer.largest_component), []).append(spent / len(chunk))
    timer.seconds["other"] = max(0.0, total - sum(v for k, v in timer.seconds.items()))
    sizes = [len(i["members"]) for i in stage.correlator.active_incidents()]
    return {
        "alerts": len(raw),
        "batch": batch_size,
        "total_ms_per_alert": 1000 * total / len(raw),
        "parts_ms_per_alert": {k: 1000 * v / len(raw) for k, v in timer.seconds.items()},
        "by_size_ms_per_alert": _means(by_size),
        "by_component_ms_per_alert": _means(by_component),
        "versions": versions,
        "largest": max(sizes, default=0),
        "incidents": len(sizes),
        "final": sorted(
            [i["incident_id"], i["version"], content_digest(i)]
            for i in stage.correlator.incidents()
        ),
    }


def _bucket(size: int) -> int:
    return next((b for b in SIZE_BUCKETS if size <= b), SIZE_BUCKETS[-1] + 1)


def _means(times: dict[int, list[float]]) -> dict[str, list[float]]:
    """Per size bucket: mean ms per alert and the number of batches."""
    return {str(b): [1000 * sum(v) / len(v), len(v)] for b, v in sorted(times.items())}


def measure(worst: int, realistic: int, batches: list[int]) -> list[dict[str, Any]]:
    data = {"worst": worst_features()(worst), "realistic": realistic_features(realistic)}
    results = []
    for name, raw in data.items():
        for batch in batches:
            results.append({"dataset": name, **run(raw, batch)})
    return results


def _baseline(revision: str, args: argparse.Namespace) -> list[dict[str, Any]]:
    """The same measurement on the code at ``revision`` (a git export, in a subprocess)."""
    root = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(
            ["git", "-C", str(root), "archive", revision], capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        argv = [sys.executable, __file__, "--code-root", tmp, "--json"]
        argv += ["--worst", str(args.worst), "--realistic", str(args.realistic)]
        argv += ["--batches", args.batches]
        done = subprocess.run(argv, capture_output=True, text=True, check=True)
    results: list[dict[str, Any]] = json.loads(done.stdout)
    return results


def print_results(results: list[dict[str, Any]], label: str) -> None:
    print(f"\n== {label}: CPU ms per alert of process_batch ==")
    print(f"{'data':10} {'batch':>5} {'total':>8} " + " ".join(f"{p:>8}" for p in PARTS))
    for r in results:
        parts = " ".join(f"{r['parts_ms_per_alert'][p]:8.3f}" for p in PARTS)
        print(
            f"{r['dataset']:10} {r['batch']:5d} {r['total_ms_per_alert']:8.3f} {parts}"
            f"   ({r['alerts']} alerts, {r['versions']} versions, "
            f"{r['incidents']} incidents, largest {r['largest']})"
        )
    for key, what in (
        ("by_size_ms_per_alert", "largest incident changed"),
        ("by_component_ms_per_alert", "largest linked component clustered"),
    ):
        print(f"\n-- {label}: ms per alert (batches) by {what}, batch 1 --")
        for r in results:
            if r["batch"] == 1 and key in r:
                cells = ", ".join(f"<={b}: {ms:.2f} ({n})" for b, (ms, n) in r[key].items())
                print(f"{r['dataset']:10} {cells}")


def print_ratios(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> None:
    print("\n== old / new CPU per alert (same run) ==")
    for o, n in zip(old, new, strict=True):
        same = (
            "same final ids, versions and content digests"
            if o["final"] == n["final"]
            else "FINAL INCIDENTS DIFFER"
        )
        before, after = o["total_ms_per_alert"], n["total_ms_per_alert"]
        print(
            f"{n['dataset']:10} batch {n['batch']:4d}: {before:8.3f} -> {after:8.3f} ms = "
            f"x{before / max(1e-9, after):.1f} faster; versions {o['versions']} -> "
            f"{n['versions']}; {same}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--worst", type=int, default=600, help="worst-case alerts (600)")
    parser.add_argument("--realistic", type=int, default=2000, help="realistic alerts (2000)")
    parser.add_argument("--batches", default="1,20,500", help="batch sizes (1,20,500)")
    parser.add_argument("--compare-with", metavar="REV", help="also measure git revision REV")
    parser.add_argument("--code-root", help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    root = args.code_root or str(Path(__file__).resolve().parent.parent)
    sys.path.insert(0, root)
    batches = [int(b) for b in args.batches.split(",")]
    if args.compare_with:
        old = _baseline(args.compare_with, args)
        print_results(old, f"at {args.compare_with}")
    results = measure(args.worst, args.realistic, batches)
    if args.json:
        print(json.dumps(results))
        return 0
    print_results(results, "this tree")
    if args.compare_with:
        print_ratios(old, results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
