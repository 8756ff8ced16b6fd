"""The task-force configuration: which agencies publish and which receive deliveries.

A TOML file shared by the hub's services (topics, verifier, delivery). Issue-level
sharing rules (roles, clearances) build on the same file.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from schemas.errors import ConfigError
from schemas.topics import DEFAULT_PREFIX, TopicNames
from schemas.validation import is_agency_id

ROLES = (
    "interior_ministry",
    "investigation_agency",
    "border_guard",
    "coast_guard",
    "international_organisation",
    "eu_partner",
)


#: Signing identity of the task-force hub when the file names none.
DEFAULT_HUB_ID = "TF-HUB"


@dataclass(frozen=True)
class Member:
    """One agency of the task force."""

    agency_id: str
    """Task-force id, e.g. ``PK-FIA``."""
    name: str
    """Human-readable name."""
    role: str
    """One of :data:`ROLES`."""
    publishes: bool
    """Has an inbound topic and may publish alerts."""
    receives: bool
    """Has an inbox and receives deliveries."""


@dataclass(frozen=True)
class TaskForce:
    """The whole configuration."""

    name: str
    """Name of the task force."""
    topics: TopicNames
    """Topic naming of this deployment."""
    trust_store: Path
    """Path of the trust store file."""
    members: tuple[Member, ...]
    """Member agencies, in file order."""
    hub_id: str = DEFAULT_HUB_ID
    """The hub's signing identity (signs incidents); not a member agency."""

    @property
    def publishers(self) -> tuple[Member, ...]:
        """Members that publish alerts."""
        return tuple(m for m in self.members if m.publishes)

    @property
    def recipients(self) -> tuple[Member, ...]:
        """Members that receive deliveries."""
        return tuple(m for m in self.members if m.receives)


def _member(raw: Any, where: str) -> Member:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a table")
    agency_id = raw.get("id")
    if not isinstance(agency_id, str) or not is_agency_id(agency_id):
        raise ConfigError(f"{where}.id: {agency_id!r} is not an agency id like PK-FIA")
    role = raw.get("role")
    if role not in ROLES:
        raise ConfigError(f"{where}.role: {role!r} is not one of {', '.join(ROLES)}")
    for flag in ("publishes", "receives"):
        if not isinstance(raw.get(flag, True), bool):
            raise ConfigError(f"{where}.{flag}: expected true or false")
    unknown = set(raw) - {"id", "name", "role", "publishes", "receives"}
    if unknown:
        raise ConfigError(f"{where}: unknown keys {', '.join(sorted(unknown))}")
    return Member(
        agency_id=agency_id,
        name=str(raw.get("name", agency_id)),
        role=role,
        publishes=raw.get("publishes", True),
        receives=raw.get("receives", True),
    )


def parse_taskforce(document: dict[str, Any], base_dir: Path) -> TaskForce:
    """Build and validate a :class:`TaskForce` from a decoded TOML document."""
    raw_members = document.get("agency")
    if not isinstance(raw_members, list) or not raw_members:
        raise ConfigError("needs at least one [[agency]] table")
    members = tuple(_member(m, f"agency[{i}]") for i, m in enumerate(raw_members))
    seen: set[str] = set()
    for member in members:
        if member.agency_id in seen:
            raise ConfigError(f"agency {member.agency_id} is listed twice")
        seen.add(member.agency_id)
    prefix = document.get("topic_prefix", DEFAULT_PREFIX)
    if not isinstance(prefix, str) or not prefix:
        raise ConfigError("topic_prefix: expected a non-empty string")
    trust_store = document.get("trust_store", "trust-store.json")
    if not isinstance(trust_store, str):
        raise ConfigError("trust_store: expected a path")
    hub_id = document.get("hub", DEFAULT_HUB_ID)
    if not isinstance(hub_id, str) or not is_agency_id(hub_id):
        raise ConfigError(f"hub: {hub_id!r} is not an id like TF-HUB")
    if hub_id in seen:
        raise ConfigError(f"hub: {hub_id} is also a member agency; the hub needs its own id")
    return TaskForce(
        hub_id=hub_id,
        name=str(document.get("name", "task force")),
        topics=TopicNames(prefix),
        trust_store=(base_dir / trust_store),
        members=members,
    )


def load_taskforce(path: Path, *, topic_prefix: str | None = None) -> TaskForce:
    """Read the task-force file; ``topic_prefix`` overrides the file's prefix."""
    try:
        document = tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"task-force config {path} does not exist") from exc
    except OSError as exc:
        raise ConfigError(f"cannot read task-force config {path}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"task-force config {path} is not valid TOML: {exc}") from exc
    if topic_prefix is not None:
        document["topic_prefix"] = topic_prefix
    try:
        return parse_taskforce(document, path.parent)
    except ConfigError as exc:
        raise ConfigError(f"task-force config {path}: {exc}") from exc
