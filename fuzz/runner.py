"""``python -m fuzz``: run every target in worker processes, watch for hangs, print the figures.

Each target runs in its own process, in chunks that report back as they finish. A
worker whose current input has not finished within ``--kill-seconds`` is killed: that
input is a hang (saved, like any input over ``--hang-seconds``), and the target goes on
from the next input in a new worker. Exit status: 0 when no target crashed or hung,
1 otherwise, 2 for a usage error.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import queue
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fuzz.engine import (
    TARGET_ORDER,
    Finding,
    Stats,
    check_one,
    fuzz_range,
    input_rng,
    reproduce_command,
    save_finding,
)
from fuzz.targets import targets

DEFAULT_INPUTS = 1_000_000
CHUNK = 5_000
_POLL_S = 0.2


@dataclass
class _Job:
    """A worker process running inputs ``start`` to ``end - 1`` of one target."""

    target: str
    start: int
    end: int
    process: Any
    progress: Any
    seen: int
    since: float


def _worker(target: str, seed: int, start: int, end: int, args: dict[str, Any], out: Any) -> None:
    """Run in a child: report a :class:`Stats` per chunk, then ``None`` when done."""
    progress = args["progress"]
    chosen = targets()[target]

    def at(index: int) -> None:
        progress.value = index

    for chunk_start in range(start, end, CHUNK):
        count = min(CHUNK, end - chunk_start)
        stats = fuzz_range(
            chosen,
            seed,
            chunk_start,
            count,
            hang_s=args["hang_s"],
            out=args["out"],
            progress=at,
        )
        out.put((target, start, stats))
    out.put((target, start, None))


def _spawn(context: Any, target: str, start: int, end: int, options: dict[str, Any]) -> _Job:
    progress = context.RawValue("q", start)
    args = {"progress": progress, "hang_s": options["hang_s"], "out": options["out"]}
    process = context.Process(
        target=_worker,
        args=(target, options["seed"], start, end, args, options["results"]),
        daemon=True,
    )
    process.start()
    return _Job(target, start, end, process, progress, start, time.monotonic())


def run(
    names: list[str], per_target: int, seed: int, jobs: int, options: dict[str, Any]
) -> dict[str, Stats]:
    """Fuzz ``names`` with ``per_target`` inputs each, ``jobs`` workers at a time."""
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    options = {**options, "seed": seed, "results": results}
    built = targets()
    stats = {name: Stats(name) for name in names}
    pending = [(name, 0, per_target) for name in names]
    running: dict[tuple[str, int], _Job] = {}
    while pending or running:
        while pending and len(running) < jobs:
            name, start, end = pending.pop(0)
            if start < end:
                running[(name, start)] = _spawn(context, name, start, end, options)
        try:
            name, start, chunk = results.get(timeout=_POLL_S)
            if chunk is None:
                running.pop((name, start)).process.join()
            else:
                stats[name].merge(chunk)
                job = running.get((name, start))
                if job is not None:
                    job.since = time.monotonic()
            continue
        except queue.Empty:
            pass
        now = time.monotonic()
        for key, job in list(running.items()):
            index = job.progress.value
            died = not job.process.is_alive()
            if died and results.empty():
                # Killed by a signal (a segfault in C code) or failed in the harness.
                del running[key]
                why = f"worker died (exit code {job.process.exitcode})"
                _record_lost(built[job.target], stats[job.target], seed, job, options, why)
                pending.append((job.target, index + 1, job.end))
            elif index != job.seen:
                job.seen, job.since = index, now
            elif now - job.since > options["kill_s"]:
                job.process.kill()
                job.process.join()
                del running[key]
                why = f"killed after {now - job.since:.1f} s"
                _record_lost(built[job.target], stats[job.target], seed, job, options, why)
                pending.append((job.target, index + 1, job.end))
    return stats


def _record_lost(
    target: Any, stats: Stats, seed: int, job: _Job, options: dict[str, Any], why: str
) -> None:
    """Count the input a worker was lost on, as a hang (killed) or a crash (it died).

    The inputs its chunk had checked before are counted, but not classified.
    """
    index = job.progress.value
    kind = "hang" if why.startswith("killed") else "crash"
    saved = save_finding(options["out"], target, seed, index, kind, {"error": why})
    if kind == "hang":
        stats.hangs.append(Finding(kind, index, why, saved))
        stats.hang_count += 1
    else:
        stats.crashes.append(Finding(kind, index, why, saved))
        stats.crash_count += 1
    stats.inputs += 1 + (index - job.start) % CHUNK


def report(stats: dict[str, Stats], seed: int) -> bool:
    """Print the figures of every target; True when nothing crashed or hung."""
    clean = True
    for result in stats.values():
        rate = result.inputs / result.elapsed_s if result.elapsed_s else 0.0
        print(f"== {result.target}")
        print(
            f"   inputs {result.inputs:,}  accepted {result.accepted:,}  "
            f"crashes {result.crash_count}  hangs {result.hang_count}  "
            f"{rate:,.0f} inputs/s"
        )
        print(
            f"   slowest input #{result.slowest_index}: {result.slowest_s * 1000:.1f} ms "
            f"({reproduce_command(result.target, seed, result.slowest_index)})"
        )
        for reason, count in sorted(result.rejected.items(), key=lambda item: -item[1]):
            print(f"   rejected {reason:<24} {count:>10,}")
        for finding in result.crashes + result.hangs:
            clean = False
            print(f"   {finding.kind.upper()} #{finding.index}: {finding.summary}")
            print(f"      saved: {finding.file}")
            print(f"      reproduce: {reproduce_command(result.target, seed, finding.index)}")
        clean = clean and result.crash_count == 0 and result.hang_count == 0
    total = sum(s.inputs for s in stats.values())
    print(f"== total: {total:,} inputs, {'no crash, no hang' if clean else 'FINDINGS above'}")
    return clean


def replay(target_name: str, seed: int, index: int) -> int:
    """Run one input again in this process, showing its outcome or traceback."""
    target = targets()[target_name]
    case = target.generate(input_rng(seed, target_name, index))
    started = time.perf_counter()
    try:
        outcome = check_one(target, case)
    except Exception:
        traceback.print_exc()
        return 1
    print(f"{target_name} #{index}: {outcome} in {(time.perf_counter() - started) * 1000:.1f} ms")
    return 0


def main(argv: list[str] | None = None) -> int:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m fuzz", description=__doc__)
    parser.add_argument(
        "--inputs",
        type=int,
        default=int(os.environ.get("FUZZ_INPUTS", DEFAULT_INPUTS)),
        help="inputs in total, shared equally by the targets",
    )
    parser.add_argument(
        "--target", action="append", choices=TARGET_ORDER, help="only this target (repeatable)"
    )
    parser.add_argument("--seed", type=int, default=int(os.environ.get("FUZZ_SEED", 1)))
    parser.add_argument("--jobs", type=int, default=int(os.environ.get("FUZZ_JOBS", 2)))
    parser.add_argument(
        "--hang-seconds", type=float, default=1.0, help="an input slower than this is a hang"
    )
    parser.add_argument(
        "--kill-seconds",
        type=float,
        default=10.0,
        help="a worker stuck this long on one input is killed",
    )
    parser.add_argument(
        "--out", type=Path, default=Path("fuzz-findings"), help="where crashes and hangs are saved"
    )
    parser.add_argument(
        "--replay", type=int, metavar="INDEX", help="run input INDEX of --target again"
    )
    args = parser.parse_args(argv)
    names = args.target or list(TARGET_ORDER)
    if args.replay is not None:
        if len(names) != 1:
            parser.error("--replay needs exactly one --target")
        return replay(names[0], args.seed, args.replay)
    if args.inputs < 1 or args.jobs < 1:
        parser.error("--inputs and --jobs must be positive")
    per_target = -(-args.inputs // len(names))
    print(f"fuzzing {', '.join(names)}: {per_target:,} inputs each, seed {args.seed}")
    options = {"hang_s": args.hang_seconds, "kill_s": args.kill_seconds, "out": args.out}
    stats = run(names, per_target, args.seed, args.jobs, options)
    return 0 if report(stats, args.seed) else 1


if __name__ == "__main__":
    sys.exit(main())
