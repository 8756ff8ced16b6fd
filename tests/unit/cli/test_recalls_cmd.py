"""``corridor recalls run``: user mistakes end with a message and exit 2, not a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from corridor_cli.main import main


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, err


def test_a_missing_task_force_file_is_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["keys", "generate", "--agency", "TF-HUB", "--out-dir", str(tmp_path)]) == 0
    capsys.readouterr()
    code, err = _run(
        [
            "recalls",
            "run",
            "--config",
            str(tmp_path / "missing.toml"),
            "--hub-key",
            str(tmp_path / "TF-HUB.key"),
            "--once",
        ],
        capsys,
    )
    assert code == 2
    assert "missing.toml does not exist" in err


def test_a_missing_hub_key_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "taskforce.toml"
    config.write_text('[[agency]]\nid = "PK-FIA"\nrole = "coast_guard"\n', "utf-8")
    code, err = _run(
        [
            "recalls",
            "run",
            "--config",
            str(config),
            "--hub-key",
            str(tmp_path / "nowhere.key"),
            "--once",
        ],
        capsys,
    )
    assert code == 2
    assert "nowhere.key" in err
