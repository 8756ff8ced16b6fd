"""The registry follower's bookkeeping: catch-up at start, live updates, refusals, metrics.

The Kafka consumer is replaced by a list of records (the follower's logic, not the broker,
is under test here; tests/integration/test_key_registry.py runs it on the real broker).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from prometheus_client import CollectorRegistry

from consumers.metrics import RegistryMetrics
from consumers.registry_follower import DeliveryKeyIds, RegistryFollower
from schemas import reasons
from schemas import registry as reg
from schemas.errors import ConfigError, RegistryError, VerifyError
from schemas.key_lifecycle import revoke
from schemas.keys import encryption_key_id, generate_encryption_key, generate_private_key, key_id
from schemas.taskforce import parse_taskforce
from schemas.topics import TopicNames
from schemas.truststore import TrustStore
from streams.topology import pipeline_topics

T0 = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)


class FakeConsumer:
    """Serves ``records`` of one partition to the catch-up read, then nothing."""

    def __init__(self, records: list[bytes | None], **config: Any) -> None:
        self.records = records
        self.position_ = 0
        self.closed = False

    def partitions_for_topic(self, topic: str) -> set[int]:
        return {0} if self.records is not None else set()

    def assign(self, parts: list[Any]) -> None:
        pass

    def seek_to_beginning(self, *parts: Any) -> None:
        self.position_ = 0

    def end_offsets(self, parts: list[Any]) -> dict[Any, int]:
        return {tp: len(self.records) for tp in parts}

    def position(self, tp: Any) -> int:
        return self.position_

    def poll(self, timeout_ms: int) -> dict[Any, list[Any]]:
        batch = [SimpleNamespace(value=v) for v in self.records[self.position_ :]]
        self.position_ = len(self.records)
        return {"tp": batch} if batch else {}

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def roots_and_keys() -> tuple[reg.RootKeys, list[Ed25519PrivateKey]]:
    keys = [generate_private_key() for _ in range(2)]
    return reg.make_roots([(str(i), k.public_key()) for i, k in enumerate(keys)], 2), keys


def _signed(store: TrustStore, keys: list[Ed25519PrivateKey], version: int) -> bytes:
    signed = reg.draft(store, version=version, issued_at=T0, expires_at=T0 + dt.timedelta(days=2))
    for key in keys:
        signed = signed.signed_by(key)
    return signed.to_bytes()


@pytest.fixture
def follow(
    roots_and_keys: tuple[reg.RootKeys, list[Ed25519PrivateKey]],
) -> Iterator[Any]:
    made: list[RegistryFollower] = []
    now = [T0 + dt.timedelta(hours=1)]

    def make(records: list[bytes | None]) -> tuple[RegistryFollower, CollectorRegistry]:
        registry = CollectorRegistry()
        follower = RegistryFollower(
            "unused:9092",
            TopicNames("unit"),
            roots_and_keys[0],
            RegistryMetrics.create(registry),
            clock=lambda: now[0],
            consumer_factory=lambda **config: FakeConsumer(records, **config),
        )
        made.append(follower)
        return follower, registry

    make.now = now  # type: ignore[attr-defined]
    yield make
    for follower in made:
        follower.close()


def test_start_installs_the_newest_and_live_updates_follow(
    follow: Any,
    roots_and_keys: tuple[reg.RootKeys, list[Ed25519PrivateKey]],
    trust_store: TrustStore,
    fia_key: Ed25519PrivateKey,
) -> None:
    _, keys = roots_and_keys
    records: list[bytes | None] = [
        _signed(trust_store, keys, 1),
        None,
        _signed(trust_store, keys, 2),
    ]
    follower, metrics = follow(records)
    assert follower.start(timeout_s=5).version == 2
    sample = metrics.get_sample_value
    assert sample("corridor_registry_version") == 2
    assert sample("corridor_registry_rejected_updates_total", {"reason": "malformed"}) == 1
    assert sample("corridor_registry_expiry_seconds") == pytest.approx(47 * 3600)
    fia_id = key_id(fia_key.public_key())
    assert (
        sample(
            "corridor_registry_key_valid_until_seconds",
            {"agency": "PK-FIA", "key_id": fia_id, "status": "active"},
        )
        == math.inf
    )

    revoked = revoke(trust_store, "PK-FIA", fia_id, compromised_at=T0)
    installed = follower.apply(_signed(revoked, keys, 3))
    assert installed is not None and follower.current() is installed.trust_store
    assert (
        sample(
            "corridor_registry_key_valid_until_seconds",
            {"agency": "PK-FIA", "key_id": fia_id, "status": "revoked"},
        )
        == T0.timestamp()
    )
    assert follower.apply(_signed(trust_store, keys, 2)) is None
    assert follower.apply(_signed(trust_store, keys[:1], 4)) is None
    assert sample("corridor_registry_rejected_updates_total", {"reason": "rollback"}) == 1
    assert (
        sample("corridor_registry_rejected_updates_total", {"reason": "insufficient_signatures"})
        == 1
    )
    assert sample("corridor_registry_version") == 3
    assert sample("corridor_registry_updates_total") == 2


def test_once_the_registry_expires_nothing_verifies(
    follow: Any,
    roots_and_keys: tuple[reg.RootKeys, list[Ed25519PrivateKey]],
    trust_store: TrustStore,
) -> None:
    follower, metrics = follow([_signed(trust_store, roots_and_keys[1], 1)])
    follower.start(timeout_s=5)
    follower.close()  # stop the thread: it would log the expiry to a handler another test closed
    follow.now[0] = T0 + dt.timedelta(days=3)
    with pytest.raises(VerifyError) as info:
        follower.current()
    assert info.value.reason == reasons.REGISTRY_EXPIRED
    assert metrics.get_sample_value("corridor_registry_expiry_seconds") == -24 * 3600


def test_start_fails_loudly_without_a_usable_registry(
    follow: Any,
    roots_and_keys: tuple[reg.RootKeys, list[Ed25519PrivateKey]],
    trust_store: TrustStore,
) -> None:
    with pytest.raises(ConfigError, match="no key registry"):
        follow([])[0].start(timeout_s=5)
    with pytest.raises(RegistryError) as info:
        follow([_signed(trust_store, roots_and_keys[1][:1], 1)])[0].start(timeout_s=5)
    assert info.value.reason == reg.INSUFFICIENT_SIGNATURES
    follow.now[0] = T0 + dt.timedelta(days=5)
    with pytest.raises(RegistryError) as info:
        follow([_signed(trust_store, roots_and_keys[1], 1)])[0].start(timeout_s=5)
    assert info.value.reason == reg.EXPIRED


def test_the_keys_topic_is_compacted_and_the_taskforce_names_the_roots() -> None:
    document = {
        "topic_prefix": "tf",
        "registry_roots": "roots.json",
        "agency": [{"id": "PK-FIA", "role": "investigation_agency"}],
    }
    taskforce = parse_taskforce(document, Path("/etc/corridor"))
    assert taskforce.registry_roots == Path("/etc/corridor/roots.json")
    spec = next(s for s in pipeline_topics(taskforce) if s.name == "tf.keys")
    assert (spec.partitions, dict(spec.config)) == (1, {"cleanup.policy": "compact"})
    assert parse_taskforce({**document, "registry_roots": None}, Path()).registry_roots is None


def test_delivery_key_ids_follow_the_registry_even_after_it_expired(
    follow: Any,
    roots_and_keys: tuple[reg.RootKeys, list[Ed25519PrivateKey]],
    trust_store: TrustStore,
) -> None:
    hcg = generate_encryption_key().public_key()
    store = trust_store.with_encryption_key("GR-HCG", "GR-HCG", hcg)
    keys = roots_and_keys[1]
    follower, _ = follow([_signed(store, keys, 1)])
    ids = DeliveryKeyIds(follower, ["GR-HCG"])
    with pytest.raises(KeyError):
        ids["GR-HCG"]  # not started: no registry yet
    follower.start(timeout_s=5)
    assert dict(ids) == {"GR-HCG": frozenset({encryption_key_id(hcg)})}
    assert ids.get("PK-FIA") is None
    agency = store.agencies["GR-HCG"]
    entry = next(iter(agency.encryption_keys.values()))
    revoked = TrustStore(
        agencies={
            **store.agencies,
            "GR-HCG": replace(
                agency, encryption_keys={entry.key_id: replace(entry, status="revoked")}
            ),
        }
    )
    follower.apply(_signed(revoked, keys, 2))
    follower.close()  # stop the thread before the clock passes the expiry (it would log)
    follow.now[0] = T0 + dt.timedelta(days=5)  # expired: verification stops, wraps stay narrowed
    assert ids["GR-HCG"] == frozenset()
