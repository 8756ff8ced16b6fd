"""Applying the planned ACLs to a cluster with kafka-python's admin client.

The plan comes from :mod:`schemas.access`; this module only reads the cluster's bindings,
creates the missing ones and, when asked, deletes the stale ones. It needs a principal allowed
to manage ACLs (the admin super user).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from kafka.admin import (
    ACL,
    ACLFilter,
    ACLOperation,
    ACLPermissionType,
    ACLResourcePatternType,
    KafkaAdminClient,
    ResourcePattern,
    ResourcePatternFilter,
    ResourceType,
)
from kafka.errors import AuthorizationError, KafkaError, SecurityDisabledError

from producers.kafka_client import client_config, connect
from schemas.access import AclDiff, AclRule, HubAccess, diff_acls
from schemas.client_security import PLAINTEXT_CLIENT, ClientSecurity
from schemas.errors import ConfigError, CorridorError, NotAuthorized
from schemas.taskforce import TaskForce

logger = logging.getLogger(__name__)


class AclAdminError(CorridorError):
    """The cluster's ACLs could not be read or changed."""

    retriable = True


@dataclass(frozen=True)
class AclChanges:
    """What :func:`apply_acls` did."""

    diff: AclDiff
    """The difference it found before changing anything."""
    created: tuple[AclRule, ...]
    """Rules it created."""
    deleted: tuple[AclRule, ...]
    """Rules it deleted (only with ``prune``)."""


def to_kafka_acl(rule: AclRule) -> Any:
    """The kafka-python ``ACL`` of a rule."""
    return ACL(
        principal=rule.principal,
        host=rule.host,
        operation=ACLOperation[rule.operation],
        permission_type=ACLPermissionType[rule.permission],
        resource_pattern=ResourcePattern(
            ResourceType[rule.resource_type],
            rule.resource_name,
            ACLResourcePatternType[rule.pattern],
        ),
    )


def from_kafka_acl(acl: Any) -> AclRule:
    """The rule of a kafka-python ``ACL``."""
    pattern = acl.resource_pattern
    return AclRule(
        principal=acl.principal,
        resource_type=pattern.resource_type.name,
        resource_name=pattern.resource_name,
        pattern=pattern.pattern_type.name,
        operation=acl.operation.name,
        permission=acl.permission_type.name,
        host=acl.host,
    )


_EVERYTHING = ACLFilter(
    principal=None,
    host=None,
    operation=ACLOperation.ANY,
    permission_type=ACLPermissionType.ANY,
    resource_pattern=ResourcePatternFilter(ResourceType.ANY, None, ACLResourcePatternType.ANY),
)


class AclAdmin:
    """Reads and changes a cluster's ACLs."""

    def __init__(self, bootstrap: str, security: ClientSecurity = PLAINTEXT_CLIENT) -> None:
        self._bootstrap = bootstrap
        self._security = security
        self._admin = connect(
            KafkaAdminClient,
            bootstrap=bootstrap,
            security=security,
            unavailable=AclAdminError,
            **client_config(bootstrap, security),
            client_id="corridor-acl",
        )

    def _refused(self, exc: KafkaError) -> CorridorError:
        if isinstance(exc, SecurityDisabledError):
            return ConfigError(
                f"the cluster at {self._bootstrap} has no authorizer (authorizer.class.name), "
                "so it has no ACLs to manage"
            )
        if isinstance(exc, AuthorizationError):
            return NotAuthorized(
                f"not authorized to manage ACLs{self._security.as_principal()} "
                "(use the admin's security file)"
            )
        return AclAdminError(f"ACL request to {self._bootstrap} failed: {exc}")

    def existing(self) -> list[AclRule]:
        """Every binding on the cluster, as rules."""
        try:
            acls, _ = self._admin.describe_acls(_EVERYTHING)
        except KafkaError as exc:
            raise self._refused(exc) from exc
        return sorted(from_kafka_acl(acl) for acl in acls)

    def create(self, rules: Iterable[AclRule]) -> list[AclRule]:
        """Create ``rules``; all or an error."""
        rules = list(rules)
        if not rules:
            return []
        try:
            result = self._admin.create_acls([to_kafka_acl(r) for r in rules])
        except KafkaError as exc:
            raise self._refused(exc) from exc
        if result["failed"]:
            error = result["failed"][0]
            raise self._refused(error() if isinstance(error, type) else error)
        return rules

    def delete(self, rules: Iterable[AclRule]) -> list[AclRule]:
        """Delete exactly ``rules``; returns those the cluster reported deleted."""
        filters = [to_kafka_acl(r) for r in rules]
        if not filters:
            return []
        try:
            results = self._admin.delete_acls(filters)
        except KafkaError as exc:
            raise self._refused(exc) from exc
        deleted: list[AclRule] = []
        for _, matched, error in results:
            errno: int = error.errno if error is not None else 0
            if errno:
                raise self._refused(error() if isinstance(error, type) else error)
            deleted += [from_kafka_acl(acl) for acl in matched]
        return sorted(deleted)

    def close(self) -> None:
        """Close the admin client."""
        self._admin.close()

    def __enter__(self) -> AclAdmin:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def apply_acls(
    admin: AclAdmin,
    planned: list[AclRule],
    taskforce: TaskForce,
    hub: HubAccess | None = None,
    *,
    prune: bool = False,
    dry_run: bool = False,
) -> AclChanges:
    """Create the planned rules the cluster lacks; with ``prune``, delete stale managed ones.

    Idempotent: a second run finds nothing to do.
    """
    diff = diff_acls(planned, admin.existing(), taskforce, hub)
    if dry_run:
        return AclChanges(diff=diff, created=(), deleted=())
    created = admin.create(diff.missing)
    deleted = admin.delete(diff.stale) if prune else []
    for rule in created:
        logger.debug("created ACL %s", rule.describe())
    for rule in deleted:
        logger.debug("deleted ACL %s", rule.describe())
    return AclChanges(diff=diff, created=tuple(created), deleted=tuple(deleted))
