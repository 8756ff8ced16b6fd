"""The fuzz loop of one target in this process: generate, check, time, count, save findings.

Input ``i`` of a target is a pure function of (seed, target, i): its random generator is
seeded with those, so any finding is reproduced with ``python -m fuzz --target T --seed S
--replay I`` and no corpus has to be kept.
"""

from __future__ import annotations

import json
import random
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fuzz.targets import ACCEPTED, Target

#: Order of the targets: part of an input's seed, never reordered (findings stay reproducible).
TARGET_ORDER = ("envelope", "verifier", "json", "registry")
#: Distinct crash signatures saved per run and target (the rest are only counted).
MAX_SAVED = 20
#: Findings listed per run and target (the rest are only counted).
MAX_LISTED = 100


class UnknownReason(Exception):
    """A rejection carried a reason code outside the parser's published set."""


def input_rng(seed: int, target: str, index: int) -> random.Random:
    """The random generator of input ``index`` of ``target`` in a run seeded ``seed``."""
    return random.Random((seed << 40) + (TARGET_ORDER.index(target) << 36) + index)


def reproduce_command(target: str, seed: int, index: int) -> str:
    """The command that runs one input again, with its traceback."""
    return f"python -m fuzz --target {target} --seed {seed} --replay {index}"


@dataclass
class Finding:
    """A crash or a hang."""

    kind: str
    """``crash`` or ``hang``."""
    index: int
    """The input's index."""
    summary: str
    """The exception (type: message) or the time taken."""
    file: str | None = None
    """Where its input and traceback were saved."""


@dataclass
class Stats:
    """What one target's run found."""

    target: str
    """The target's name."""
    inputs: int = 0
    """Inputs checked."""
    accepted: int = 0
    """Inputs the parser accepted."""
    rejected: Counter[str] = field(default_factory=Counter)
    """Rejections by reason code."""
    crash_count: int = 0
    """Inputs that raised something other than a reasoned rejection."""
    hang_count: int = 0
    """Inputs that took longer than the per-input bound (or never finished)."""
    crashes: list[Finding] = field(default_factory=list)
    """The first :data:`MAX_LISTED` crashes."""
    hangs: list[Finding] = field(default_factory=list)
    """The first :data:`MAX_LISTED` hangs."""
    slowest_index: int = -1
    """The slowest input's index."""
    slowest_s: float = 0.0
    """How long it took (seconds)."""
    elapsed_s: float = 0.0
    """Wall-clock time of the run (seconds)."""

    def merge(self, other: Stats) -> None:
        """Add ``other`` (a later part of the same target's run) to these figures."""
        self.inputs += other.inputs
        self.accepted += other.accepted
        self.rejected.update(other.rejected)
        self.crash_count += other.crash_count
        self.hang_count += other.hang_count
        self.crashes = (self.crashes + other.crashes)[:MAX_LISTED]
        self.hangs = (self.hangs + other.hangs)[:MAX_LISTED]
        if other.slowest_s > self.slowest_s:
            self.slowest_s, self.slowest_index = other.slowest_s, other.slowest_index
        self.elapsed_s += other.elapsed_s


def save_finding(
    out: Path | None, target: Target, seed: int, index: int, kind: str, detail: dict[str, Any]
) -> str | None:
    """Write a finding's input and details to ``out`` (None: not saved); returns the file."""
    if out is None:
        return None
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{target.name}-{kind}-{seed}-{index}.json"
    rng = input_rng(seed, target.name, index)
    document = {
        "target": target.name,
        "kind": kind,
        "seed": seed,
        "index": index,
        "reproduce": reproduce_command(target.name, seed, index),
        **detail,
        "input": target.describe(target.generate(rng)),
    }
    path.write_text(json.dumps(document, indent=2) + "\n", "utf-8")
    return str(path)


def check_one(target: Target, case: Any) -> str:
    """The outcome of one input; raises on a crash, including an unknown reason code."""
    outcome = target.check(case)
    if outcome != ACCEPTED and outcome not in target.codes:
        raise UnknownReason(f"rejected with {outcome!r}, not a known reason code")
    return outcome


def fuzz_range(
    target: Target,
    seed: int,
    start: int,
    count: int,
    *,
    hang_s: float = 1.0,
    out: Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> Stats:
    """Check inputs ``start`` to ``start + count - 1`` of ``target``."""
    stats = Stats(target.name)
    signatures: set[str] = set()
    began = time.perf_counter()
    for index in range(start, start + count):
        if progress is not None:
            progress(index)
        rng = input_rng(seed, target.name, index)
        case = target.generate(rng)  # a generator's error is the harness's: not caught
        took_from = time.perf_counter()
        try:
            outcome = check_one(target, case)
        except Exception as exc:
            stats.inputs += 1
            where = traceback.extract_tb(exc.__traceback__)[-1]
            signature = f"{type(exc).__name__}@{where.filename}:{where.lineno}"
            summary = f"{type(exc).__name__}: {str(exc)[:300]}"
            saved = None
            if signature not in signatures and len(signatures) < MAX_SAVED:
                signatures.add(signature)
                detail = {"error": summary, "traceback": traceback.format_exc()}
                saved = save_finding(out, target, seed, index, "crash", detail)
            stats.crash_count += 1
            if len(stats.crashes) < MAX_LISTED:
                stats.crashes.append(Finding("crash", index, summary, saved))
            continue
        took = time.perf_counter() - took_from
        stats.inputs += 1
        if outcome == ACCEPTED:
            stats.accepted += 1
        else:
            stats.rejected[outcome] += 1
        if took > stats.slowest_s:
            stats.slowest_s, stats.slowest_index = took, index
        if took > hang_s:
            stats.hang_count += 1
            if len(stats.hangs) < MAX_LISTED:
                saved = save_finding(out, target, seed, index, "hang", {"seconds": took})
                stats.hangs.append(Finding("hang", index, f"{took:.2f} s", saved))
    stats.elapsed_s = time.perf_counter() - began
    return stats
