"""How a Corridor client authenticates to Kafka: PLAINTEXT, TLS with a client certificate, or
SASL/SCRAM over TLS.

One typed settings object for every client (publisher, inbox reader, delivery service,
streams worker, admin tools), read from a small TOML file (``--kafka-security FILE``)::

    protocol = "SASL_SSL"              # PLAINTEXT (default) | SSL | SASL_SSL
    sasl_mechanism = "SCRAM-SHA-512"   # SCRAM-SHA-512 (default) | SCRAM-SHA-256
    username = "PK-FIA"
    password_file = "PK-FIA.password"  # or password_env = "CORRIDOR_KAFKA_PASSWORD"
    ca_file = "ca.pem"                 # CA that signed the broker certificate
    cert_file = "PK-FIA.pem"           # protocol SSL: client certificate (mutual TLS)
    key_file = "PK-FIA.key"            #               and its unencrypted private key

Relative paths are relative to the file. The password is never written in the file itself,
and ``repr`` of the settings hides it.
"""

from __future__ import annotations

import os
import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.x509.oid import NameOID

from schemas.errors import ConfigError, DocumentError
from schemas.user_files import decode_utf8, read_bytes, read_toml_file

PLAINTEXT = "PLAINTEXT"
SSL = "SSL"
SASL_SSL = "SASL_SSL"
PROTOCOLS = (PLAINTEXT, SSL, SASL_SSL)
SASL_MECHANISMS = ("SCRAM-SHA-512", "SCRAM-SHA-256")
_KEYS = {
    "protocol",
    "sasl_mechanism",
    "username",
    "password_file",
    "password_env",
    "ca_file",
    "cert_file",
    "key_file",
}


@dataclass(frozen=True)
class ClientSecurity:
    """Authentication and encryption of one Kafka client."""

    protocol: str = PLAINTEXT
    """``PLAINTEXT``, ``SSL`` (TLS; mutual TLS with ``cert_file``) or ``SASL_SSL``."""
    sasl_mechanism: str = SASL_MECHANISMS[0]
    """SCRAM mechanism for ``SASL_SSL``."""
    username: str | None = None
    """SCRAM user name (``SASL_SSL``); the principal is ``User:<username>``."""
    password: str | None = field(default=None, repr=False)
    """SCRAM password; never printed or logged."""
    ca_file: Path | None = None
    """PEM bundle of the CA that signed the broker's certificate (default: system CAs)."""
    cert_file: Path | None = None
    """PEM client certificate for mutual TLS."""
    key_file: Path | None = None
    """PEM private key of ``cert_file`` (unencrypted)."""

    def __post_init__(self) -> None:
        if self.protocol not in PROTOCOLS:
            raise ConfigError(f"protocol: {self.protocol!r} is not one of {', '.join(PROTOCOLS)}")
        if self.protocol == SASL_SSL:
            if self.sasl_mechanism not in SASL_MECHANISMS:
                raise ConfigError(
                    f"sasl_mechanism: {self.sasl_mechanism!r} is not one of "
                    f"{', '.join(SASL_MECHANISMS)}"
                )
            if not self.username or not self.password:
                raise ConfigError("SASL_SSL needs a username and a password")
        if (self.cert_file is None) != (self.key_file is None):
            raise ConfigError("cert_file and key_file go together (mutual TLS)")
        if self.protocol == PLAINTEXT and (self.ca_file or self.cert_file):
            raise ConfigError("ca_file/cert_file need protocol SSL or SASL_SSL")

    @property
    def tls(self) -> bool:
        """True when the connection is encrypted."""
        return self.protocol in (SSL, SASL_SSL)

    @property
    def principal(self) -> str | None:
        """The principal the broker will see, when known: ``User:<name>``."""
        if self.protocol == SASL_SSL:
            return f"User:{self.username}"
        if self.protocol == SSL and self.cert_file is not None:
            common_name = certificate_common_name(self.cert_file)
            return f"User:{common_name}" if common_name else None
        return None

    def as_principal(self) -> str:
        """`` as User:X`` for messages, or an empty string when anonymous."""
        principal = self.principal
        return f" as {principal}" if principal else ""

    def kafka_config(self) -> dict[str, Any]:
        """kafka-python client settings (producer, consumer, admin client)."""
        config: dict[str, Any] = {"security_protocol": self.protocol}
        if self.tls:
            config["ssl_check_hostname"] = True
            if self.ca_file is not None:
                config["ssl_cafile"] = str(self.ca_file)
            if self.cert_file is not None and self.key_file is not None:
                config["ssl_certfile"] = str(self.cert_file)
                config["ssl_keyfile"] = str(self.key_file)
        if self.protocol == SASL_SSL:
            config["sasl_mechanism"] = self.sasl_mechanism
            config["sasl_plain_username"] = self.username
            config["sasl_plain_password"] = self.password
        return config

    def ssl_context(self) -> ssl.SSLContext | None:
        """A verifying TLS context (with the client certificate, if any); None for PLAINTEXT."""
        if not self.tls:
            return None
        try:
            context = ssl.create_default_context(
                cafile=str(self.ca_file) if self.ca_file is not None else None
            )
            if self.cert_file is not None and self.key_file is not None:
                context.load_cert_chain(str(self.cert_file), str(self.key_file))
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(f"cannot load TLS files: {exc}") from exc
        return context


PLAINTEXT_CLIENT = ClientSecurity()
"""No authentication, no encryption: the local development broker."""


def certificate_common_name(path: Path) -> str | None:
    """The subject CN of a PEM certificate, or None if it has none or cannot be read."""
    try:
        cert = x509.load_pem_x509_certificate(path.read_bytes())
    except (OSError, ValueError):
        return None
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    value = names[0].value if names else None
    return value if isinstance(value, str) else None


def _path(raw: Any, key: str, base: Path) -> Path | None:
    if raw is None:
        return None
    if not isinstance(raw, str) or not raw:
        raise ConfigError(f"{key}: expected a file path")
    path = base / raw
    if not path.is_file():
        raise ConfigError(f"{key}: {path} does not exist")
    return path


def _password(document: dict[str, Any], base: Path) -> str | None:
    file_name = document.get("password_file")
    env_name = document.get("password_env")
    if file_name is not None and env_name is not None:
        raise ConfigError("give password_file or password_env, not both")
    if env_name is not None:
        if not isinstance(env_name, str) or not env_name:
            raise ConfigError("password_env: expected an environment variable name")
        value = os.environ.get(env_name)
        if not value:
            raise ConfigError(f"password_env: environment variable {env_name} is not set")
        return value
    path = _path(file_name, "password_file", base)
    if path is None:
        return None
    try:
        text = decode_utf8(read_bytes(path, "password file"), f"password file {path}")
    except DocumentError as exc:
        raise ConfigError(f"password_file: {exc}") from exc
    return text.strip() or None


def parse_client_security(document: dict[str, Any], base: Path) -> ClientSecurity:
    """Build and validate settings from a decoded TOML document (paths relative to ``base``)."""
    unknown = set(document) - _KEYS
    if unknown:
        raise ConfigError(f"unknown keys {', '.join(sorted(unknown))}")
    for key in ("protocol", "sasl_mechanism", "username"):
        if key in document and not isinstance(document[key], str):
            raise ConfigError(f"{key}: expected a string")
    return ClientSecurity(
        protocol=document.get("protocol", PLAINTEXT),
        sasl_mechanism=document.get("sasl_mechanism", SASL_MECHANISMS[0]),
        username=document.get("username"),
        password=_password(document, base),
        ca_file=_path(document.get("ca_file"), "ca_file", base),
        cert_file=_path(document.get("cert_file"), "cert_file", base),
        key_file=_path(document.get("key_file"), "key_file", base),
    )


def load_client_security(path: Path) -> ClientSecurity:
    """Read a client security file (see the module docstring)."""
    try:
        document = read_toml_file(path, "Kafka security file")
    except DocumentError as exc:
        raise ConfigError(str(exc)) from exc
    try:
        return parse_client_security(document, path.parent)
    except ConfigError as exc:
        raise ConfigError(f"Kafka security file {path}: {exc}") from exc
