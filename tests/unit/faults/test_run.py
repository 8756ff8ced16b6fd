"""The matrix runner prints the finished cases' rows even when a later case times out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from faults import run
from faults.checker import Verdict
from faults.matrix import CaseReport


def _report(name: str) -> CaseReport:
    verdict = Verdict(
        acknowledged=4,
        expected=8,
        stored=8,
        lost=[],
        doubled=[],
        spurious=[],
        unentitled=[],
        incidents_expected=1,
        incident_mismatches=[],
        incidents_lost=[],
    )
    return CaseReport(case=name, summary="", faults=1, published=4, verdict=verdict)


def test_a_case_that_timed_out_leaves_the_finished_rows_printed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def run_case(case: Any, settings: Any) -> CaseReport:
        if case.name == "worker-kill":
            raise AssertionError("worker-kill: timed out waiting for the backlog")
        return _report(case.name)

    monkeypatch.setattr(run, "run_case", run_case)
    argv = ["--case", "inbox-kill", "--case", "worker-kill", "--bootstrap", "unused:1"]
    with pytest.raises(AssertionError, match="timed out"):
        run.main([*argv, "--workdir", str(tmp_path)])
    out = capsys.readouterr().out
    assert "| inbox-kill " in out
    assert "worker-kill did not finish: worker-kill: timed out" in out
