"""``corridor keys rotate | revoke | list`` and ``corridor registry`` without a broker."""

from __future__ import annotations

import datetime as dt
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


@pytest.fixture
def setup(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """Keys of PK-FIA in a trust store, three roots, a 2-of-3 root file."""
    store = str(tmp_path / "ts.json")
    assert (
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
        == 0
    )
    roots = []
    for name in ("a", "b", "c"):
        assert main(["registry", "new-root", "--name", name, "--out-dir", str(tmp_path)]) == 0
        roots += ["--root", str(tmp_path / f"{name}.root.pub")]
    out = str(tmp_path / "roots.json")
    assert main(["registry", "init", *roots, "--threshold", "2", "--out", out]) == 0
    capsys.readouterr()
    return tmp_path


def test_draft_sign_and_show_count_signatures_against_the_threshold(
    setup: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    draft, roots = str(setup / "d.json"), str(setup / "roots.json")
    assert (
        _run(
            [
                "registry",
                "draft",
                "--trust-store",
                str(setup / "ts.json"),
                "--out",
                draft,
                "--valid-for",
                "7d",
            ],
            capsys,
        )[0]
        == 0
    )
    code, out, _ = _run(["registry", "show", draft, "--roots", roots], capsys)
    assert code == 1 and "0 of 2 required" in out
    _, out, _ = _run(
        ["registry", "sign", draft, "--root-key", str(setup / "a.root.key"), "--roots", roots],
        capsys,
    )
    assert "1 of 2" in out
    _run(["registry", "sign", draft, "--root-key", str(setup / "a.root.key")], capsys)
    _, out, _ = _run(
        ["registry", "sign", draft, "--root-key", str(setup / "c.root.key"), "--roots", roots],
        capsys,
    )
    assert "2 of 2" in out
    code, out, _ = _run(["registry", "show", draft, "--roots", roots], capsys)
    assert code == 0 and "version         1" in out and "PK-FIA" in out
    registry = reg.open_registry(Path(draft).read_bytes(), reg.load_roots(Path(roots)))
    assert registry.expires_at - registry.issued_at == dt.timedelta(days=7)

    next_draft = str(setup / "d2.json")
    assert (
        _run(
            [
                "registry",
                "draft",
                "--trust-store",
                str(setup / "ts.json"),
                "--previous",
                draft,
                "--out",
                next_draft,
            ],
            capsys,
        )[0]
        == 0
    )
    second = reg.parse_document(reg.parse_signed(Path(next_draft).read_bytes()).document)
    assert (second.version, second.previous_digest) == (2, registry.digest)
    code, _, err = _run(
        [
            "registry",
            "draft",
            "--trust-store",
            str(setup / "ts.json"),
            "--previous",
            draft,
            "--version",
            "1",
            "--out",
            next_draft,
        ],
        capsys,
    )
    assert code == 2 and "not above" in err


def test_rotate_then_revoke_in_the_trust_store(
    setup: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store_path = setup / "ts.json"
    old_id = next(iter(load_trust_store(store_path).agencies["PK-FIA"].keys))
    code, out, _ = _run(
        [
            "keys",
            "rotate",
            "--agency",
            "PK-FIA",
            "--trust-store",
            str(store_path),
            "--overlap",
            "24h",
            "--out-dir",
            str(setup),
        ],
        capsys,
    )
    assert code == 0
    keys = load_trust_store(store_path).agencies["PK-FIA"].keys
    new_id = next(k for k in keys if k != old_id)
    assert (setup / f"PK-FIA.{new_id}.key").stat().st_mode & 0o777 == 0o600
    assert (keys[old_id].status, keys[new_id].status) == ("retired", "active")
    assert keys[old_id].valid_until is not None and keys[new_id].valid_from is not None
    assert (keys[old_id].valid_until - keys[new_id].valid_from).total_seconds() == 24 * 3600

    code, _, _ = _run(
        [
            "keys",
            "revoke",
            "--agency",
            "PK-FIA",
            "--key-id",
            old_id,
            "--compromised-at",
            "2026-11-20T00:00:00Z",
            "--trust-store",
            str(store_path),
        ],
        capsys,
    )
    assert code == 0
    revoked = load_trust_store(store_path).agencies["PK-FIA"].keys[old_id]
    assert revoked.status == "revoked" and revoked.compromised_at is not None
    _, out, _ = _run(["keys", "list", "--trust-store", str(store_path)], capsys)
    assert "revoked" in out and "2026-11-20T00:00:00.000Z" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            [
                "keys",
                "revoke",
                "--agency",
                "PK-FIA",
                "--key-id",
                "00",
                "--compromised-at",
                "now",
                "--trust-store",
                "{d}/ts.json",
            ],
            "not registered",
        ),
        (
            [
                "keys",
                "rotate",
                "--agency",
                "TR-SG",
                "--overlap",
                "1h",
                "--public-key",
                "{d}/PK-FIA.pub",
                "--trust-store",
                "{d}/ts.json",
            ],
            "not in the trust store",
        ),
        (
            [
                "registry",
                "init",
                "--root",
                "{d}/a.root.pub",
                "--threshold",
                "2",
                "--out",
                "{d}/r.json",
            ],
            "threshold",
        ),
        (["registry", "sign", "{d}/ts.json", "--root-key", "{d}/a.root.key"], "malformed"),
        (["registry", "show", "{d}/missing.json"], "cannot read"),
        (["keys", "list", "--registry", "{d}/ts.json"], "malformed"),
    ],
)
def test_mistakes_exit_2_with_a_message(
    setup: Path, argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run([a.format(d=setup) for a in argv], capsys)
    assert code == 2
    assert message in err


def test_bad_durations_and_instants_are_usage_errors(
    setup: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for argv in (
        [
            "keys",
            "rotate",
            "--agency",
            "PK-FIA",
            "--overlap",
            "soon",
            "--out-dir",
            str(setup),
            "--trust-store",
            str(setup / "ts.json"),
        ],
        [
            "keys",
            "revoke",
            "--agency",
            "PK-FIA",
            "--key-id",
            "00",
            "--compromised-at",
            "2026-11-20T00:00:00",
            "--trust-store",
            str(setup / "ts.json"),
        ],
    ):
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 2
    assert "needs a UTC offset" in capsys.readouterr().err


def test_the_inbox_needs_a_trust_store_or_the_registry_roots(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        main(["inbox", "--agency", "GR-HCG"])
    assert "--trust-store" in capsys.readouterr().err
