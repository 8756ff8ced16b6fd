"""TAXII users: scrypt hashes, the credentials file and its errors."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from consumers.taxii.credentials import (
    FORMAT,
    Credentials,
    User,
    add_user,
    check_password,
    hash_password,
    load_credentials,
)
from schemas.errors import ConfigError


def test_a_hash_checks_its_password_only() -> None:
    hashed = hash_password("correct horse")
    assert check_password("correct horse", hashed)
    assert not check_password("correct hors", hashed)
    assert hash_password("correct horse") != hashed  # salted


def test_authenticate_gives_the_users_agency_and_remembers_only_the_right_password() -> None:
    users = Credentials([User("gr", "GR-HCG", hash_password("s3cret"))])
    assert users.authenticate("gr", "s3cret") == "GR-HCG"
    assert users.authenticate("gr", "s3cret") == "GR-HCG"  # from the remembered check
    assert users.authenticate("gr", "wrong") is None
    assert users.authenticate("nobody", "s3cret") is None


def test_add_user_writes_a_private_file_and_replaces_a_user(tmp_path: Path) -> None:
    path = tmp_path / "users.json"
    add_user(path, "gr", "GR-HCG", "one")
    add_user(path, "tr", "TR-SG", "two")
    add_user(path, "gr", "GR-HCG", "three")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "three" not in path.read_text()
    users = load_credentials(path)
    assert [u.name for u in users.users] == ["tr", "gr"]
    assert users.authenticate("gr", "three") == "GR-HCG"
    assert users.authenticate("gr", "one") is None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param("{not json", "not a readable JSON", id="json"),
        pytest.param('{"format": "other"}', "format: expected", id="format"),
        pytest.param(json.dumps({"format": FORMAT, "users": {}}), "users: expected a list", id="l"),
        pytest.param(
            json.dumps({"format": FORMAT, "users": [{"user": "a", "agency": "GR-HCG"}]}),
            r"users\[0\].password: expected a non-empty string",
            id="no-password",
        ),
        pytest.param(
            json.dumps(
                {"format": FORMAT, "users": [{"user": "a", "agency": "X", "password": "plain"}]}
            ),
            r"users\[0\].password: expected a scrypt hash",
            id="plain-password",
        ),
    ],
)
def test_a_bad_file_names_the_file_and_the_field(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "users.json"
    path.write_text(content)
    with pytest.raises(ConfigError, match=message) as caught:
        load_credentials(path)
    assert str(path) in str(caught.value)


def test_a_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_credentials(tmp_path / "missing.json")
