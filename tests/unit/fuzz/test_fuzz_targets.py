"""A short fuzz run of every target (the long one is ``make fuzz``), and the engine itself."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from fuzz.engine import TARGET_ORDER, fuzz_range, input_rng
from fuzz.targets import ACCEPTED, Target, targets

#: Inputs per target in the suite: enough to reach every stage of each parser.
SHORT_RUN = 2_000


@pytest.fixture(scope="module")
def built() -> dict[str, Target]:
    return targets()


@pytest.mark.parametrize("name", TARGET_ORDER)
def test_a_short_run_finds_no_crash_and_no_hang(
    built: dict[str, Target], name: str, tmp_path: Path
) -> None:
    stats = fuzz_range(built[name], seed=7, start=0, count=SHORT_RUN, hang_s=1.0, out=tmp_path)
    findings = [f"{f.kind} #{f.index}: {f.summary} ({f.file})" for f in stats.crashes + stats.hangs]
    assert not findings, findings
    assert stats.inputs == SHORT_RUN
    # The mutations reach past the framing: inputs are accepted and rejected for many reasons.
    assert stats.accepted > 0
    assert len(stats.rejected) >= 2
    assert set(stats.rejected) <= built[name].codes


def test_inputs_are_a_function_of_seed_target_and_index(built: dict[str, Target]) -> None:
    target = built["verifier"]
    first = [target.generate(input_rng(3, "verifier", i)) for i in range(50)]
    again = [target.generate(input_rng(3, "verifier", i)) for i in range(50)]
    other = [target.generate(input_rng(4, "verifier", i)) for i in range(50)]
    assert first == again
    assert first != other


def _toy(check: object) -> Target:
    return Target(
        "json",
        frozenset({"known"}),
        lambda rng: rng.randrange(10),
        check,  # type: ignore[arg-type]
        lambda case: {"case": case},
    )


def test_an_exception_is_a_crash_saved_with_its_reproduction(tmp_path: Path) -> None:
    def check(case: int) -> str:
        if case == 3:
            raise KeyError("boom")
        return ACCEPTED

    stats = fuzz_range(_toy(check), seed=1, start=0, count=200, out=tmp_path)
    assert stats.crash_count > 0
    saved = Path(str(stats.crashes[0].file)).read_text("utf-8")
    assert "python -m fuzz --target json --seed 1 --replay" in saved
    assert "KeyError" in saved


def test_a_reason_code_outside_the_known_set_is_a_crash() -> None:
    stats = fuzz_range(_toy(lambda case: "made_up"), seed=1, start=0, count=10)
    assert stats.crash_count == 10
    assert "made_up" in stats.crashes[0].summary


def test_an_input_over_the_time_bound_is_a_hang(tmp_path: Path) -> None:
    def check(case: int) -> str:
        if case == 0:  # a slow input (sleeping stands for a parser that loops)
            time.sleep(0.02)
        return "known"

    stats = fuzz_range(_toy(check), seed=1, start=0, count=100, hang_s=0.01, out=tmp_path)
    assert stats.hang_count > 0
    assert stats.hangs[0].file is not None
