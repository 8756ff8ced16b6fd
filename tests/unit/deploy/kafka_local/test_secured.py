"""The secured local broker's configuration: nothing is reachable without authenticating."""

from __future__ import annotations

from pathlib import Path

import local_security
from kafka_local.config import BrokerConfig
from kafka_local.jvm import write_server_properties
from kafka_local.node import LocalKafka


def _props(tmp_path: Path) -> dict[str, str]:
    config = BrokerConfig(
        home=tmp_path, port=1001, controller_port=1002, mtls_port=1003, secured=True
    )
    return LocalKafka(config).server_properties()


def test_secured_broker_enforces_acls_and_has_no_plaintext_listener(tmp_path: Path) -> None:
    props = _props(tmp_path)
    assert props["authorizer.class.name"] == (
        "org.apache.kafka.metadata.authorizer.StandardAuthorizer"
    )
    assert props["allow.everyone.if.no.acl.found"] == "false"
    assert props["super.users"] == "User:admin;User:corridor-broker"
    protocols = dict(p.split(":") for p in props["listener.security.protocol.map"].split(","))
    assert protocols == {"CLIENT": "SASL_SSL", "MTLS": "SSL", "CONTROLLER": "SSL"}
    assert "PLAINTEXT" not in props["listeners"]
    assert props["ssl.client.auth"] == "required"  # MTLS and CONTROLLER
    assert props["listener.name.client.ssl.client.auth"] == "none"  # SCRAM instead
    assert props["inter.broker.listener.name"] == "MTLS"
    assert props["sasl.enabled.mechanisms"] == "SCRAM-SHA-512"
    assert props["advertised.listeners"].startswith("CLIENT://127.0.0.1:1001,")


def test_plain_broker_is_unchanged(tmp_path: Path) -> None:
    props = LocalKafka(BrokerConfig(home=tmp_path)).server_properties()
    assert "authorizer.class.name" not in props
    assert props["listener.security.protocol.map"] == "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT"


def test_running_port_is_the_first_advertised_listener(tmp_path: Path) -> None:
    kafka = LocalKafka(BrokerConfig(home=tmp_path, port=1001, mtls_port=1003, secured=True))
    write_server_properties(kafka.config)
    assert kafka._running_port() == 1001


def test_scram_format_argument_carries_no_password() -> None:
    argument = local_security.scram_format_argument("admin", "the-secret-password")
    assert "the-secret-password" not in argument
    assert argument.startswith("SCRAM-SHA-512=[name=admin,iterations=8192,salt=")
    assert "saltedpassword=" in argument


def test_broker_certificate_and_files(tmp_path: Path) -> None:
    from cryptography import x509

    files = local_security.SecurityFiles(tmp_path / "security")
    local_security.ensure_broker_tls(files)
    pem = files.broker_keystore.read_bytes()
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----")  # PKCS#8, as Kafka's PEM store wants
    cert = x509.load_pem_x509_certificate(pem[pem.index(b"-----BEGIN CERTIFICATE") :])
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in san.get_values_for_type(x509.DNSName)
    assert [str(ip) for ip in san.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
    for private in (files.broker_keystore, files.ca_key):
        assert (private.stat().st_mode & 0o777) == 0o600
    first_password = local_security.ensure_user(files, "PK-FIA")
    assert local_security.ensure_user(files, "PK-FIA") == first_password  # kept across starts
    assert len(first_password) >= 32
