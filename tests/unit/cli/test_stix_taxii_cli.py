"""``corridor stix export --input`` and the TAXII commands: results, and one-line errors."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
import stix2validator

from consumers.taxii.credentials import load_credentials
from corridor_cli.main import main
from schemas.truststore import TrustStore, save_trust_store
from tests.tls_files import make_tls_files
from tests.unit.consumers.stix.stix_fixtures import alert_document, incident_document

TASKFORCE = """
topic_prefix = "cli"
trust_store = "trust-store.json"

[[agency]]
id = "GR-HCG"
role = "coast_guard"

[[agency]]
id = "PK-FIA"
role = "investigation_agency"
"""


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def _jsonl(path: Path, documents: list[Any]) -> Path:
    path.write_text("".join(json.dumps(d) + "\n" for d in documents), "utf-8")
    return path


def test_export_of_an_inbox_file_writes_a_valid_bundle(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _jsonl(tmp_path / "in.jsonl", [alert_document("PK-FIA", 1), incident_document()])
    out = tmp_path / "bundle.json"
    code, printed, _ = _run(["stix", "export", "--input", str(source), "--out", str(out)], capsys)
    assert code == 0
    assert "1 alerts, 1 incidents" in printed
    assert stix2validator.validate_string(out.read_text()).is_valid


def test_export_leaves_out_rejected_and_recalled_deliveries_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recalled = alert_document("PK-FIA", 2)
    alert = recalled["alert"]
    notice = {
        "status": "verified",
        "kind": "recall",
        "recall": {"origin": "PK-FIA", "alert_id": alert["alert_id"], "revision": 1},
    }
    rejected = {"status": "rejected", "reason": "bad_signature", "detail": "x"}
    source = _jsonl(
        tmp_path / "in.jsonl", [alert_document("PK-FIA", 1), recalled, notice, rejected]
    )
    out = tmp_path / "bundle.json"
    code, printed, _ = _run(["stix", "export", "--input", str(source), "--out", str(out)], capsys)
    assert code == 1
    assert "1 alerts" in printed
    assert "1 recalled and 1 unverified" in printed
    assert alert["alert_id"] not in out.read_text()


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        pytest.param(['{"status": "verified"}', "{broken"], r"in.jsonl:2: not JSON", id="json"),
        pytest.param(["[1, 2]"], r"in.jsonl:1: status: not a `corridor inbox` document", id="list"),
        pytest.param(
            [json.dumps({**alert_document("PK-FIA", 1), "alert": {"agency": "PK-FIA"}})],
            r"in.jsonl:1: alert_id: missing",
            id="field",
        ),
    ],
)
def test_a_bad_inbox_file_names_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], lines: list[str], message: str
) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(lines) + "\n", "utf-8")
    code, _, err = _run(
        ["stix", "export", "--input", str(source), "--out", str(tmp_path / "b.json")], capsys
    )
    assert code == 2
    assert re.search(message, err), err
    assert not (tmp_path / "b.json").exists()


def test_add_user_reads_the_password_from_stdin(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    users = tmp_path / "users.json"
    monkeypatch.setattr("sys.stdin", io.StringIO("pw-from-stdin\n"))
    argv = ["taxii", "add-user", "--credentials", str(users), "--user", "gr", "--agency", "GR-HCG"]
    code, _, _ = _run([*argv, "--password-stdin"], capsys)
    assert code == 0
    assert load_credentials(users).authenticate("gr", "pw-from-stdin") == "GR-HCG"
    monkeypatch.setattr("sys.stdin", io.StringIO("x\n"))
    bad = ["taxii", "add-user", "--credentials", str(users), "--user", "a:b", "--agency", "GR-HCG"]
    code, _, err = _run([*bad, "--password-stdin"], capsys)
    assert code == 2
    assert "without ':'" in err


@pytest.fixture
def serve_args(tmp_path: Path) -> list[str]:
    config = tmp_path / "taskforce.toml"
    config.write_text(TASKFORCE, "utf-8")
    save_trust_store(tmp_path / "trust-store.json", TrustStore(agencies={}))
    tls = make_tls_files(tmp_path)
    return [
        "taxii", "serve", "--config", str(config), "--db", str(tmp_path / "t.db"),
        "--tls-cert", str(tls.cert), "--tls-key", str(tls.key), "--metrics-port", "0",
        "--bootstrap", "127.0.0.1:1",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        pytest.param(["--credentials", "missing.json"], "credentials file not found", id="creds"),
        pytest.param(
            ["--credentials", "users.json", "--agency", "XX-NONE"],
            "--agency XX-NONE: not a member",
            id="agency",
        ),
        pytest.param(
            ["--credentials", "users.json", "--listen", "nowhere"],
            "expected HOST:PORT",
            id="listen",
        ),
        pytest.param(
            ["--credentials", "users.json", "--tls-cert", "missing.pem"],
            "cannot load the TLS certificate",
            id="cert",
        ),
    ],
)
def test_serve_refuses_bad_configuration_before_kafka(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    serve_args: list[str],
    extra: list[str],
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sys.stdin", io.StringIO("pw\n"))
    main(["taxii", "add-user", "--credentials", "users.json", "--user", "gr", "--agency",
          "GR-HCG", "--password-stdin"])  # fmt: skip
    code, _, err = _run([*serve_args, *extra], capsys)
    assert code == 2
    assert message in err
