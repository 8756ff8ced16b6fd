"""Reading a signed registry and its document from untrusted bytes: the framing and the
format, not the signatures (pure).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
from typing import Any

from schemas.errors import DocumentError, RegistryError, TrustStoreError
from schemas.registry.documents import (
    DOCUMENT_FORMAT,
    MALFORMED,
    MAX_SIGNED_LEN,
    SIGNED_FORMAT,
    Registry,
    RegistrySignature,
    SignedRegistry,
)
from schemas.truststore import parse_trust_store
from schemas.user_files import loads_json_bytes


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
