"""Client security files: parsing, validation, secrets kept out of repr, client settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemas.client_security import (
    PLAINTEXT_CLIENT,
    ClientSecurity,
    load_client_security,
    parse_client_security,
)
from schemas.errors import ConfigError


def _write(directory: Path, text: str) -> Path:
    path = directory / "client.toml"
    path.write_text(text, "utf-8")
    return path


def test_plaintext_by_default() -> None:
    assert PLAINTEXT_CLIENT.kafka_config() == {"security_protocol": "PLAINTEXT"}
    assert PLAINTEXT_CLIENT.principal is None
    assert PLAINTEXT_CLIENT.ssl_context() is None
    assert parse_client_security({}, Path()) == PLAINTEXT_CLIENT


def test_scram_file_with_relative_paths(tmp_path: Path) -> None:
    (tmp_path / "pw").write_text("s3cret-Passw0rd\n", "utf-8")
    (tmp_path / "ca.pem").write_text("not parsed here", "utf-8")
    path = _write(
        tmp_path,
        'protocol = "SASL_SSL"\nusername = "PK-FIA"\npassword_file = "pw"\nca_file = "ca.pem"\n',
    )
    security = load_client_security(path)
    assert security.password == "s3cret-Passw0rd"
    assert security.principal == "User:PK-FIA"
    assert security.as_principal() == " as User:PK-FIA"
    assert "s3cret" not in repr(security)
    config = security.kafka_config()
    assert config == {
        "security_protocol": "SASL_SSL",
        "ssl_check_hostname": True,
        "ssl_cafile": str(tmp_path / "ca.pem"),
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "PK-FIA",
        "sasl_plain_password": "s3cret-Passw0rd",
    }


def test_password_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_KAFKA_PW", "from-env")
    path = _write(
        tmp_path, 'protocol = "SASL_SSL"\nusername = "TR-SG"\npassword_env = "TEST_KAFKA_PW"\n'
    )
    assert load_client_security(path).password == "from-env"
    monkeypatch.delenv("TEST_KAFKA_PW")
    with pytest.raises(ConfigError, match="TEST_KAFKA_PW is not set"):
        load_client_security(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('protocol = "SASL_PLAINTEXT"', "is not one of PLAINTEXT, SSL, SASL_SSL"),
        ('protocol = "SASL_SSL"\nusername = "A"', "needs a username and a password"),
        (
            'protocol = "SASL_SSL"\nsasl_mechanism = "PLAIN"\nusername = "A"\n'
            'password_env = "HOME"',
            "sasl_mechanism",
        ),
        ('protocol = "SSL"\ncert_file = "missing.pem"', "cert_file: .* does not exist"),
        ('ca_file = "x"\n', "ca_file: .* does not exist"),
        ('protocol = "SSL"\npasword_file = "typo"', "unknown keys pasword_file"),
        ('password_file = "a"\npassword_env = "B"', "not both"),
        ("protocol = ", "not valid TOML"),
    ],
)
def test_invalid_files_name_the_problem(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_client_security(_write(tmp_path, text))


def test_certificate_needs_its_key(tmp_path: Path) -> None:
    (tmp_path / "c.pem").write_text("x", "utf-8")
    with pytest.raises(ConfigError, match="cert_file and key_file go together"):
        ClientSecurity(protocol="SSL", cert_file=tmp_path / "c.pem")


def test_tls_files_need_tls(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="need protocol SSL or SASL_SSL"):
        ClientSecurity(ca_file=tmp_path / "ca.pem")


def test_missing_file() -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_client_security(Path("/nonexistent/client.toml"))


def test_mutual_tls_principal_is_the_certificate_cn(tmp_path: Path) -> None:
    import local_security

    files = local_security.SecurityFiles(tmp_path / "security")
    local_security.ensure_broker_tls(files)
    local_security.ensure_user(files, "GR-HCG")
    security = load_client_security(files.mtls_file("GR-HCG"))
    assert security.protocol == "SSL"
    assert security.principal == "User:GR-HCG"
    config = security.kafka_config()
    assert config["ssl_certfile"] == str(files.client_cert("GR-HCG"))
    assert config["ssl_keyfile"] == str(files.client_key("GR-HCG"))
    assert "sasl_mechanism" not in config
    assert security.ssl_context() is not None
    scram = load_client_security(files.client_file("GR-HCG"))
    assert scram.password == files.password("GR-HCG").read_text("utf-8").strip()
    assert (files.password("GR-HCG").stat().st_mode & 0o777) == 0o600
    assert (files.client_key("GR-HCG").stat().st_mode & 0o777) == 0o600
