"""User mistakes at the command line end with a message and an exit code, not a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corridor_cli.main import main
from producers.scenarios import sample_alert


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    assert main(["keys", "generate", "--agency", "PK-FIA", "--out-dir", str(tmp_path)]) == 0
    return tmp_path / "PK-FIA.key"


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_generated_private_key_is_owner_only(key_file: Path) -> None:
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert (key_file.parent / "PK-FIA.pub").exists()


def test_keys_generate_refuses_to_overwrite(
    key_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(
        ["keys", "generate", "--agency", "PK-FIA", "--out-dir", str(key_file.parent)], capsys
    )
    assert code == 2
    assert "refusing to overwrite" in err


def test_broken_json_is_reported_with_its_line(
    tmp_path: Path, key_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    alerts = tmp_path / "alerts.jsonl"
    good = json.dumps(sample_alert("PK-FIA", 1))
    alerts.write_text(f'{good}\n{{"alert_id": \n', "utf-8")
    code, _, err = _run(
        ["publish", "--agency", "PK-FIA", "--key", str(key_file), "--file", str(alerts)], capsys
    )
    assert code == 2
    assert "alerts.jsonl line 2: invalid JSON" in err


def test_invalid_alert_publishes_nothing_and_names_the_field(
    tmp_path: Path, key_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = sample_alert("PK-FIA", 2)
    bad["route"][0]["lat"] = 123.0
    alerts = tmp_path / "alerts.json"
    alerts.write_text(json.dumps([sample_alert("PK-FIA", 1), bad]), "utf-8")
    # No broker is needed: validation happens before connecting.
    code, out, err = _run(
        [
            "publish",
            "--agency",
            "PK-FIA",
            "--key",
            str(key_file),
            "--file",
            str(alerts),
            "--bootstrap",
            "127.0.0.1:1",
        ],
        capsys,
    )
    assert code == 2
    assert "alerts.json item 2: route[0].lat: latitude must lie in -90..90" in out
    assert "nothing published" in err


def test_alert_of_another_agency_is_refused(
    tmp_path: Path, key_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    alerts = tmp_path / "alerts.json"
    alerts.write_text(json.dumps(sample_alert("TR-SG", 1)), "utf-8")
    code, out, _ = _run(
        ["publish", "--agency", "PK-FIA", "--key", str(key_file), "--file", str(alerts)], capsys
    )
    assert code == 2
    assert "is not the publishing agency PK-FIA" in out


def test_missing_key_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(
        ["publish", "--agency", "PK-FIA", "--key", str(tmp_path / "nope.key"), "--file", "-"],
        capsys,
    )
    assert code == 2
    assert "nope.key does not exist" in err


def test_missing_alerts_file(key_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(
        ["publish", "--agency", "PK-FIA", "--key", str(key_file), "--file", "/nonexistent.json"],
        capsys,
    )
    assert code == 2
    assert "does not exist" in err


def test_malformed_trust_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = tmp_path / "trust.json"
    store.write_text(
        '{"format": "corridor-trust-store/1", "agencies": {"PK-FIA": {"keys": '
        '[{"public_key": "not base64!"}]}}}',
        "utf-8",
    )
    code, _, err = _run(["keys", "list", "--trust-store", str(store)], capsys)
    assert code == 2
    assert "agencies.PK-FIA.keys[0].public_key" in err
