"""bench/pipeline/cli.py: the options of the pipeline bench."""

from __future__ import annotations

import pytest

from bench.pipeline.cli import parse_args


def test_one_broker_by_default() -> None:
    assert parse_args([]).brokers == 1
    assert parse_args(["--brokers", "3"]).brokers == 3


def test_a_cluster_needs_a_broker(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        parse_args(["--brokers", "0"])
    assert exited.value.code == 2
    assert "--brokers must be at least 1" in capsys.readouterr().err
