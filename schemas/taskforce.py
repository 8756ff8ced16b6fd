"""The task-force configuration: which agencies publish and which receive deliveries.

A TOML file shared by the hub's services (topics, verifier, delivery, ACLs): the
member agencies, their roles and clearances, and how each receives deliveries.
Everything is validated when the file is loaded, with the offending key in the message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from schemas.errors import ConfigError, DocumentError
from schemas.marking import TLP_LEVELS
from schemas.replication import Replication, parse_replication
from schemas.topics import DEFAULT_PREFIX, TopicNames
from schemas.user_files import read_toml_file
from schemas.validation import is_agency_id

ROLES = (
    "interior_ministry",
    "investigation_agency",
    "border_guard",
    "coast_guard",
    "international_organisation",
    "eu_partner",
)

#: Roles that are law enforcement; by default an originator's H2 material goes only to them.
LAW_ENFORCEMENT_ROLES = (*ROLES[:4], "eu_partner")


#: Signing identity of the task-force hub when the file names none.
DEFAULT_HUB_ID = "TF-HUB"
#: Highest TLP (below RED, which goes to named recipients only) a member receives by default.
DEFAULT_TLP_CLEARANCE = "AMBER_STRICT"
#: TLP levels a member can be cleared for (RED goes to named recipients only).
CLEARABLE_TLP = TLP_LEVELS[:-1]
_CLEARABLE_TLP = CLEARABLE_TLP
#: Keys of the file's top level, of an [[agency]] table, of [webhooks] and of [agency.webhook]
#: (docs/taskforce-file.md documents each; a test checks that the two agree).
TOP_LEVEL_KEYS = frozenset(
    {"name", "topic_prefix", "trust_store", "hub", "agency", "webhooks", "registry_roots", "kafka"}
)
WEBHOOK_POLICY_KEYS = frozenset({"max_attempts", "initial_backoff_s", "max_backoff_s", "timeout_s"})
WEBHOOK_KEYS = frozenset({"url"})
MEMBER_KEYS = _MEMBER_KEYS = {
    "id",
    "name",
    "role",
    "publishes",
    "receives",
    "tlp_clearance",
    "personal_data",
    "inbox",
    "webhook",
    "h2_share_with",
}


@dataclass(frozen=True)
class Webhook:
    """An HTTPS endpoint a member receives its deliveries on, besides or instead of its inbox."""

    url: str
    """``https://`` URL the hub POSTs each delivery to."""


@dataclass(frozen=True)
class WebhookPolicy:
    """How the hub retries webhook deliveries (the ``[webhooks]`` table)."""

    max_attempts: int = 8
    """Attempts before a delivery goes to the dead-letter topic."""
    initial_backoff_s: float = 1.0
    """Wait before the second attempt; doubles each attempt (with full jitter)."""
    max_backoff_s: float = 300.0
    """Upper bound of one wait."""
    timeout_s: float = 10.0
    """Connect-and-response timeout of one POST."""


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
    tlp_clearance: str = DEFAULT_TLP_CLEARANCE
    """Highest TLP it receives without being named: CLEAR, GREEN, AMBER or AMBER_STRICT."""
    personal_data: bool = False
    """Cleared for victims' and witnesses' personal data (receives it encrypted to its key)."""
    inbox: bool = True
    """Reads its deliveries from its Kafka inbox topic with its own client."""
    webhook: Webhook | None = None
    """Receives its deliveries as signed HTTPS POSTs, if set."""
    h2_share_with: frozenset[str] = frozenset(LAW_ENFORCEMENT_ROLES)
    """Standing consent for its H2 material: agency ids and role names that may receive it."""

    def consents_h2_to(self, recipient: Member) -> bool:
        """Whether this originator's H2 material may go to ``recipient``."""
        return bool({recipient.agency_id, recipient.role} & self.h2_share_with)


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
    webhooks: WebhookPolicy = WebhookPolicy()
    """Retry policy of webhook deliveries."""
    registry_roots: Path | None = None
    """Root-key file of the signed key registry: when set, the hub's verifiers follow the
    registry on ``<prefix>.keys`` (checked against these roots) instead of ``trust_store``."""
    replication: Replication = field(default_factory=Replication)
    """Replication factor and min.insync.replicas of every topic (the ``[kafka]`` table)."""

    def member(self, agency_id: str) -> Member | None:
        """The member with this id, if any."""
        return next((m for m in self.members if m.agency_id == agency_id), None)

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
    for flag in ("publishes", "receives", "personal_data", "inbox"):
        if not isinstance(raw.get(flag, flag != "personal_data"), bool):
            raise ConfigError(f"{where}.{flag}: expected true or false")
    unknown = set(raw) - _MEMBER_KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown keys {', '.join(sorted(unknown))}")
    clearance = raw.get("tlp_clearance", DEFAULT_TLP_CLEARANCE)
    if clearance not in _CLEARABLE_TLP:
        raise ConfigError(
            f"{where}.tlp_clearance: {clearance!r} is not one of {', '.join(_CLEARABLE_TLP)} "
            "(TLP:RED goes only to the recipients an originator names)"
        )
    webhook = _webhook(raw.get("webhook"), f"{where}.webhook")
    share = raw.get("h2_share_with", list(LAW_ENFORCEMENT_ROLES))
    if not isinstance(share, list) or not all(isinstance(x, str) for x in share):
        raise ConfigError(f"{where}.h2_share_with: expected a list of agency ids and roles")
    receives = raw.get("receives", True)
    inbox = raw.get("inbox", True)
    if receives and not inbox and webhook is None:
        raise ConfigError(f"{where}: receives deliveries but has neither inbox nor webhook")
    return Member(
        agency_id=agency_id,
        name=str(raw.get("name", agency_id)),
        role=role,
        publishes=raw.get("publishes", True),
        receives=receives,
        tlp_clearance=clearance,
        personal_data=raw.get("personal_data", False),
        inbox=inbox,
        webhook=webhook,
        h2_share_with=frozenset(share),
    )


def _webhook(raw: Any, where: str) -> Webhook | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a table with a url")
    unknown = set(raw) - WEBHOOK_KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown keys {', '.join(sorted(unknown))}")
    url = raw.get("url")
    if not isinstance(url, str) or not url.startswith("https://") or len(url) <= len("https://"):
        raise ConfigError(f"{where}.url: {url!r} is not an https:// URL (plain HTTP is refused)")
    return Webhook(url=url)


def _webhook_policy(raw: Any) -> WebhookPolicy:
    if raw is None:
        return WebhookPolicy()
    if not isinstance(raw, dict):
        raise ConfigError("webhooks: expected a table")
    defaults = WebhookPolicy()
    unknown = set(raw) - WEBHOOK_POLICY_KEYS
    if unknown:
        raise ConfigError(f"webhooks: unknown keys {', '.join(sorted(unknown))}")
    attempts = raw.get("max_attempts", defaults.max_attempts)
    if not isinstance(attempts, int) or isinstance(attempts, bool) or attempts < 1:
        raise ConfigError(f"webhooks.max_attempts: {attempts!r} is not a positive integer")
    seconds: dict[str, float] = {}
    for name in ("initial_backoff_s", "max_backoff_s", "timeout_s"):
        value = raw.get(name, getattr(defaults, name))
        if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
            raise ConfigError(f"webhooks.{name}: {value!r} is not a positive number of seconds")
        seconds[name] = float(value)
    if seconds["max_backoff_s"] < seconds["initial_backoff_s"]:
        raise ConfigError("webhooks.max_backoff_s: must not be below initial_backoff_s")
    return WebhookPolicy(max_attempts=attempts, **seconds)


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
    for member in members:
        for entry in sorted(member.h2_share_with - seen - set(ROLES)):
            raise ConfigError(
                f"agency {member.agency_id}: h2_share_with names {entry!r}, "
                "which is neither a member agency nor a role"
            )
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
    registry_roots = document.get("registry_roots")
    if registry_roots is not None and (not isinstance(registry_roots, str) or not registry_roots):
        raise ConfigError("registry_roots: expected a path")
    unknown = set(document) - TOP_LEVEL_KEYS
    if unknown:
        raise ConfigError(f"unknown top-level keys {', '.join(sorted(unknown))}")
    return TaskForce(
        webhooks=_webhook_policy(document.get("webhooks")),
        hub_id=hub_id,
        name=str(document.get("name", "task force")),
        topics=TopicNames(prefix),
        trust_store=(base_dir / trust_store),
        members=members,
        registry_roots=None if registry_roots is None else base_dir / registry_roots,
        replication=parse_replication(document.get("kafka")),
    )


def load_taskforce(path: Path, *, topic_prefix: str | None = None) -> TaskForce:
    """Read the task-force file; ``topic_prefix`` overrides the file's prefix."""
    try:
        document = read_toml_file(path, "task-force config")
    except DocumentError as exc:
        raise ConfigError(str(exc)) from exc
    if topic_prefix is not None:
        document["topic_prefix"] = topic_prefix
    try:
        return parse_taskforce(document, path.parent)
    except ConfigError as exc:
        raise ConfigError(f"task-force config {path}: {exc}") from exc
