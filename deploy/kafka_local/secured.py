"""Secured mode of a local broker: SASL_SSL and mutual-TLS listeners, SCRAM users, the authorizer.

Secured mode (``BrokerConfig(secured=True)``, ``up --secured``, ``make kafka-up SECURED=1``)
runs the broker as the task force would, with Kafka's own authorizer::

    CLIENT      SASL_SSL, SCRAM-SHA-512   on --port (default 9192): agencies, hub, admin
    MTLS        SSL, client certificate   on --mtls-port (9194): agencies with certificates;
                                          also the inter-broker listener
    CONTROLLER  SSL, client certificate   on --controller-port (9193): KRaft controller

``authorizer.class.name`` is KRaft's StandardAuthorizer with
``allow.everyone.if.no.acl.found=false``: a principal may do only what an ACL allows
(``corridor acl apply`` writes them). ``super.users`` holds exactly ``User:admin`` (SCRAM, for
topics and ACLs) and ``User:corridor-broker``, the broker's own certificate, which it presents on
the controller and inter-broker connections. No listener accepts unauthenticated clients, so
there is no ``User:ANONYMOUS`` that would have to be a super user: that is why the controller
listener uses mutual TLS rather than PLAINTEXT (SCRAM cannot authenticate controller
connections: its credentials live in the metadata log the controller serves). Certificates map
``CN=<name>`` to ``User:<name>``. Passwords, keys and per-user client security files are in
``<home>/security`` (see local_security.py), mode 0600; the admin is created when the storage is
formatted (salted, so no password appears on a command line), the other users (``users``, or
the hub and members of ``--taskforce``) through the admin API at every start.
"""

from __future__ import annotations

from kafka.admin import KafkaAdminClient, UserScramCredentialUpsertion

from kafka_local.config import ADMIN_USER, LOOPBACK, BrokerConfig
from kafka_local.errors import KafkaToolError
from local_security import (
    BROKER_PRINCIPAL_NAME,
    SCRAM_ITERATIONS,
    SCRAM_MECHANISM,
    ensure_broker_tls,
    ensure_user,
    scram_format_argument,
)

__all__ = ["SECURED_PORTS", "admin_format_arguments", "ensure_users", "secured_properties"]

SECURED_PORTS = (9192, 9193, 9194)
"""Default client, controller and mutual-TLS ports of the secured broker."""


def secured_properties(cfg: BrokerConfig) -> dict[str, str]:
    """Listeners, TLS, SCRAM and the authorizer of secured mode (module docstring)."""
    files = cfg.security
    return {
        "listeners": (
            f"CLIENT://{LOOPBACK}:{cfg.port},MTLS://{LOOPBACK}:{cfg.mtls_port},"
            f"CONTROLLER://{LOOPBACK}:{cfg.controller_port}"
        ),
        "advertised.listeners": (
            f"CLIENT://{LOOPBACK}:{cfg.port},MTLS://{LOOPBACK}:{cfg.mtls_port}"
        ),
        "listener.security.protocol.map": "CLIENT:SASL_SSL,MTLS:SSL,CONTROLLER:SSL",
        "inter.broker.listener.name": "MTLS",
        "sasl.enabled.mechanisms": SCRAM_MECHANISM,
        "listener.name.client.sasl.enabled.mechanisms": SCRAM_MECHANISM,
        f"listener.name.client.{SCRAM_MECHANISM.lower()}.sasl.jaas.config": (
            "org.apache.kafka.common.security.scram.ScramLoginModule required;"
        ),
        "ssl.keystore.type": "PEM",
        "ssl.keystore.location": str(files.broker_keystore),
        "ssl.truststore.type": "PEM",
        "ssl.truststore.location": str(files.ca_cert),
        # Certificates are required on MTLS and CONTROLLER; CLIENT authenticates with SCRAM.
        "ssl.client.auth": "required",
        "listener.name.client.ssl.client.auth": "none",
        "ssl.principal.mapping.rules": "RULE:^CN=([^,]+)$/$1/,DEFAULT",
        "authorizer.class.name": ("org.apache.kafka.metadata.authorizer.StandardAuthorizer"),
        "allow.everyone.if.no.acl.found": "false",
        "super.users": f"User:{ADMIN_USER};User:{BROKER_PRINCIPAL_NAME}",
    }


def admin_format_arguments(cfg: BrokerConfig) -> list[str]:
    """StorageTool ``format`` arguments that create the admin's SCRAM credential (secured only)."""
    if not cfg.secured:
        return []
    password = ensure_user(cfg.security, ADMIN_USER)
    return ["--add-scram", scram_format_argument(ADMIN_USER, password)]


def ensure_users(cfg: BrokerConfig, bootstrap: str) -> None:
    """Secured mode: give every configured user its SCRAM credential (idempotent upsert)."""
    if not cfg.secured or not cfg.users:
        return
    ensure_broker_tls(cfg.security)
    upserts = [
        UserScramCredentialUpsertion(
            user, SCRAM_MECHANISM, ensure_user(cfg.security, user), SCRAM_ITERATIONS
        )
        for user in cfg.users
    ]
    admin = KafkaAdminClient(
        bootstrap_servers=bootstrap,
        client_id="corridor-local-kafka-users",
        **cfg.admin_client_config(),
    )
    try:
        results = admin.alter_user_scram_credentials(upserts)
    except Exception as exc:
        raise KafkaToolError(f"could not create the SCRAM users: {exc}") from exc
    finally:
        admin.close()
    failed = {user: error for user, error in results.items() if error}
    if failed:
        raise KafkaToolError(f"could not create SCRAM users: {failed}")
