"""``corridor schemas check``: exit codes and messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corridor_cli.main import main

V1 = Path("schemas/avro/SmugglingRouteAlert.v1.avsc")
V2 = Path("schemas/avro/SmugglingRouteAlert.v2.avsc")


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["schemas", "check", *argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_the_v2_example_is_a_full_evolution(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run([str(V1), str(V2)], capsys)
    assert code == 0
    assert out.startswith("compatible (FULL): corridor.v1.SmugglingRouteAlert (534aaef4c8adb726)")


def test_an_incompatible_evolution_exits_1_with_its_reasons(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = json.loads(V1.read_text())
    document["fields"] = [f for f in document["fields"] if f["name"] != "narrative"]
    new = tmp_path / "new.avsc"
    new.write_text(json.dumps(document))
    code, out, _ = _run([str(V1), str(new)], capsys)
    assert code == 1
    assert "INCOMPATIBLE (FULL)" in out
    assert "old reads new: reader_field_missing_default_value" in out and "narrative" in out
    assert _run([str(V1), str(new), "--compatibility", "backward"], capsys)[0] == 0


def test_a_missing_or_broken_file_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run([str(tmp_path / "none.avsc"), str(V2)], capsys)
    assert code == 2 and "none.avsc does not exist" in err
    bad = tmp_path / "bad.avsc"
    bad.write_text('{"type": "record", "name": "X", "fields": [{"name": "a", "type": "nope"}]}')
    code, _, err = _run([str(V1), str(bad)], capsys)
    assert code == 2 and "bad.avsc: not a valid Avro schema" in err
