"""Files a user hands the CLI: one-line errors and exit 2, never a traceback or exit 3.

Covers issue 12 item 6: deep nesting, lone surrogates, non-UTF-8 bytes and duplicate
keys in alerts files, trust stores and task-force files; an ``--db`` that is not a
SQLite file; and a ``--key`` the trust store gives to another agency.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corridor_cli.main import main
from producers.scenarios import sample_alert
from schemas.keys import generate_private_key, write_private_key
from schemas.truststore import TrustStore, save_trust_store

UNREACHABLE = "127.0.0.1:1"
"""No broker: a command that gets as far as Kafka exits 3."""


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def _one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.startswith("corridor: error:")]
    assert len(lines) == 1, err
    return lines[0]


@pytest.fixture
def fia(tmp_path: Path) -> tuple[Path, Path]:
    """PK-FIA's key file and a trust store holding PK-FIA's and TR-SG's keys."""
    fia_key, tr_key = generate_private_key(), generate_private_key()
    write_private_key(tmp_path / "PK-FIA.key", fia_key)
    write_private_key(tmp_path / "TR-SG.key", tr_key)
    store = TrustStore(agencies={})
    store = store.with_key("PK-FIA", "PK-FIA", fia_key.public_key())
    store = store.with_key("TR-SG", "TR-SG", tr_key.public_key())
    save_trust_store(tmp_path / "trust.json", store)
    return tmp_path / "PK-FIA.key", tmp_path / "trust.json"


def _alert_line(**changes: object) -> str:
    return json.dumps({**sample_alert("PK-FIA", 1), **changes})


ALERTS_FILES = {
    "deep-in-alert": (
        _alert_line().encode()
        + b"\n"
        + _alert_line()[:-1].encode()
        + b', "x": '
        + b"[" * 3000
        + b"]" * 3000
        + b"}\n",
        "line 2: nested deeper than 64 levels",
    ),
    "deep-file": (b"[" * 100_000 + b"]" * 100_000, "line 1: nested deeper than 64 levels"),
    "lone-surrogate": (
        _alert_line(narrative="PLACEHOLDER").replace("PLACEHOLDER", "\\ud800").encode(),
        r"line 1: \ud800 in narrative is half of a UTF-16 surrogate pair",
    ),
    "not-utf-8": (
        _alert_line(narrative="PLACEHOLDER").replace("PLACEHOLDER", "caf\xe9").encode("latin-1"),
        "line 1: not UTF-8 text (byte 0xe9)",
    ),
    "duplicate-revision": (
        _alert_line()[:-1].encode() + b', "revision": 7}',
        'line 1: duplicate key "revision"',
    ),
}


@pytest.mark.parametrize("case", ALERTS_FILES)
def test_publish_refuses_alerts_files_that_would_crash_or_mislead(
    case: str, tmp_path: Path, fia: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    key, store = fia
    content, message = ALERTS_FILES[case]
    alerts = tmp_path / "alerts.jsonl"
    alerts.write_bytes(content)
    argv = ["publish", "--agency", "PK-FIA", "--key", str(key), "--trust-store", str(store)]
    code, out, err = _run([*argv, "--file", str(alerts), "--bootstrap", UNREACHABLE], capsys)
    assert code == 2, err
    assert f"{alerts} {message}" in _one_error_line(err)
    assert "published" not in out


TRUST_STORES = {
    "deep": ('{"format": "corridor-trust-store/1", "x": ' + "[" * 3000 + "]" * 3000 + "}").encode(),
    "duplicate": b'{"format": "corridor-trust-store/1",\n "agencies": {},\n "agencies": {}}',
    "surrogate": b'{"format": "corridor-trust-store/1", "agencies": {}, "note": "\\udfff"}',
    "not-utf-8": b'{"format": "corridor-trust-store/1", "agencies": {}, "note": "\xff"}',
}


@pytest.mark.parametrize("case", TRUST_STORES)
def test_a_broken_trust_store_is_named_with_its_line(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "trust.json"
    store.write_bytes(TRUST_STORES[case])
    code, _, err = _run(["keys", "list", "--trust-store", str(store)], capsys)
    assert code == 2
    assert f"trust store {store} line " in _one_error_line(err)


TASKFORCE_FILES = {
    "deep": (b"x = " + b"[" * 3000 + b"]" * 3000 + b"\n", "line 1: nested deeper"),
    "not-utf-8": (b"# \xe9quipe\nname = 'x'\n", "line 1: not UTF-8 text"),
}


@pytest.mark.parametrize("case", TASKFORCE_FILES)
def test_a_broken_taskforce_file_is_named_with_its_line(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "taskforce.toml"
    content, message = TASKFORCE_FILES[case]
    config.write_bytes(content)
    code, _, err = _run(["acl", "plan", "--config", str(config)], capsys)
    assert code == 2
    assert f"task-force config {config} {message}" in _one_error_line(err)


def _not_sqlite(tmp_path: Path) -> Path:
    path = tmp_path / "notes.txt"
    path.write_text("these are not the deliveries you are looking for\n" * 100, "utf-8")
    return path


DB_PATHS = {"directory": lambda p: p, "not-sqlite": _not_sqlite}


@pytest.mark.parametrize("db", DB_PATHS)
def test_inbox_db_that_is_not_a_sqlite_file_is_exit_2(
    db: str, tmp_path: Path, fia: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, store = fia
    path = DB_PATHS[db](tmp_path)
    argv = ["inbox", "--agency", "PK-FIA", "--trust-store", str(store), "--db", str(path)]
    code, _, err = _run([*argv, "--bootstrap", UNREACHABLE], capsys)
    assert code == 2, err
    assert str(path) in _one_error_line(err)


@pytest.mark.parametrize("db", DB_PATHS)
def test_webhook_receiver_db_that_is_not_a_sqlite_file_is_exit_2(
    db: str, tmp_path: Path, fia: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, store = fia
    path = DB_PATHS[db](tmp_path)
    argv = ["webhook-receiver", "--agency", "PK-FIA", "--trust-store", str(store)]
    tls = ["--tls-cert", str(tmp_path / "c.pem"), "--tls-key", str(tmp_path / "k.pem")]
    code, _, err = _run([*argv, *tls, "--db", str(path), "--listen", "127.0.0.1:0"], capsys)
    assert code == 2, err
    assert str(path) in _one_error_line(err)


def _publish(key: Path, *extra: str, tmp_path: Path) -> list[str]:
    alerts = tmp_path / "one.json"
    alerts.write_text(_alert_line(), "utf-8")
    return [
        "publish",
        "--agency",
        "PK-FIA",
        "--key",
        str(key),
        "--file",
        str(alerts),
        "--bootstrap",
        UNREACHABLE,
        *extra,
    ]


def test_publish_refuses_another_agencys_key(
    tmp_path: Path, fia: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, store = fia
    argv = _publish(tmp_path / "TR-SG.key", "--trust-store", str(store), tmp_path=tmp_path)
    code, _, err = _run(argv, capsys)
    assert code == 2, err
    line = _one_error_line(err)
    assert "belongs to TR-SG, not PK-FIA" in line and "nothing published" in line


def test_publish_refuses_an_unregistered_key(
    tmp_path: Path, fia: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, store = fia
    rogue = tmp_path / "rogue.key"
    write_private_key(rogue, generate_private_key())
    code, _, err = _run(_publish(rogue, "--trust-store", str(store), tmp_path=tmp_path), capsys)
    assert code == 2, err
    assert "is not registered for PK-FIA" in _one_error_line(err)


def test_publish_refuses_a_revoked_key(
    tmp_path: Path, fia: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    key, store = fia
    document = json.loads(store.read_text("utf-8"))
    document["agencies"]["PK-FIA"]["keys"][0]["status"] = "revoked"
    store.write_text(json.dumps(document), "utf-8")
    code, _, err = _run(_publish(key, "--trust-store", str(store), tmp_path=tmp_path), capsys)
    assert code == 2, err
    assert "is revoked" in _one_error_line(err)


def test_publish_checks_the_taskforce_files_trust_store(
    tmp_path: Path, fia: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, store = fia
    config = tmp_path / "taskforce.toml"
    config.write_text(
        f'trust_store = "{store.name}"\n[[agency]]\nid = "PK-FIA"\nrole = "coast_guard"\n',
        "utf-8",
    )
    argv = _publish(tmp_path / "TR-SG.key", "--config", str(config), tmp_path=tmp_path)
    code, _, err = _run(argv, capsys)
    assert code == 2, err
    assert f"belongs to TR-SG, not PK-FIA in trust store {store}" in _one_error_line(err)


def _invalid_alert(tmp_path: Path) -> str:
    """An alerts file whose one alert fails validation, which comes after the key check."""
    alerts = tmp_path / "invalid.json"
    alerts.write_text(_alert_line(revision=0), "utf-8")
    return str(alerts)


def test_publish_with_the_right_key_is_not_refused(
    tmp_path: Path, fia: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    key, store = fia
    argv = _publish(key, "--trust-store", str(store), tmp_path=tmp_path)
    code, _, err = _run([*argv, "--file", _invalid_alert(tmp_path)], capsys)
    assert code == 2, err
    assert "1 of 1 alerts are invalid" in err and "error" not in err


def test_publish_without_a_trust_store_warns_and_goes_on(
    tmp_path: Path, fia: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    argv = _publish(
        tmp_path / "TR-SG.key", "--config", str(tmp_path / "none.toml"), tmp_path=tmp_path
    )
    code, _, err = _run([*argv, "--file", _invalid_alert(tmp_path)], capsys)
    assert code == 2, err
    assert "--key not checked against a trust store" in err
    assert "1 of 1 alerts are invalid" in err
