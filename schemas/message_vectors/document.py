"""The messages vectors document: the hub's key, the schemas, the trust store, every vector."""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from schemas.catalog import incident_schema, recall_schema, receipt_schema
from schemas.keys import key_id, raw_public_key
from schemas.message_vectors.hub import HUB_ID, HUB_SEED, hub_key
from schemas.message_vectors.incidents import _incident_vectors
from schemas.message_vectors.recalls import _recall_vectors
from schemas.message_vectors.receipts import _receipt_vectors
from schemas.signing import SignedRecord
from schemas.topics import TopicNames
from schemas.truststore import TrustStore, dump_trust_store


def build(
    keys: dict[str, Ed25519PrivateKey], topics: TopicNames, alert: SignedRecord
) -> dict[str, Any]:
    """The messages vectors document; ``alert`` is envelope vector 1 (amber-boat-departure)."""
    store = TrustStore(agencies={}).with_hub(HUB_ID)
    store = store.with_key(HUB_ID, HUB_ID, hub_key().public_key())
    for agency, key in keys.items():
        store = store.with_key(agency, agency, key.public_key())
    return {
        "format": "corridor-message-vectors/1",
        "description": "Incidents, receipts and recall notices; see docs/wire-format.md 13.2",
        "topic_prefix": topics.prefix,
        "hub": HUB_ID,
        "hub_key": {
            "agency": HUB_ID,
            "private_key_seed_hex": HUB_SEED.hex(),
            "public_key_hex": raw_public_key(hub_key().public_key()).hex(),
            "key_id": key_id(hub_key().public_key()),
        },
        "schema_fingerprints_hex": {
            "incident": incident_schema().fingerprint.hex(),
            "receipt": receipt_schema().fingerprint.hex(),
            "recall": recall_schema().fingerprint.hex(),
        },
        "trust_store": dump_trust_store(store),
        "incidents": _incident_vectors(topics, keys, alert),
        "receipts": _receipt_vectors(topics, keys, alert),
        "recalls": _recall_vectors(topics, keys, alert),
    }
