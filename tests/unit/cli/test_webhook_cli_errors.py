"""Mistakes with the webhook commands end with a message and exit code 2, not a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from corridor_cli.main import main

TASKFORCE = """
topic_prefix = "cli"
trust_store = "trust-store.json"
{webhooks}
[[agency]]
id = "GR-HCG"
role = "coast_guard"
{webhook}
"""


@pytest.fixture
def hub_key(tmp_path: Path) -> Path:
    assert main(["keys", "generate", "--agency", "TF-HUB", "--out-dir", str(tmp_path)]) == 0
    return tmp_path / "TF-HUB.key"


def _config(tmp_path: Path, webhook: str = "", webhooks: str = "") -> Path:
    path = tmp_path / "taskforce.toml"
    path.write_text(TASKFORCE.format(webhook=webhook, webhooks=webhooks), "utf-8")
    return path


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, err


def test_dispatcher_without_any_webhook_member_says_so(
    tmp_path: Path, hub_key: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path)
    code, err = _run(
        ["webhooks", "run", "--config", str(config), "--hub-key", str(hub_key)], capsys
    )
    assert code == 2
    assert "no member agency has an [agency.webhook] url" in err


def test_plain_http_webhooks_are_refused(
    tmp_path: Path, hub_key: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path, webhook='[agency.webhook]\nurl = "http://gr.example/hook"')
    code, err = _run(
        ["webhooks", "run", "--config", str(config), "--hub-key", str(hub_key)], capsys
    )
    assert code == 2
    assert "not an https:// URL" in err


def test_a_missing_ca_file_is_a_configuration_error(
    tmp_path: Path, hub_key: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path, webhook='[agency.webhook]\nurl = "https://gr.example/hook"')
    argv = ["webhooks", "replay", "--config", str(config), "--hub-key", str(hub_key)]
    code, err = _run([*argv, "--ca-file", str(tmp_path / "nope.pem")], capsys)
    assert code == 2
    assert "cannot load CA certificates" in err


def test_a_bad_retry_policy_names_the_key(
    tmp_path: Path, hub_key: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(
        tmp_path,
        webhook='[agency.webhook]\nurl = "https://gr.example/hook"',
        webhooks="[webhooks]\nmax_attempts = 0\n",
    )
    code, err = _run(
        ["webhooks", "run", "--config", str(config), "--hub-key", str(hub_key)], capsys
    )
    assert code == 2
    assert "webhooks.max_attempts" in err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--listen", "8443"], "expected HOST:PORT"),
        (["--tls-cert", "missing.pem"], "cannot load the TLS certificate"),
    ],
)
def test_receiver_mistakes_are_reported(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    message: str,
) -> None:
    assert (
        main(
            [
                "keys",
                "generate",
                "--agency",
                "TF-HUB",
                "--out-dir",
                str(tmp_path),
                "--trust-store",
                str(tmp_path / "trust.json"),
            ]
        )
        == 0
    )
    capsys.readouterr()
    argv = [
        "webhook-receiver",
        "--agency",
        "GR-HCG",
        "--listen",
        "127.0.0.1:0",
        "--tls-cert",
        str(tmp_path / "cert.pem"),
        "--tls-key",
        str(tmp_path / "key.pem"),
        "--trust-store",
        str(tmp_path / "trust.json"),
        "--db",
        str(tmp_path / "r.db"),
        *extra,
    ]
    code, err = _run(argv, capsys)
    assert code == 2
    assert message in err
