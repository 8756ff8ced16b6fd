"""``corridor simulate``: files for ``corridor publish``, labels beside them, bad input refused."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from corridor_cli import simulate_cmd
from producers.alert_input import parse_alerts
from producers.errors import InputError
from producers.simulation import simulate
from schemas.catalog import alert_schema
from schemas.json_mapping import from_json
from schemas.validation import check_alert


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="corridor")
    simulate_cmd.register(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(["simulate", *argv])


def _run(*argv: str) -> int:
    args = _args(*argv)
    assert args.handler is simulate_cmd.run
    return simulate_cmd.run(args)


def _small(out: Path, *extra: str) -> list[str]:
    return ["--seed", "3", "--operations", "8", "--decoys", "10", "--out", str(out), *extra]


def test_writes_publishable_files_and_labels(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "scenario"
    assert _run(*_small(out, "--difficulty", "0.8")) == 0
    expected = simulate(3, difficulty=0.8, operations=8, decoys=10)
    labels = json.loads((out / "labels.json").read_text("utf-8"))
    assert labels == expected.labels()
    files = sorted(p.name for p in out.glob("alerts-*.jsonl"))
    assert files == sorted(f"alerts-{a}.jsonl" for a in expected.by_agency())
    lines = 0
    for agency, documents in expected.by_agency().items():
        path = out / f"alerts-{agency}.jsonl"
        raws = parse_alerts(path.read_text("utf-8"), path.name)
        assert [raw.document for raw in raws] == documents
        for raw in raws:
            datum = from_json(alert_schema().schema, raw.document)
            check_alert(datum)
            assert datum["agency"] == agency
        lines += len(raws)
    assert lines == labels["records"]
    summary = capsys.readouterr().out
    assert f"{labels['records']} alert lines" in summary
    assert "8 operations" in summary and "10 decoys" in summary


def test_same_arguments_write_the_same_bytes(tmp_path: Path) -> None:
    assert _run(*_small(tmp_path / "a")) == 0
    assert _run(*_small(tmp_path / "b")) == 0
    for path in sorted((tmp_path / "a").iterdir()):
        assert path.read_bytes() == (tmp_path / "b" / path.name).read_bytes(), path.name


def test_agencies_flag_limits_the_files(tmp_path: Path) -> None:
    assert _run(*_small(tmp_path, "--agencies", "PK-FIA, TR-SG")) == 0
    assert sorted(p.name for p in tmp_path.glob("alerts-*.jsonl")) == [
        "alerts-PK-FIA.jsonl",
        "alerts-TR-SG.jsonl",
    ]


def test_refuses_to_mix_scenarios_unless_forced(tmp_path: Path) -> None:
    assert _run(*_small(tmp_path)) == 0
    (tmp_path / "alerts-OLD.jsonl").write_text("{}\n", "utf-8")
    with pytest.raises(InputError, match="--force"):
        _run(*_small(tmp_path))
    assert _run(*_small(tmp_path, "--force")) == 0
    assert not (tmp_path / "alerts-OLD.jsonl").exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        pytest.param(["--difficulty", "1.5"], "difficulty", id="difficulty-high"),
        pytest.param(["--difficulty", "-0.5"], "difficulty", id="difficulty-low"),
        pytest.param(["--difficulty", "nan"], "difficulty", id="difficulty-nan"),
        pytest.param(["--operations", "-1"], "negative", id="negative-operations"),
        pytest.param(["--decoys", "-3"], "negative", id="negative-decoys"),
        pytest.param(["--agencies", "PK-FIA"], "at least 2", id="one-agency"),
        pytest.param(["--agencies", "PK-FIA,PK-FIA"], "at least 2", id="same-agency-twice"),
        pytest.param(["--agencies", "PK-FIA,pk fia"], "agency id", id="bad-agency-id"),
        pytest.param(["--start", "2026-11-02"], "UTC offset", id="naive-start"),
        pytest.param(["--start", "next monday"], "RFC 3339", id="unparsable-start"),
    ],
)
def test_bad_arguments_are_input_errors(tmp_path: Path, argv: list[str], message: str) -> None:
    with pytest.raises(InputError, match=message):
        _run("--out", str(tmp_path / "x"), *argv)
    assert not (tmp_path / "x").exists()


def test_out_must_be_a_directory(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("", "utf-8")
    with pytest.raises(InputError, match="not a directory"):
        _run("--out", str(target))
