"""The trust store: every task-force agency's public signing and encryption keys, by key id.

A JSON document (format ``corridor-trust-store/1``, see docs/wire-format.md). Key
entries carry a status and a validity window so rotation and revocation can be
expressed without changing the file format. ``encryption_keys`` (X25519, to which
originators seal personal data) is optional, so older files still load.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol, TypeVar

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

from schemas import reasons
from schemas.clearances import (
    Clearance,
    SignedDirectory,
    dump_clearance,
    parse_clearance,
)
from schemas.errors import DocumentError, TrustStoreError, VerifyError
from schemas.json_mapping import format_timestamp
from schemas.keys import (
    encryption_key_from_b64,
    encryption_key_id,
    key_id,
    public_key_b64,
    public_key_from_b64,
)
from schemas.user_files import read_json_file
from schemas.validation import is_agency_id

_K = TypeVar("_K")

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


@dataclass(frozen=True)
class TrustStore:
    """Public keys of all agencies; immutable, replaced as a whole when it changes."""

    agencies: Mapping[str, Agency]
    """Agencies by id."""
    hub: str | None = None
    """The hub's signing id, when the document names it: that entry may hold no
    encryption key and no clearance (the hub never reads personal data)."""

    def current(self) -> TrustStore:
        """Itself: a fixed trust store is a :class:`TrustSource` that never changes."""
        return self

    def public_key(self, agency_id: str, kid: str, produced_at: dt.datetime) -> Ed25519PublicKey:
        """The key that must have signed a message, or raise :class:`VerifyError`."""
        agency = self.agencies.get(agency_id)
        if agency is None:
            raise VerifyError(reasons.UNKNOWN_AGENCY, f"agency {agency_id!r} is not trusted")
        trusted = agency.keys.get(kid)
        if trusted is None:
            raise VerifyError(
                reasons.UNKNOWN_KEY, f"key {kid!r} is not registered for agency {agency_id}"
            )
        problem = trusted.problem_at(produced_at)
        if problem is not None:
            raise VerifyError(reasons.KEY_NOT_VALID, problem)
        return trusted.public_key

    def with_key(self, agency_id: str, name: str, public_key: Ed25519PublicKey) -> TrustStore:
        """A copy with ``public_key`` added as an active key of ``agency_id``."""
        agency = self.agencies.get(agency_id, Agency(agency_id=agency_id, name=name))
        trusted = TrustedKey(key_id=key_id(public_key), public_key=public_key)
        keys = {**agency.keys, trusted.key_id: trusted}
        agencies = {**self.agencies, agency_id: replace(agency, keys=keys)}
        return replace(self, agencies=agencies)

    def with_encryption_key(
        self, agency_id: str, name: str, public_key: X25519PublicKey
    ) -> TrustStore:
        """A copy with ``public_key`` added as an active encryption key of ``agency_id``."""
        if agency_id == self.hub:
            raise TrustStoreError(_hub_key_problem(agency_id))
        agency = self.agencies.get(agency_id, Agency(agency_id=agency_id, name=name))
        entry = EncryptionKey(key_id=encryption_key_id(public_key), public_key=public_key)
        keys = {**agency.encryption_keys, entry.key_id: entry}
        agencies = {**self.agencies, agency_id: replace(agency, encryption_keys=keys)}
        return replace(self, agencies=agencies)

    def with_hub(self, hub_id: str) -> TrustStore:
        """A copy that names ``hub_id`` as the hub (refused if it has an encryption key)."""
        checked = replace(self, hub=hub_id)
        _check_hub(checked)
        return checked

    def with_clearances(self, clearances: Mapping[str, Clearance]) -> TrustStore:
        """A copy whose agencies carry these clearances (agencies not listed get none)."""
        agencies = {
            agency_id: replace(agency, clearance=clearances.get(agency_id))
            for agency_id, agency in self.agencies.items()
        }
        checked = replace(self, agencies=agencies)
        _check_hub(checked)
        return checked

    def directory(self) -> SignedDirectory:
        """The members this trust store lists with a clearance, for the sharing policy."""
        return SignedDirectory(
            tuple(
                agency.clearance.as_member(agency.agency_id, agency.name)
                for agency in sorted(self.agencies.values(), key=lambda a: a.agency_id)
                if agency.clearance is not None and agency.agency_id != self.hub
            )
        )

    def sealing_keys(self, agency_id: str) -> list[EncryptionKey]:
        """The active encryption keys of ``agency_id``: what an originator seals to.

        Never any for the hub, whatever a document says.
        """
        agency = self.agencies.get(agency_id)
        if agency is None or agency_id == self.hub:
            return []
        return [k for k in agency.encryption_keys.values() if k.status == "active"]

    def delivery_key_ids(self, agency_id: str) -> frozenset[str]:
        """Ids of the keys whose wraps the hub may deliver to ``agency_id`` (not revoked)."""
        agency = self.agencies.get(agency_id)
        if agency is None:
            return frozenset()
        return frozenset(k.key_id for k in agency.encryption_keys.values() if k.status != "revoked")


def _hub_key_problem(hub_id: str) -> str:
    return (
        f"agencies.{hub_id}.encryption_keys: {hub_id} is the hub, which must have no "
        "encryption key (personal data is sealed to members only; the hub must not be able "
        "to read it): remove the key"
    )


def _check_hub(store: TrustStore) -> None:
    """Refuse a trust store whose hub entry has an encryption key or a clearance."""
    if store.hub is None:
        return
    agency = store.agencies.get(store.hub)
    if agency is None:
        return
    if agency.encryption_keys:
        raise TrustStoreError(_hub_key_problem(store.hub))
    if agency.clearance is not None:
        raise TrustStoreError(
            f"agencies.{store.hub}.member: {store.hub} is the hub, not a member; it has no "
            "clearance"
        )


class TrustSource(Protocol):
    """Where a verifier gets the trust store to check the next message against.

    A :class:`TrustStore` (a file read at start) is one; a follower of the signed key
    registry (``consumers.registry_follower``) is another, whose answer changes while the
    service runs. Ask again for every message: never keep the answer.
    """

    def current(self) -> TrustStore:
        """The trust store to verify with now.

        Raises:
            VerifyError: ``registry_expired`` when there is no trust store that may be used.
        """
        ...


def _timestamp(value: Any, where: str) -> dt.datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TrustStoreError(f"{where}: expected an RFC 3339 timestamp string")
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise TrustStoreError(f"{where}: {value!r} is not an RFC 3339 timestamp") from exc
    if parsed.tzinfo is None:
        raise TrustStoreError(f"{where}: {value!r} needs a UTC offset")
    return parsed


def _parse_public(
    entry: Any,
    where: str,
    algorithm: str,
    decode: Callable[[str], _K],
    derive: Callable[[_K], str],
) -> tuple[_K, str, str]:
    """The public key, its key id and its status of one trust-store key entry."""
    if not isinstance(entry, dict):
        raise TrustStoreError(f"{where}: expected an object")
    try:
        public_key = decode(entry["public_key"])
    except KeyError as exc:
        raise TrustStoreError(f"{where}: public_key is missing") from exc
    except (ValueError, TypeError) as exc:
        raise TrustStoreError(f"{where}.public_key: {exc}") from exc
    derived = derive(public_key)
    if entry.get("key_id", derived) != derived:
        raise TrustStoreError(f"{where}.key_id: does not match the public key (expected {derived})")
    if entry.get("algorithm", algorithm) != algorithm:
        raise TrustStoreError(f"{where}.algorithm: only {algorithm} is supported")
    status = entry.get("status", "active")
    if status not in STATUSES:
        raise TrustStoreError(f"{where}.status: one of {', '.join(STATUSES)}")
    return public_key, derived, status


def _parse_key(entry: Any, where: str) -> TrustedKey:
    public_key, derived, status = _parse_public(
        entry, where, "Ed25519", public_key_from_b64, key_id
    )
    return TrustedKey(
        key_id=derived,
        public_key=public_key,
        status=status,
        valid_from=_timestamp(entry.get("valid_from"), f"{where}.valid_from"),
        valid_until=_timestamp(entry.get("valid_until"), f"{where}.valid_until"),
        compromised_at=_timestamp(entry.get("compromised_at"), f"{where}.compromised_at"),
    )


def _parse_encryption_key(entry: Any, where: str) -> EncryptionKey:
    public_key, derived, status = _parse_public(
        entry, where, "X25519", encryption_key_from_b64, encryption_key_id
    )
    return EncryptionKey(key_id=derived, public_key=public_key, status=status)


def parse_trust_store(document: Any, *, hub_id: str | None = None) -> TrustStore:
    """Build a :class:`TrustStore` from its decoded JSON document.

    ``hub_id`` (from the task-force file) names the hub when the document does not; a
    document that names another hub, or gives the hub an encryption key, is refused.
    """
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise TrustStoreError(f'not a trust store: expected "format": "{FORMAT}"')
    hub = document.get("hub")
    if hub is not None and (not isinstance(hub, str) or not is_agency_id(hub)):
        raise TrustStoreError(f"hub: {hub!r} is not an id like TF-HUB")
    if hub is not None and hub_id is not None and hub != hub_id:
        raise TrustStoreError(f"hub: the document names {hub}, the task-force file {hub_id}")
    raw_agencies = document.get("agencies")
    if not isinstance(raw_agencies, dict):
        raise TrustStoreError("agencies: expected an object keyed by agency id")
    agencies: dict[str, Agency] = {}
    for agency_id, body in raw_agencies.items():
        where = f"agencies.{agency_id}"
        if not is_agency_id(agency_id):
            raise TrustStoreError(f"{where}: {agency_id!r} is not an agency id like PK-FIA")
        if not isinstance(body, dict) or not isinstance(body.get("keys", []), list):
            raise TrustStoreError(f"{where}: expected an object with a list of keys")
        keys = [_parse_key(k, f"{where}.keys[{i}]") for i, k in enumerate(body.get("keys", []))]
        raw_encryption = body.get("encryption_keys", [])
        if not isinstance(raw_encryption, list):
            raise TrustStoreError(f"{where}.encryption_keys: expected a list")
        encryption = [
            _parse_encryption_key(k, f"{where}.encryption_keys[{i}]")
            for i, k in enumerate(raw_encryption)
        ]
        agencies[agency_id] = Agency(
            agency_id=agency_id,
            name=str(body.get("name", agency_id)),
            keys={k.key_id: k for k in keys},
            encryption_keys={k.key_id: k for k in encryption},
            clearance=None
            if body.get("member") is None
            else parse_clearance(body["member"], f"{where}.member"),
        )
    store = TrustStore(agencies=agencies, hub=hub)
    # A hub id known from elsewhere is checked, not written into the store: loading and
    # saving a file leaves it as it was.
    _check_hub(store if hub is not None or hub_id is None else replace(store, hub=hub_id))
    return store


def load_trust_store(path: Path, *, hub_id: str | None = None) -> TrustStore:
    """Read and validate the trust store file at ``path`` (``hub_id``: see
    :func:`parse_trust_store`)."""
    try:
        document = read_json_file(path, "trust store")
    except DocumentError as exc:
        raise TrustStoreError(str(exc)) from exc
    try:
        return parse_trust_store(document, hub_id=hub_id)
    except TrustStoreError as exc:
        raise TrustStoreError(f"trust store {path}: {exc}") from exc


def _optional_timestamp(value: dt.datetime | None) -> str | None:
    return None if value is None else format_timestamp(value)


def dump_trust_store(store: TrustStore) -> dict[str, Any]:
    """The JSON document of ``store``."""
    return {
        "format": FORMAT,
        **({} if store.hub is None else {"hub": store.hub}),
        "agencies": {
            agency.agency_id: {
                "name": agency.name,
                "keys": [
                    {
                        "key_id": k.key_id,
                        "algorithm": "Ed25519",
                        "public_key": public_key_b64(k.public_key),
                        "status": k.status,
                        "valid_from": _optional_timestamp(k.valid_from),
                        "valid_until": _optional_timestamp(k.valid_until),
                        "compromised_at": _optional_timestamp(k.compromised_at),
                    }
                    for k in agency.keys.values()
                ],
                **_dump_encryption_keys(agency),
                **(
                    {} if agency.clearance is None else {"member": dump_clearance(agency.clearance)}
                ),
            }
            for agency in sorted(store.agencies.values(), key=lambda a: a.agency_id)
        },
    }


def _dump_encryption_keys(agency: Agency) -> dict[str, Any]:
    """The ``encryption_keys`` member, left out when there are none (older files stay as is)."""
    if not agency.encryption_keys:
        return {}
    return {
        "encryption_keys": [
            {
                "key_id": k.key_id,
                "algorithm": "X25519",
                "public_key": public_key_b64(k.public_key),
                "status": k.status,
            }
            for k in agency.encryption_keys.values()
        ]
    }


def save_trust_store(path: Path, store: TrustStore) -> None:
    """Write ``store`` to ``path`` atomically (readers never see half a file)."""
    text = json.dumps(dump_trust_store(store), indent=2) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        Path(tmp).replace(path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise TrustStoreError(f"cannot write trust store {path}: {exc.strerror}") from exc
