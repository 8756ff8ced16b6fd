"""Checking a signed registry against the roots: which roots signed its exact bytes, and
whether they reach the threshold (pure).
"""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature

from schemas.errors import RegistryError
from schemas.registry.documents import (
    INSUFFICIENT_SIGNATURES,
    SIGNING_CONTEXT,
    Registry,
    RootKeys,
    SignedRegistry,
)
from schemas.registry.parsing import parse_document, parse_signed


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
