"""The key registry's formats, refusal reasons and value types: root keys, a signed
registry, an accepted registry (pure).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from schemas.json_mapping import format_timestamp
from schemas.keys import key_id
from schemas.truststore import TrustStore

DOCUMENT_FORMAT = "corridor-key-registry/1"
SIGNED_FORMAT = "corridor-signed-registry/1"
ROOTS_FORMAT = "corridor-registry-roots/1"
#: Prepended to the document bytes before signing (domain separation from envelopes).
SIGNING_CONTEXT = b"corridor/key-registry/v1\x00"
#: Kafka record key of every registry record on the compacted ``<prefix>.keys`` topic.
RECORD_KEY = b"registry"
#: Largest signed registry accepted (bytes of the record value).
MAX_SIGNED_LEN = 4 * 1024 * 1024

# Why an update was refused (label of the rejected-updates metric; never renamed).
MALFORMED = "malformed"
"""Not a signed registry, or its document breaks the format."""
INSUFFICIENT_SIGNATURES = "insufficient_signatures"
"""Fewer distinct roots than the threshold signed these exact bytes."""
ROLLBACK = "rollback"
"""Its version is lower than the version already accepted."""
VERSION_CONFLICT = "version_conflict"
"""Same version as the accepted registry, different bytes."""
CHAIN_MISMATCH = "chain_mismatch"
"""The next version names another previous digest than the accepted registry's."""
EXPIRED = "expired"
"""Its ``expires_at`` has passed."""
REJECTION_REASONS = (
    MALFORMED,
    INSUFFICIENT_SIGNATURES,
    ROLLBACK,
    VERSION_CONFLICT,
    CHAIN_MISMATCH,
    EXPIRED,
)


def utc_now() -> dt.datetime:
    """The current time (UTC)."""
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class RootKeys:
    """The task force's root keys and how many of them must sign a registry."""

    keys: Mapping[str, Ed25519PublicKey]
    """Root public keys by key id (derived as for agency keys)."""
    threshold: int
    """Distinct roots whose valid signatures a registry needs (1 to ``len(keys)``)."""
    names: Mapping[str, str]
    """Holder of each root (for messages), by key id."""


@dataclass(frozen=True)
class RegistrySignature:
    """One root's signature over a registry document."""

    key_id: str
    """The root's key id."""
    signature: bytes
    """64-byte Ed25519 signature over ``SIGNING_CONTEXT ‖ document``."""


@dataclass(frozen=True)
class SignedRegistry:
    """The exact document bytes and the root signatures collected so far."""

    document: bytes
    """UTF-8 JSON of the registry document, exactly as signed."""
    signatures: tuple[RegistrySignature, ...] = ()
    """Signatures in the order they were added."""

    @property
    def digest(self) -> str:
        """SHA-256 of the document bytes, 64 hex digits (what ``previous_digest`` names)."""
        return hashlib.sha256(self.document).hexdigest()

    def signed_by(self, private_key: Ed25519PrivateKey) -> SignedRegistry:
        """A copy with this root's signature added (replacing an earlier one of the same key)."""
        kid = key_id(private_key.public_key())
        signature = RegistrySignature(kid, private_key.sign(SIGNING_CONTEXT + self.document))
        kept = tuple(s for s in self.signatures if s.key_id != kid)
        return SignedRegistry(self.document, (*kept, signature))

    def to_json(self) -> dict[str, Any]:
        """The signed-registry JSON object."""
        return {
            "format": SIGNED_FORMAT,
            "document": base64.b64encode(self.document).decode("ascii"),
            "signatures": [
                {"key_id": s.key_id, "signature": base64.b64encode(s.signature).decode("ascii")}
                for s in self.signatures
            ],
        }

    def to_bytes(self) -> bytes:
        """The Kafka record value (and file content): the JSON object as UTF-8."""
        return (json.dumps(self.to_json(), indent=2) + "\n").encode("utf-8")


@dataclass(frozen=True)
class Registry:
    """One registry version, as read from its (signed) document."""

    version: int
    """Strictly increasing from one registry to the next (from 1)."""
    issued_at: dt.datetime
    """When it was drafted."""
    expires_at: dt.datetime
    """From this instant on it is no longer trusted."""
    previous_digest: str | None
    """SHA-256 (hex) of the previous version's document bytes; None for the first."""
    trust_store: TrustStore
    """The agencies' keys it carries."""
    digest: str
    """SHA-256 (hex) of this document's bytes."""

    def expired(self, now: dt.datetime) -> bool:
        """True from ``expires_at`` on."""
        return now >= self.expires_at

    def describe(self) -> str:
        """One line for logs, e.g. ``version 3 (expires 2026-...)``."""
        return f"version {self.version} (expires {format_timestamp(self.expires_at)})"
