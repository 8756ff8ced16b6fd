"""The trust store: every task-force agency's public signing and encryption keys, by key id.

A JSON document (format ``corridor-trust-store/1``, see docs/wire-format.md). Key
entries carry a status and a validity window so rotation and revocation can be
expressed without changing the file format. ``encryption_keys`` (X25519, to which
originators seal personal data) is optional, so older files still load.

The code is in :mod:`schemas.truststore.entries`, ``store``, ``source``, ``parsing`` and
``writing``; this module re-exports their public names, so callers keep writing
``from schemas.truststore import TrustStore, load_trust_store``.
"""

from __future__ import annotations

from schemas.truststore.entries import FORMAT, STATUSES, Agency, EncryptionKey, TrustedKey
from schemas.truststore.parsing import load_trust_store, parse_trust_store
from schemas.truststore.source import TrustSource
from schemas.truststore.store import TrustStore
from schemas.truststore.writing import dump_trust_store, save_trust_store

__all__ = [
    "FORMAT",
    "STATUSES",
    "Agency",
    "EncryptionKey",
    "TrustSource",
    "TrustStore",
    "TrustedKey",
    "dump_trust_store",
    "load_trust_store",
    "parse_trust_store",
    "save_trust_store",
]
