"""The trust store's entries: an agency, its signing and encryption keys; the format name."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

from schemas.clearances import Clearance
from schemas.json_mapping import format_timestamp

FORMAT = "corridor-trust-store/1"
STATUSES = ("active", "retired", "revoked")


@dataclass(frozen=True)
class TrustedKey:
    """One public key of one agency."""

    key_id: str
    """16 hex digits, derived from the key (see :func:`schemas.keys.key_id`)."""
    public_key: Ed25519PublicKey
    """The Ed25519 public key."""
    status: str = "active"
    """``active``; ``retired`` (still verifies until ``valid_until``); ``revoked``."""
    valid_from: dt.datetime | None = None
    """Messages produced before this instant are rejected; ``None``: no lower bound."""
    valid_until: dt.datetime | None = None
    """Messages produced at or after this instant are rejected; ``None``: no bound."""
    compromised_at: dt.datetime | None = None
    """For a revoked key: messages produced from here on are rejected."""

    def problem_at(self, produced_at: dt.datetime) -> str | None:
        """Why this key may not sign a message produced at ``produced_at``, or None."""
        if self.valid_from is not None and produced_at < self.valid_from:
            return f"key {self.key_id} is valid only from {format_timestamp(self.valid_from)}"
        if self.valid_until is not None and produced_at >= self.valid_until:
            return f"key {self.key_id} expired at {format_timestamp(self.valid_until)}"
        if self.status == "revoked" and (
            self.compromised_at is None or produced_at >= self.compromised_at
        ):
            return f"key {self.key_id} is revoked"
        return None


@dataclass(frozen=True)
class EncryptionKey:
    """One X25519 public key of one agency, to which personal data is sealed."""

    key_id: str
    """16 hex digits, derived from the key (see :func:`schemas.keys.encryption_key_id`)."""
    public_key: X25519PublicKey
    """The X25519 public key."""
    status: str = "active"
    """``active`` (originators seal to it); ``retired`` (no new seals, old ones are still
    delivered); ``revoked`` (no seals, and the hub delivers no wraps for it)."""


@dataclass(frozen=True)
class Agency:
    """A task-force agency as the trust store knows it."""

    agency_id: str
    """Task-force id, e.g. ``PK-FIA``."""
    name: str
    """Human-readable name."""
    keys: Mapping[str, TrustedKey] = field(default_factory=dict)
    """Its signing keys by key id."""
    encryption_keys: Mapping[str, EncryptionKey] = field(default_factory=dict)
    """Its X25519 encryption keys by key id."""
    clearance: Clearance | None = None
    """What the sharing policy knows of it as a member (None: not a member, e.g. the hub)."""
