"""Throw-away TLS material and SCRAM credentials for the secured local broker.

Everything lives in ``<broker home>/security``; private keys and passwords are mode 0600::

    ca.pem, ca.key                 a local CA, generated once (never use it elsewhere)
    broker.pem                     broker key and certificate (SAN 127.0.0.1, localhost),
                                   the broker's keystore (PEM, PKCS#8 key)
    <user>.password                the user's random SCRAM-SHA-512 password
    <user>.toml                    client security file: SASL_SSL as User:<user>
    <user>.cert.pem, <user>.key    a client certificate with CN=<user> (mutual TLS)
    <user>-mtls.toml               client security file: SSL with that certificate

The broker maps a certificate's ``CN=<name>`` to ``User:<name>``, so an agency has the same
principal whether it authenticates with SCRAM or with its certificate.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import ipaddress
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

BROKER_PRINCIPAL_NAME = "corridor-broker"
"""CN of the broker's certificate, hence its principal on the TLS listeners (a super user)."""
SCRAM_MECHANISM = "SCRAM-SHA-512"
SCRAM_ITERATIONS = 8192
_VALIDITY = dt.timedelta(days=365)


@dataclass(frozen=True)
class SecurityFiles:
    """Paths of the security material under one broker home."""

    directory: Path
    """``<home>/security``."""

    @property
    def ca_cert(self) -> Path:
        """The local CA's certificate (clients trust it)."""
        return self.directory / "ca.pem"

    @property
    def ca_key(self) -> Path:
        """The local CA's private key."""
        return self.directory / "ca.key"

    @property
    def broker_keystore(self) -> Path:
        """The broker's PKCS#8 key followed by its certificate (a PEM keystore)."""
        return self.directory / "broker.pem"

    def password(self, user: str) -> Path:
        """The SCRAM password file of ``user``."""
        return self.directory / f"{user}.password"

    def client_file(self, user: str) -> Path:
        """Client security file: SASL_SSL as ``user``."""
        return self.directory / f"{user}.toml"

    def client_cert(self, user: str) -> Path:
        """Client certificate of ``user`` (CN=user)."""
        return self.directory / f"{user}.cert.pem"

    def client_key(self, user: str) -> Path:
        """Private key of :meth:`client_cert`."""
        return self.directory / f"{user}.key"

    def mtls_file(self, user: str) -> Path:
        """Client security file: mutual TLS as ``user``."""
        return self.directory / f"{user}-mtls.toml"


def _write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to a new file readable by its owner only."""
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _load_ca(files: SecurityFiles) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    cert = x509.load_pem_x509_certificate(files.ca_cert.read_bytes())
    key = serialization.load_pem_private_key(files.ca_key.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError(f"{files.ca_key} is not an EC private key")
    return cert, key


def _issue(
    files: SecurityFiles, common_name: str, *, server: bool
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    ca_cert, ca_key = _load_ca(files)
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    usages = [ExtendedKeyUsageOID.CLIENT_AUTH]
    if server:
        usages.append(ExtendedKeyUsageOID.SERVER_AUTH)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + _VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage(usages), critical=False)
    )
    if server:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
    return key, builder.sign(ca_key, hashes.SHA256())


def ensure_broker_tls(files: SecurityFiles) -> None:
    """Create the CA and the broker's keystore once (kept across restarts)."""
    files.directory.mkdir(parents=True, exist_ok=True)
    files.directory.chmod(0o700)
    if not (files.ca_cert.is_file() and files.ca_key.is_file()):
        key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        name = _name("Corridor local test CA")
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + _VALIDITY)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .sign(key, hashes.SHA256())
        )
        _write_private(files.ca_key, _key_pem(key))
        files.ca_cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        files.broker_keystore.unlink(missing_ok=True)
    if not files.broker_keystore.is_file():
        key, cert = _issue(files, BROKER_PRINCIPAL_NAME, server=True)
        _write_private(
            files.broker_keystore, _key_pem(key) + cert.public_bytes(serialization.Encoding.PEM)
        )


def ensure_user(files: SecurityFiles, user: str) -> str:
    """The password of ``user`` (generated once), with its client certificate and files."""
    password_file = files.password(user)
    if not password_file.is_file():
        _write_private(password_file, (secrets.token_urlsafe(24) + "\n").encode())
    password = password_file.read_text("utf-8").strip()
    if not files.client_cert(user).is_file():
        key, cert = _issue(files, user, server=False)
        _write_private(files.client_key(user), _key_pem(key))
        files.client_cert(user).write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files.client_file(user).write_text(
        f"# SASL/SCRAM over TLS as User:{user} (generated by deploy/local_kafka.py)\n"
        'protocol = "SASL_SSL"\n'
        f'sasl_mechanism = "{SCRAM_MECHANISM}"\n'
        f'username = "{user}"\n'
        f'password_file = "{password_file.name}"\n'
        f'ca_file = "{files.ca_cert.name}"\n',
        "utf-8",
    )
    files.mtls_file(user).write_text(
        f"# Mutual TLS as User:{user} (generated by deploy/local_kafka.py)\n"
        'protocol = "SSL"\n'
        f'ca_file = "{files.ca_cert.name}"\n'
        f'cert_file = "{files.client_cert(user).name}"\n'
        f'key_file = "{files.client_key(user).name}"\n',
        "utf-8",
    )
    return password


def scram_format_argument(user: str, password: str) -> str:
    """``--add-scram`` value for the storage tool, salted here so no password is on a command
    line."""
    salt = secrets.token_bytes(24)
    salted = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, SCRAM_ITERATIONS)
    return (
        f"{SCRAM_MECHANISM}=[name={user},iterations={SCRAM_ITERATIONS},"
        f'salt="{base64.b64encode(salt).decode()}",'
        f'saltedpassword="{base64.b64encode(salted).decode()}"]'
    )


def issue_server_pem(files: SecurityFiles, common_name: str, out: Path) -> None:
    """A server key and certificate (SAN 127.0.0.1, localhost) from the local CA, in one PEM.

    For other local HTTPS servers (the demo's TAXII server); the CA must exist
    (:func:`ensure_broker_tls`). Clients trust ``files.ca_cert``.
    """
    key, cert = _issue(files, common_name, server=True)
    _write_private(out, _key_pem(key) + cert.public_bytes(serialization.Encoding.PEM))
