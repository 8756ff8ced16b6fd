"""Mutations of signed key registries: the outer framing, and documents signed again.

A mutated document is signed by enough of the vectors' roots to pass the signature
threshold, so the document and trust-store parsers behind it see every mutation.
"""

from __future__ import annotations

import base64
import json
import random

from fuzz import datums, mutations
from fuzz.seeds import registry_document, registry_roots, registry_seeds
from schemas.registry import SignedRegistry


def _signed(document: bytes, rng: random.Random) -> bytes:
    roots, private, _ = registry_roots()
    signed = SignedRegistry(document)
    for key in rng.sample(
        private, k=min(len(private), roots.threshold + rng.choice((-1, 0, 0, 1)))
    ):
        signed = signed.signed_by(key)
    return signed.to_bytes()


def generate(rng: random.Random) -> bytes:
    """A signed registry derived from a vector (or junk)."""
    seeds = registry_seeds()
    value = rng.choice(seeds).value
    choice = rng.random()
    if choice < 0.15:
        return mutations.mutate(rng, value, [s.value for s in seeds])
    if choice < 0.3:
        outer = datums.mutate_document(rng, json.loads(value), json_only=True)
        return json.dumps(outer).encode("utf-8", "surrogatepass")
    if choice < 0.35:
        return mutations.junk(rng)
    document = registry_document(value)
    if choice < 0.8:
        text = json.dumps(datums.mutate_document(rng, document, json_only=True))
        raw = text.encode("utf-8", "surrogatepass")
    elif choice < 0.95:
        raw = mutations.mutate(rng, json.dumps(document).encode())
    else:
        text = json.dumps({**document, "trust_store": "@nested@"})
        raw = text.replace('"@nested@"', datums.deeply_nested(rng), 1).encode()
    if rng.random() < 0.05:
        outer = json.loads(_signed(raw, rng))
        outer["document"] = base64.b64encode(mutations.mutate(rng, raw)).decode()
        return json.dumps(outer).encode()
    return _signed(raw, rng)
