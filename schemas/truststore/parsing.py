"""Reading a trust store: its JSON document (untrusted, checked field by field) and its file."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

from schemas.clearances import parse_clearance
from schemas.errors import DocumentError, TrustStoreError
from schemas.keys import encryption_key_from_b64, encryption_key_id, key_id, public_key_from_b64
from schemas.truststore.entries import FORMAT, STATUSES, Agency, EncryptionKey, TrustedKey
from schemas.truststore.store import TrustStore, _check_hub
from schemas.user_files import read_json_file
from schemas.validation import is_agency_id

_K = TypeVar("_K")


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
