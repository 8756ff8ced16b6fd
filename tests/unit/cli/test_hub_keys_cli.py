"""``corridor keys generate`` for the hub, and clearances in ``corridor registry draft``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corridor_cli.main import main
from schemas import registry as reg
from schemas.truststore import load_trust_store


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def _generate(tmp_path: Path, agency: str, capsys: pytest.CaptureFixture[str]) -> int:
    store = str(tmp_path / "ts.json")
    argv = ["keys", "generate", "--agency", agency, "--out-dir", str(tmp_path)]
    return _run([*argv, "--trust-store", store], capsys)[0]


def test_the_hub_gets_a_signing_key_and_no_encryption_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _generate(tmp_path, "TF-HUB", capsys) == 0
    assert (tmp_path / "TF-HUB.key").exists()
    assert not (tmp_path / "TF-HUB.x25519.key").exists()
    store = load_trust_store(tmp_path / "ts.json")
    assert store.hub == "TF-HUB"
    assert store.agencies["TF-HUB"].keys and not store.agencies["TF-HUB"].encryption_keys
    assert _generate(tmp_path, "GR-HCG", capsys) == 0
    assert load_trust_store(tmp_path / "ts.json").agencies["GR-HCG"].encryption_keys


def test_a_hub_encryption_key_in_the_trust_store_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _generate(tmp_path, "TF-HUB", capsys) == 0
    assert _generate(tmp_path, "GR-HCG", capsys) == 0
    path = tmp_path / "ts.json"
    document = json.loads(path.read_text())
    document["agencies"]["TF-HUB"]["encryption_keys"] = document["agencies"]["GR-HCG"][
        "encryption_keys"
    ]
    path.write_text(json.dumps(document))
    code, _, err = _run(["keys", "list", "--trust-store", str(path)], capsys)
    assert code == 2
    assert "TF-HUB is the hub, which must have no encryption key" in err


def test_the_draft_carries_the_task_force_files_clearances(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for agency in ("TF-HUB", "GR-HCG", "IOM"):
        assert _generate(tmp_path, agency, capsys) == 0
    draft = tmp_path / "d.json"
    argv = ["registry", "draft", "--trust-store", str(tmp_path / "ts.json"), "--out", str(draft)]
    code, _, err = _run([*argv, "--config", "deploy/local/taskforce.toml"], capsys)
    assert code == 0, err
    registry = reg.parse_document(reg.parse_signed(draft.read_bytes()).document)
    store = registry.trust_store
    assert store.hub == "TF-HUB"
    assert store.agencies["TF-HUB"].clearance is None
    iom = store.agencies["IOM"].clearance
    assert iom is not None and iom.personal_data and iom.tlp_clearance == "AMBER"
    assert [m.agency_id for m in store.directory().members] == ["GR-HCG", "IOM"]
