"""The signed key registry: the trust store as versioned documents signed by the task force's roots.

A registry *document* is UTF-8 JSON (format ``corridor-key-registry/1``): the trust store
plus ``version``, ``issued_at``, ``expires_at`` and ``previous_digest``. It is signed as
the exact bytes it was written in: signatures (Ed25519, by task-force root keys) travel
beside those bytes in a *signed registry* (format ``corridor-signed-registry/1``), and a
verifier parses the bytes it checked, never a re-serialisation. A registry is accepted
only with valid signatures of at least ``threshold`` distinct roots; the roots and the
threshold come from a root file each party holds (``corridor-registry-roots/1``), never
from the registry itself. See docs/wire-format.md section 9.4.

:class:`RegistryState` holds the newest accepted registry and refuses older versions
(rollback), a different document under the same version, and expired registries. It is
a :class:`~schemas.truststore.TrustSource`: ``current()`` raises
``VerifyError(registry_expired)`` once the registry it holds has expired.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from schemas import reasons
from schemas.errors import DocumentError, RegistryError, TrustStoreError, VerifyError
from schemas.json_mapping import format_timestamp
from schemas.keys import key_id, public_key_b64, public_key_from_b64
from schemas.truststore import TrustStore, dump_trust_store, parse_trust_store
from schemas.user_files import loads_json_bytes, read_json_file

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


def build_document(
    trust_store: TrustStore,
    *,
    version: int,
    issued_at: dt.datetime,
    expires_at: dt.datetime,
    previous_digest: str | None = None,
) -> bytes:
    """The bytes of a registry document: sorted keys, no whitespace, UTF-8.

    Verifiers never re-serialise, so this layout is a convention, not a requirement.
    """
    if version < 1:
        raise RegistryError(MALFORMED, f"version must be at least 1, not {version}")
    if expires_at <= issued_at:
        raise RegistryError(MALFORMED, "expires_at must be after issued_at")
    document = {
        "format": DOCUMENT_FORMAT,
        "version": version,
        "issued_at": format_timestamp(issued_at),
        "expires_at": format_timestamp(expires_at),
        "previous_digest": previous_digest,
        "trust_store": dump_trust_store(trust_store),
    }
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def draft(
    trust_store: TrustStore,
    *,
    version: int,
    issued_at: dt.datetime,
    expires_at: dt.datetime,
    previous_digest: str | None = None,
) -> SignedRegistry:
    """An unsigned registry, to be signed by the roots one by one."""
    document = build_document(
        trust_store,
        version=version,
        issued_at=issued_at,
        expires_at=expires_at,
        previous_digest=previous_digest,
    )
    return SignedRegistry(document)


def _b64(value: Any, where: str) -> bytes:
    if not isinstance(value, str):
        raise RegistryError(MALFORMED, f"{where}: expected a base64 string")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise RegistryError(MALFORMED, f"{where}: not valid base64") from exc


def parse_signed(value: bytes) -> SignedRegistry:
    """Read a signed registry (record value or file); checks the framing, not the signatures."""
    if len(value) > MAX_SIGNED_LEN:
        raise RegistryError(MALFORMED, f"{len(value)} bytes is more than {MAX_SIGNED_LEN}")
    try:
        outer = loads_json_bytes(value, "signed registry")
    except DocumentError as exc:
        raise RegistryError(MALFORMED, str(exc)) from exc
    if not isinstance(outer, dict) or outer.get("format") != SIGNED_FORMAT:
        raise RegistryError(MALFORMED, f'expected "format": "{SIGNED_FORMAT}"')
    document = _b64(outer.get("document"), "document")
    raw_signatures = outer.get("signatures")
    if not isinstance(raw_signatures, list):
        raise RegistryError(MALFORMED, "signatures: expected a list")
    signatures = []
    for i, entry in enumerate(raw_signatures):
        where = f"signatures[{i}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("key_id"), str):
            raise RegistryError(MALFORMED, f"{where}: expected an object with a key_id")
        signature = _b64(entry.get("signature"), f"{where}.signature")
        if len(signature) != 64:
            raise RegistryError(MALFORMED, f"{where}.signature: expected 64 bytes")
        signatures.append(RegistrySignature(entry["key_id"], signature))
    return SignedRegistry(document, tuple(signatures))


def _timestamp(value: Any, where: str) -> dt.datetime:
    if not isinstance(value, str):
        raise RegistryError(MALFORMED, f"{where}: expected an RFC 3339 timestamp")
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise RegistryError(MALFORMED, f"{where}: {value!r} is not an RFC 3339 timestamp") from exc
    if parsed.tzinfo is None:
        raise RegistryError(MALFORMED, f"{where}: {value!r} needs a UTC offset")
    return parsed.astimezone(dt.UTC)


def parse_document(document: bytes, hub_id: str | None = None) -> Registry:
    """Read a registry document's fields (its signatures are checked elsewhere).

    ``hub_id`` (the follower's own, from its task-force file): a version that gives that
    id an encryption key, or names another hub, is malformed.
    """
    try:
        body = loads_json_bytes(document, "registry document")
    except DocumentError as exc:
        raise RegistryError(MALFORMED, str(exc)) from exc
    if not isinstance(body, dict) or body.get("format") != DOCUMENT_FORMAT:
        raise RegistryError(MALFORMED, f'document: expected "format": "{DOCUMENT_FORMAT}"')
    version = body.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise RegistryError(MALFORMED, f"version: {version!r} is not a positive integer")
    issued_at = _timestamp(body.get("issued_at"), "issued_at")
    expires_at = _timestamp(body.get("expires_at"), "expires_at")
    if expires_at <= issued_at:
        raise RegistryError(MALFORMED, "expires_at is not after issued_at")
    previous = body.get("previous_digest")
    if previous is not None and (
        not isinstance(previous, str)
        or len(previous) != 64
        or any(c not in "0123456789abcdef" for c in previous)
    ):
        raise RegistryError(MALFORMED, "previous_digest: expected 64 lower-case hex digits")
    try:
        trust_store = parse_trust_store(body.get("trust_store"), hub_id=hub_id)
    except TrustStoreError as exc:
        raise RegistryError(MALFORMED, f"trust_store: {exc}") from exc
    return Registry(
        version=version,
        issued_at=issued_at,
        expires_at=expires_at,
        previous_digest=previous,
        trust_store=trust_store,
        digest=hashlib.sha256(document).hexdigest(),
    )


def valid_signers(signed: SignedRegistry, roots: RootKeys) -> frozenset[str]:
    """Key ids of the roots whose signature over the document verifies (each counted once)."""
    signers: set[str] = set()
    for entry in signed.signatures:
        public_key = roots.keys.get(entry.key_id)
        if public_key is None or entry.key_id in signers:
            continue
        try:
            public_key.verify(entry.signature, SIGNING_CONTEXT + signed.document)
        except InvalidSignature:
            continue
        signers.add(entry.key_id)
    return frozenset(signers)


def verify_signed(signed: SignedRegistry, roots: RootKeys, hub_id: str | None = None) -> Registry:
    """The registry, if at least ``roots.threshold`` distinct roots signed its exact bytes."""
    signers = valid_signers(signed, roots)
    if len(signers) < roots.threshold:
        raise RegistryError(
            INSUFFICIENT_SIGNATURES,
            f"{len(signers)} valid root signature(s) of {roots.threshold} required "
            f"({len(signed.signatures)} present)",
        )
    return parse_document(signed.document, hub_id)


def open_registry(value: bytes, roots: RootKeys, hub_id: str | None = None) -> Registry:
    """Parse a signed registry and verify its signatures against ``roots``."""
    return verify_signed(parse_signed(value), roots, hub_id)


def parse_roots(document: Any) -> RootKeys:
    """Build :class:`RootKeys` from a decoded root file."""
    if not isinstance(document, dict) or document.get("format") != ROOTS_FORMAT:
        raise RegistryError(MALFORMED, f'not a root file: expected "format": "{ROOTS_FORMAT}"')
    raw = document.get("roots")
    if not isinstance(raw, list) or not raw:
        raise RegistryError(MALFORMED, "roots: expected a non-empty list")
    keys: dict[str, Ed25519PublicKey] = {}
    names: dict[str, str] = {}
    for i, entry in enumerate(raw):
        where = f"roots[{i}]"
        if not isinstance(entry, dict):
            raise RegistryError(MALFORMED, f"{where}: expected an object")
        try:
            public_key = public_key_from_b64(entry["public_key"])
        except KeyError as exc:
            raise RegistryError(MALFORMED, f"{where}: public_key is missing") from exc
        except (ValueError, TypeError) as exc:
            raise RegistryError(MALFORMED, f"{where}.public_key: {exc}") from exc
        kid = key_id(public_key)
        if entry.get("key_id", kid) != kid:
            raise RegistryError(MALFORMED, f"{where}.key_id: does not match the public key")
        if kid in keys:
            raise RegistryError(MALFORMED, f"{where}: root {kid} is listed twice")
        keys[kid] = public_key
        names[kid] = str(entry.get("name", kid))
    threshold = document.get("threshold")
    if not isinstance(threshold, int) or isinstance(threshold, bool):
        raise RegistryError(MALFORMED, "threshold: expected an integer")
    if not 1 <= threshold <= len(keys):
        raise RegistryError(MALFORMED, f"threshold: must be between 1 and {len(keys)}")
    return RootKeys(keys=keys, threshold=threshold, names=names)


def dump_roots(roots: RootKeys) -> dict[str, Any]:
    """The root file's JSON document."""
    return {
        "format": ROOTS_FORMAT,
        "threshold": roots.threshold,
        "roots": [
            {"key_id": kid, "name": roots.names.get(kid, kid), "public_key": public_key_b64(key)}
            for kid, key in roots.keys.items()
        ],
    }


def make_roots(public_keys: Sequence[tuple[str, Ed25519PublicKey]], threshold: int) -> RootKeys:
    """Root keys from ``(name, public key)`` pairs, validated like a root file."""
    document = {
        "format": ROOTS_FORMAT,
        "threshold": threshold,
        "roots": [{"name": name, "public_key": public_key_b64(key)} for name, key in public_keys],
    }
    return parse_roots(document)


def load_roots(path: Path) -> RootKeys:
    """Read and validate the root file at ``path``."""
    try:
        document = read_json_file(path, "root file")
    except DocumentError as exc:
        raise RegistryError(MALFORMED, str(exc)) from exc
    try:
        return parse_roots(document)
    except RegistryError as exc:
        raise RegistryError(exc.reason, f"root file {path}: {exc.detail}") from exc


class RegistryState:
    """The newest registry accepted so far; a :class:`~schemas.truststore.TrustSource`.

    Updates come from one thread (the follower); ``current()`` may be called from any:
    the accepted registry is replaced as a whole, by one reference assignment.
    """

    def __init__(
        self,
        roots: RootKeys,
        *,
        clock: Callable[[], dt.datetime] = utc_now,
        hub_id: str | None = None,
    ) -> None:
        self._roots = roots
        self._hub_id = hub_id
        self._clock = clock
        self._registry: Registry | None = None
        self._lock = threading.Lock()

    @property
    def registry(self) -> Registry | None:
        """The accepted registry, expired or not (None before the first)."""
        return self._registry

    def check(self, value: bytes, now: dt.datetime) -> Registry | None:
        """The registry ``value`` would install, None if it is the one installed (pure).

        Raises:
            RegistryError: with the reason it is refused.
        """
        candidate = open_registry(value, self._roots, self._hub_id)
        current = self._registry
        if current is not None:
            if candidate.digest == current.digest:
                return None
            if candidate.version < current.version:
                raise RegistryError(
                    ROLLBACK,
                    f"version {candidate.version} is older than the accepted "
                    f"version {current.version}",
                )
            if candidate.version == current.version:
                raise RegistryError(
                    VERSION_CONFLICT,
                    f"version {candidate.version} differs from the accepted document of "
                    "that version",
                )
            if (
                candidate.version == current.version + 1
                and candidate.previous_digest is not None
                and candidate.previous_digest != current.digest
            ):
                raise RegistryError(
                    CHAIN_MISMATCH,
                    f"version {candidate.version} follows a document other than the accepted "
                    f"version {current.version}",
                )
        if candidate.expired(now):
            raise RegistryError(
                EXPIRED,
                f"version {candidate.version} expired at {format_timestamp(candidate.expires_at)}",
            )
        return candidate

    def apply(self, value: bytes, now: dt.datetime | None = None) -> Registry | None:
        """Accept ``value`` if it is a newer, valid, unexpired registry.

        Returns the newly installed registry, or None when ``value`` is the one already
        installed (a re-read). Raises :class:`RegistryError` and keeps the current one
        otherwise.
        """
        with self._lock:
            candidate = self.check(value, now or self._clock())
            if candidate is not None:
                self._registry = candidate
            return candidate

    def catch_up(
        self, values: Iterable[bytes], now: dt.datetime | None = None
    ) -> tuple[Registry | None, list[RegistryError]]:
        """Install the newest valid registry among ``values`` (a topic read from the start).

        Earlier versions before the newest are history and not reported; a record after
        the newest that carries a lower version is a rollback attempt and is. Returns the
        installed registry (None if nothing new) and the refusals.
        """
        at = now or self._clock()
        refused: list[RegistryError] = []
        head: tuple[bytes, Registry] | None = None
        for value in values:
            try:
                candidate = open_registry(value, self._roots, self._hub_id)
            except RegistryError as exc:
                refused.append(exc)
                continue
            if head is None or candidate.version > head[1].version:
                head = (value, candidate)
            elif candidate.digest != head[1].digest:
                reason = ROLLBACK if candidate.version < head[1].version else VERSION_CONFLICT
                refused.append(
                    RegistryError(
                        reason,
                        f"version {candidate.version} after version {head[1].version}",
                    )
                )
        installed = None
        if head is not None:
            try:
                installed = self.apply(head[0], at)
            except RegistryError as exc:
                refused.append(exc)
        return installed, refused

    def current(self) -> TrustStore:
        """The accepted registry's trust store, unless it has expired (or there is none)."""
        registry = self._registry
        if registry is None:
            raise VerifyError(reasons.REGISTRY_EXPIRED, "no valid key registry received yet")
        if registry.expired(self._clock()):
            raise VerifyError(
                reasons.REGISTRY_EXPIRED,
                f"key registry {registry.describe()} has expired; nothing is verified until "
                "a newer one is published",
            )
        return registry.trust_store
