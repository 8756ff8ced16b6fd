"""Rotation with an overlap window and revocation from the moment of compromise."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from schemas import reasons
from schemas.errors import TrustStoreError, VerifyError
from schemas.key_lifecycle import revoke, rotate
from schemas.keys import generate_private_key, key_id
from schemas.signing import sign_alert
from schemas.topics import TopicNames
from schemas.truststore import TrustStore, dump_trust_store, parse_trust_store
from schemas.verification import verify_alert

ROTATED_AT = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)
OVERLAP = dt.timedelta(hours=24)


def _verify(
    alert: dict[str, Any],
    key: Ed25519PrivateKey,
    store: TrustStore,
    topics: TopicNames,
    produced_at: dt.datetime,
) -> str | None:
    """None if an alert signed with ``key`` at ``produced_at`` verifies, else the reason."""
    record = sign_alert(alert, key, topics, produced_at=produced_at)
    try:
        verify_alert(record.value, record.headers, store, topics, read_topic=record.topic)
    except VerifyError as exc:
        return exc.reason
    return None


def test_during_the_overlap_the_old_key_verifies_after_it_not(
    alert: dict[str, Any], fia_key: Ed25519PrivateKey, trust_store: TrustStore, topics: TopicNames
) -> None:
    new_key = generate_private_key()
    rotated = rotate(trust_store, "PK-FIA", new_key.public_key(), now=ROTATED_AT, overlap=OVERLAP)
    old = rotated.agencies["PK-FIA"].keys[key_id(fia_key.public_key())]
    assert (old.status, old.valid_until) == ("retired", ROTATED_AT + OVERLAP)
    fresh = rotated.agencies["PK-FIA"].keys[key_id(new_key.public_key())]
    assert (fresh.status, fresh.valid_from) == ("active", ROTATED_AT)

    in_flight = ROTATED_AT - dt.timedelta(minutes=1)
    late = ROTATED_AT + OVERLAP - dt.timedelta(milliseconds=1)
    assert _verify(alert, fia_key, rotated, topics, in_flight) is None
    assert _verify(alert, fia_key, rotated, topics, late) is None
    assert _verify(alert, fia_key, rotated, topics, ROTATED_AT + OVERLAP) == reasons.KEY_NOT_VALID
    assert _verify(alert, new_key, rotated, topics, ROTATED_AT) is None
    assert _verify(alert, new_key, rotated, topics, in_flight) == reasons.KEY_NOT_VALID
    # Other agencies are untouched.
    assert rotated.agencies["TR-SG"] == trust_store.agencies["TR-SG"]
    # And the result survives the file format.
    assert parse_trust_store(dump_trust_store(rotated)) == rotated


def test_rotating_twice_keeps_the_earlier_end(
    fia_key: Ed25519PrivateKey, trust_store: TrustStore
) -> None:
    once = rotate(
        trust_store, "PK-FIA", generate_private_key().public_key(), now=ROTATED_AT, overlap=OVERLAP
    )
    twice = rotate(
        once,
        "PK-FIA",
        generate_private_key().public_key(),
        now=ROTATED_AT + dt.timedelta(hours=1),
        overlap=OVERLAP,
    )
    first = twice.agencies["PK-FIA"].keys[key_id(fia_key.public_key())]
    assert first.valid_until == ROTATED_AT + OVERLAP
    assert [k.status for k in twice.agencies["PK-FIA"].keys.values()].count("active") == 1


def test_rotation_refuses_unknown_agencies_known_keys_and_negative_overlaps(
    fia_key: Ed25519PrivateKey, trust_store: TrustStore
) -> None:
    new = generate_private_key().public_key()
    with pytest.raises(TrustStoreError, match="not in the trust store"):
        rotate(trust_store, "GR-HCG", new, now=ROTATED_AT, overlap=OVERLAP)
    with pytest.raises(TrustStoreError, match="already registered"):
        rotate(trust_store, "PK-FIA", fia_key.public_key(), now=ROTATED_AT, overlap=OVERLAP)
    with pytest.raises(TrustStoreError, match="negative"):
        rotate(trust_store, "PK-FIA", new, now=ROTATED_AT, overlap=-OVERLAP)


def test_revocation_rejects_from_compromised_at_on_and_keeps_earlier_messages(
    alert: dict[str, Any], fia_key: Ed25519PrivateKey, trust_store: TrustStore, topics: TopicNames
) -> None:
    compromised_at = ROTATED_AT
    kid = key_id(fia_key.public_key())
    revoked = revoke(trust_store, "PK-FIA", kid, compromised_at=compromised_at)
    entry = revoked.agencies["PK-FIA"].keys[kid]
    assert (entry.status, entry.compromised_at) == ("revoked", compromised_at)
    before = compromised_at - dt.timedelta(milliseconds=1)
    assert _verify(alert, fia_key, revoked, topics, before) is None
    assert _verify(alert, fia_key, revoked, topics, compromised_at) == reasons.KEY_NOT_VALID
    later = compromised_at + dt.timedelta(days=3)
    assert _verify(alert, fia_key, revoked, topics, later) == reasons.KEY_NOT_VALID


def test_a_revocation_is_never_narrowed(
    fia_key: Ed25519PrivateKey, trust_store: TrustStore
) -> None:
    kid = key_id(fia_key.public_key())
    first = revoke(trust_store, "PK-FIA", kid, compromised_at=ROTATED_AT)
    again = revoke(first, "PK-FIA", kid, compromised_at=ROTATED_AT + dt.timedelta(days=1))
    assert again.agencies["PK-FIA"].keys[kid].compromised_at == ROTATED_AT
    earlier = revoke(first, "PK-FIA", kid, compromised_at=ROTATED_AT - dt.timedelta(days=1))
    assert earlier.agencies["PK-FIA"].keys[kid].compromised_at == ROTATED_AT - dt.timedelta(days=1)
    with pytest.raises(TrustStoreError, match="not registered"):
        revoke(trust_store, "PK-FIA", "00" * 8, compromised_at=ROTATED_AT)
