"""The CLI around personal data: key generation, refusing to publish what nobody may read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corridor_cli.main import main
from producers.scenarios import sample_alert
from schemas.keys import encryption_key_id, load_decryption_key
from schemas.truststore import load_trust_store

CANARY = "Canary-Cli-93be"
TASKFORCE = """
name = "t"
trust_store = "trust.json"
[[agency]]
id = "PK-FIA"
role = "investigation_agency"
[[agency]]
id = "GR-HCG"
role = "coast_guard"
personal_data = {cleared}
"""


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_keys_generate_writes_an_x25519_key_and_registers_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store_path = tmp_path / "trust.json"
    argv = ["keys", "generate", "--agency", "GR-HCG", "--out-dir", str(tmp_path)]
    code, out, _ = _run([*argv, "--trust-store", str(store_path)], capsys)
    assert code == 0
    private = tmp_path / "GR-HCG.x25519.key"
    assert private.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "GR-HCG.x25519.pub").exists()
    kid = encryption_key_id(load_decryption_key(private).public_key())
    assert kid in out
    assert [k.key_id for k in load_trust_store(store_path).sealing_keys("GR-HCG")] == [kid]
    code, out, _ = _run(["keys", "list", "--trust-store", str(store_path)], capsys)
    assert code == 0
    assert f"GR-HCG         {kid}  encrypt" in out


def test_a_signing_key_is_not_a_decryption_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "trust.json"
    argv = ["keys", "generate", "--agency", "GR-HCG", "--out-dir", str(tmp_path)]
    assert main([*argv, "--trust-store", str(store)]) == 0
    capsys.readouterr()
    code, _, err = _run(
        [
            "inbox",
            "--agency",
            "GR-HCG",
            "--trust-store",
            str(store),
            "--decryption-key",
            str(tmp_path / "GR-HCG.key"),
            "--bootstrap",
            "127.0.0.1:1",
        ],
        capsys,
    )
    assert code == 2
    assert "not an X25519 key" in err


@pytest.mark.parametrize("cleared", [False, True])
def test_personal_data_that_nobody_may_read_is_not_published(
    tmp_path: Path, cleared: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    # GR-HCG has no encryption key (cleared) or is not cleared: nothing to seal for.
    (tmp_path / "taskforce.toml").write_text(
        TASKFORCE.format(cleared=str(cleared).lower()), "utf-8"
    )
    # The trust store holds PK-FIA's keys (publish checks its signing key) and no others.
    store = str(tmp_path / "trust.json")
    main(
        [
            "keys",
            "generate",
            "--agency",
            "PK-FIA",
            "--out-dir",
            str(tmp_path),
            "--trust-store",
            store,
        ]
    )
    capsys.readouterr()
    alert = sample_alert("PK-FIA", 1)
    alert["personal_data"] = {"persons": [{"role": "VICTIM", "full_name": CANARY}]}
    alerts = tmp_path / "alerts.json"
    alerts.write_text(json.dumps(alert), "utf-8")
    code, out, err = _run(
        [
            "publish",
            "--agency",
            "PK-FIA",
            "--key",
            str(tmp_path / "PK-FIA.key"),
            "--file",
            str(alerts),
            "--config",
            str(tmp_path / "taskforce.toml"),
            "--bootstrap",
            "127.0.0.1:1",
        ],
        capsys,
    )
    assert code == 2
    assert "refusing to publish" in err
    assert CANARY not in out + err


def test_invalid_personal_data_is_reported_without_quoting_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["keys", "generate", "--agency", "PK-FIA", "--out-dir", str(tmp_path)])
    capsys.readouterr()
    alert = sample_alert("PK-FIA", 1)
    alert["personal_data"] = {"persons": [{"role": "VICTIM", "date_of_birth": CANARY}]}
    alerts = tmp_path / "alerts.json"
    alerts.write_text(json.dumps(alert), "utf-8")
    code, out, err = _run(
        [
            "publish",
            "--agency",
            "PK-FIA",
            "--key",
            str(tmp_path / "PK-FIA.key"),
            "--file",
            str(alerts),
            "--bootstrap",
            "127.0.0.1:1",
        ],
        capsys,
    )
    assert code == 2
    assert "personal_data.persons[0].date_of_birth" in out
    assert CANARY not in out + err
