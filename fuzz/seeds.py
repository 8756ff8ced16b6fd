"""The seeds: valid (and some invalid) records, registries and alerts of the published vectors.

Signing keys come with the vectors (their private seeds are public test material), so a
mutated envelope or registry document can be signed again and get past the signature
check to the parsing behind it.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from schemas.envelope import RecordHeaders
from schemas.keys import key_id
from schemas.registry import RootKeys, parse_roots
from schemas.topics import TopicNames
from schemas.truststore import TrustStore, parse_trust_store

VECTORS = Path(__file__).resolve().parent.parent / "schemas" / "vectors"


@dataclass(frozen=True)
class RecordSeed:
    """A Kafka record of a vector file, with what verifying it takes."""

    name: str
    """Where it comes from (file and vector)."""
    topic: str
    """The topic it is read from."""
    key: bytes | None
    """Its record key."""
    headers: RecordHeaders
    """Its Kafka headers."""
    value: bytes
    """Its value (a signed envelope)."""
    trust_store: TrustStore
    """The trust store of its vector file."""
    topics: TopicNames
    """The topic names of its vector file."""
    arrived_at: dt.datetime
    """An arrival time at which it is fresh."""


@dataclass(frozen=True)
class RegistrySeed:
    """A signed registry record of the registry vectors."""

    name: str
    """The vector step (or version) it comes from."""
    value: bytes
    """The signed registry (record value)."""


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((VECTORS / name).read_text("utf-8"))
    return data


def _headers(pairs: list[list[str]]) -> RecordHeaders:
    return [(name, bytes.fromhex(value)) for name, value in pairs]


def _signer(seed_hex: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(seed_hex))


def _time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC)


@functools.cache
def signers() -> dict[str, Ed25519PrivateKey]:
    """Every vector signing key (agencies' and the hub's), by key id."""
    keys = [entry["private_key_seed_hex"] for entry in _load("envelope-v1.json")["keys"]]
    keys.append(_load("messages-v1.json")["hub_key"]["private_key_seed_hex"])
    found = [_signer(seed) for seed in keys]
    return {key_id(k.public_key()): k for k in found}


@functools.cache
def record_seeds() -> tuple[RecordSeed, ...]:
    """Alerts (with and without personal data), incidents, receipts and recalls."""
    envelope = _load("envelope-v1.json")
    store = parse_trust_store(envelope["trust_store"])
    topics = TopicNames(envelope["topic_prefix"])
    seeds: list[RecordSeed] = []

    def add(name: str, vector: dict[str, Any], store: TrustStore, topics: TopicNames) -> None:
        header = vector.get("expected_header") or {}
        produced = header.get("produced_at") or vector.get("produced_at")
        seeds.append(
            RecordSeed(
                name=name,
                topic=vector.get("topic") or vector.get("read_topic") or topics.inbound("PK-FIA"),
                key=bytes.fromhex(vector["key_hex"]) if vector.get("key_hex") else None,
                headers=_headers(vector["headers"]),
                value=bytes.fromhex(vector["value_hex"]),
                trust_store=store,
                topics=topics,
                arrived_at=_time(produced or "2026-11-24T08:30:01Z") + dt.timedelta(seconds=1),
            )
        )

    for vector in envelope["valid"] + envelope["invalid"]:
        add(f"envelope-v1/{vector['name']}", vector, store, topics)
    personal = _load("personal-data-v1.json")
    add(
        "personal-data-v1/record",
        personal["record"],
        parse_trust_store(personal["trust_store"]),
        topics,
    )
    messages = _load("messages-v1.json")
    message_store = parse_trust_store(messages["trust_store"])
    message_topics = TopicNames(messages["topic_prefix"])
    for kind in ("incidents", "receipts", "recalls"):
        for vector in messages[kind]["valid"]:
            add(f"messages-v1/{kind}/{vector['name']}", vector, message_store, message_topics)
    evolution = _load("alert-v2.json")["envelope"]
    add("alert-v2/envelope", evolution, store, topics)
    return tuple(seeds)


@functools.cache
def registry_roots() -> tuple[RootKeys, tuple[Ed25519PrivateKey, ...], dt.datetime]:
    """The vectors' root keys, their private keys and the time the vector steps run at."""
    registry = _load("registry-v1.json")
    roots = parse_roots(registry["roots"])
    private = tuple(_signer(entry["private_key_seed_hex"]) for entry in registry["root_keys"])
    return roots, private, _time(registry["steps"][0]["now"])


@functools.cache
def registry_seeds() -> tuple[RegistrySeed, ...]:
    """Every signed registry of the registry vectors (versions and steps)."""
    registry = _load("registry-v1.json")
    seeds = [
        RegistrySeed(f"registry-v1/{name}", bytes.fromhex(version["value_hex"]))
        for name, version in registry["versions"].items()
    ]
    seeds += [
        RegistrySeed(f"registry-v1/{step['name']}", bytes.fromhex(step["value_hex"]))
        for step in registry["steps"]
    ]
    return tuple(seeds)


def registry_document(value: bytes) -> Any:
    """The decoded registry document inside a signed registry seed."""
    outer = json.loads(value)
    return json.loads(base64.b64decode(outer["document"]))


@functools.cache
def alert_documents() -> tuple[Any, ...]:
    """Alerts as JSON documents (the JSON mapping), with and without personal data."""
    envelope = _load("envelope-v1.json")
    personal = _load("personal-data-v1.json")
    documents: list[Any] = [vector["expected_alert"] for vector in envelope["valid"]]
    documents.append(personal["record"]["alert"])
    documents.append(
        {**personal["record"]["alert"], "personal_data": personal["seal"]["personal_data"]}
    )
    documents.append(_load("alert-v2.json")["written_with_v2"]["alert"])
    return tuple(documents)
