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

The code is in :mod:`schemas.registry.documents`, ``parsing``, ``drafting``,
``verification``, ``roots`` and ``state``; this module re-exports their public names, so
callers keep writing ``from schemas import registry as reg`` and ``reg.open_registry(...)``.
"""

from __future__ import annotations

from schemas.registry.documents import (
    CHAIN_MISMATCH,
    DOCUMENT_FORMAT,
    EXPIRED,
    INSUFFICIENT_SIGNATURES,
    MALFORMED,
    MAX_SIGNED_LEN,
    RECORD_KEY,
    REJECTION_REASONS,
    ROLLBACK,
    ROOTS_FORMAT,
    SIGNED_FORMAT,
    SIGNING_CONTEXT,
    VERSION_CONFLICT,
    Registry,
    RegistrySignature,
    RootKeys,
    SignedRegistry,
    utc_now,
)
from schemas.registry.drafting import build_document, draft
from schemas.registry.parsing import parse_document, parse_signed
from schemas.registry.roots import dump_roots, load_roots, make_roots, parse_roots
from schemas.registry.state import RegistryState
from schemas.registry.verification import open_registry, valid_signers, verify_signed

__all__ = [
    "CHAIN_MISMATCH",
    "DOCUMENT_FORMAT",
    "EXPIRED",
    "INSUFFICIENT_SIGNATURES",
    "MALFORMED",
    "MAX_SIGNED_LEN",
    "RECORD_KEY",
    "REJECTION_REASONS",
    "ROLLBACK",
    "ROOTS_FORMAT",
    "SIGNED_FORMAT",
    "SIGNING_CONTEXT",
    "VERSION_CONFLICT",
    "Registry",
    "RegistrySignature",
    "RegistryState",
    "RootKeys",
    "SignedRegistry",
    "build_document",
    "draft",
    "dump_roots",
    "load_roots",
    "make_roots",
    "open_registry",
    "parse_document",
    "parse_roots",
    "parse_signed",
    "utc_now",
    "valid_signers",
    "verify_signed",
]
