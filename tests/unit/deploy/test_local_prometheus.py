"""deploy/local_prometheus.py: package index parsing, generated configuration, targets."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from prometheus_local import cli
from prometheus_local import installation as installer
from prometheus_local.config import PrometheusConfig, parse_targets, render_config
from prometheus_local.errors import PrometheusToolError
from prometheus_local.installation import parse_package_stanza
from prometheus_local.layout import DEFAULT_TARGETS, RULES_FILE

STANZA = """Package: prometheus
Version: 2.42.0+ds-5+deb12u1
Depends: adduser,
 libc6 (>= 2.34)
Size: 19257088
SHA256: 81D59A24FCE84F7FBE97A45A4F2914B6A5881B5CD1DB2A6A0E129E515E1A5F55
Description: monitoring system and time series database

Package: prometheus
Version: 2.33.5+ds1-2
Size: 1
SHA256: 00
"""


def test_the_first_stanza_of_the_package_index_is_the_candidate() -> None:
    info = parse_package_stanza(STANZA)
    assert info is not None
    assert info.version == "2.42.0+ds-5+deb12u1"
    assert info.size == 19257088
    assert info.sha256 == "81d59a24fce84f7fbe97a45a4f2914b6a5881b5cd1db2a6a0e129e515e1a5f55"


def test_no_candidate_without_a_hash() -> None:
    assert parse_package_stanza("") is None
    assert parse_package_stanza("Package: prometheus\nVersion: 1\nSize: 3\n") is None


def test_default_targets_are_every_component_port() -> None:
    assert {job: t[0].rpartition(":")[2] for job, t in DEFAULT_TARGETS.items()} == {
        "worker": "9401",
        "delivery": "9402",
        "webhooks": "9403",
        "receipts": "9404",
        "recalls": "9405",
        "audit": "9406",
    }


def test_rendered_config_scrapes_every_job_and_loads_the_rules(tmp_path: Path) -> None:
    config = PrometheusConfig(
        home=tmp_path,
        targets={"worker": ("127.0.0.1:19401",), "delivery": ("127.0.0.1:1", "127.0.0.1:2")},
        scrape_interval_s=0.5,
        evaluation_interval_s=1,
    )
    text = render_config(config)
    assert "  scrape_interval: 500ms\n" in text
    assert "  evaluation_interval: 1s\n" in text
    assert f'  - "{RULES_FILE}"\n' in text
    assert '  - job_name: "worker"\n' in text
    assert '          - "127.0.0.1:19401"\n' in text
    assert '          - "127.0.0.1:1"\n          - "127.0.0.1:2"\n' in text


def test_rendered_default_config_passes_promtool(tmp_path: Path) -> None:
    try:
        installation = installer.ensure_prometheus()
    except PrometheusToolError as exc:
        pytest.fail(f"could not install Debian's prometheus package: {exc}", pytrace=False)
    config_file = tmp_path / "prometheus.yml"
    config_file.write_text(render_config(PrometheusConfig(home=tmp_path)), "utf-8")
    checked = subprocess.run(
        [str(installation.promtool), "check", "config", str(config_file)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS" in checked.stdout + checked.stderr


def test_a_job_without_targets_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PrometheusToolError, match="at least one target"):
        render_config(PrometheusConfig(home=tmp_path, targets={"worker": ()}))


def test_parse_targets() -> None:
    assert parse_targets(["worker=127.0.0.1:1", "worker=127.0.0.1:2,127.0.0.1:3", "d=h:4"]) == {
        "worker": ("127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:3"),
        "d": ("h:4",),
    }
    for bad in ("worker", "=127.0.0.1:1", "worker=", "worker=127.0.0.1", "worker=h:port"):
        with pytest.raises(PrometheusToolError, match="--target"):
            parse_targets([bad])


def test_the_cli_reports_a_bad_target_without_a_traceback(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code = cli.main(["up", "--home", str(tmp_path), "--target", "worker"])
    assert code == 2
    assert "local_prometheus: error: --target 'worker'" in capsys.readouterr().err
    assert not (tmp_path / "prometheus.pid").exists()


def test_a_deb_whose_hash_differs_from_the_index_is_not_installed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    real = installer._package_info()
    forged = installer.PackageInfo(real.version, "0" * 64, real.size)
    monkeypatch.setattr(installer, "_package_info", lambda: forged)
    with pytest.raises(PrometheusToolError, match="does not match the package index"):
        installer.ensure_prometheus(tmp_path / "dist")
    assert not (tmp_path / "dist").exists()
    assert [p.name for p in tmp_path.iterdir()] == [".install.lock"]


def test_an_empty_package_index_is_updated_when_root_else_explained(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    info = installer.PackageInfo("1.0", "ab" * 32, 10)
    answers: list[installer.PackageInfo | None] = [None, info]
    ran: list[list[str]] = []
    monkeypatch.setattr(installer, "_candidate", lambda: answers.pop(0))
    monkeypatch.setattr(
        installer,
        "_run",
        lambda cmd, what, **kw: ran.append(cmd) or subprocess.CompletedProcess(cmd, 0, "", ""),
    )
    monkeypatch.setattr(installer.os, "geteuid", lambda: 0)
    assert installer._package_info() == info
    assert ran == [["apt-get", "update", "-q"]]

    monkeypatch.setattr(installer, "_candidate", lambda: None)
    monkeypatch.setattr(installer.os, "geteuid", lambda: 1000)
    with pytest.raises(PrometheusToolError, match="run `apt-get update`"):
        installer._package_info()
    assert len(ran) == 1
