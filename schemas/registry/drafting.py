"""Writing a registry document: the trust store plus version, validity and the previous
digest, as the exact bytes the roots will sign (pure).
"""

from __future__ import annotations

import datetime as dt
import json

from schemas.errors import RegistryError
from schemas.json_mapping import format_timestamp
from schemas.registry.documents import DOCUMENT_FORMAT, MALFORMED, SignedRegistry
from schemas.truststore import TrustStore, dump_trust_store


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
