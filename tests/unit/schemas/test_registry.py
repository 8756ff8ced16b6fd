"""The signed key registry: threshold signatures, exact bytes, no rollback, no expired trust."""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from schemas import reasons
from schemas import registry as reg
from schemas.errors import RegistryError, VerifyError
from schemas.keys import generate_private_key, key_id
from schemas.signing import sign_alert
from schemas.topics import TopicNames
from schemas.truststore import TrustStore
from schemas.verification import verify_alert

T0 = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


@pytest.fixture
def root_keys() -> list[Ed25519PrivateKey]:
    return [generate_private_key() for _ in range(3)]


@pytest.fixture
def roots(root_keys: list[Ed25519PrivateKey]) -> reg.RootKeys:
    return reg.make_roots(
        [(name, k.public_key()) for name, k in zip("abc", root_keys, strict=True)], threshold=2
    )


def _signed(
    store: TrustStore,
    signers: list[Ed25519PrivateKey],
    *,
    version: int = 1,
    issued_at: dt.datetime = T0,
    lifetime: dt.timedelta = 30 * DAY,
    previous: str | None = None,
) -> bytes:
    signed = reg.draft(
        store,
        version=version,
        issued_at=issued_at,
        expires_at=issued_at + lifetime,
        previous_digest=previous,
    )
    for key in signers:
        signed = signed.signed_by(key)
    return signed.to_bytes()


def _reason(call: Any) -> str:
    with pytest.raises(RegistryError) as info:
        call()
    return info.value.reason


def test_a_registry_signed_by_the_threshold_opens_to_its_trust_store(
    roots: reg.RootKeys, root_keys: list[Ed25519PrivateKey], trust_store: TrustStore
) -> None:
    value = _signed(trust_store, root_keys[:2])
    registry = reg.open_registry(value, roots)
    assert registry.version == 1
    assert registry.issued_at == T0
    assert registry.expires_at == T0 + 30 * DAY
    assert registry.previous_digest is None
    assert set(registry.trust_store.agencies) == {"PK-FIA", "TR-SG"}
    assert registry.digest == reg.parse_signed(value).digest


def test_fewer_signatures_than_the_threshold_are_rejected(
    roots: reg.RootKeys, root_keys: list[Ed25519PrivateKey], trust_store: TrustStore
) -> None:
    value = _signed(trust_store, root_keys[:1])
    assert _reason(lambda: reg.open_registry(value, roots)) == reg.INSUFFICIENT_SIGNATURES


def test_the_same_root_signing_twice_counts_once(
    roots: reg.RootKeys, root_keys: list[Ed25519PrivateKey], trust_store: TrustStore
) -> None:
    signed = reg.parse_signed(_signed(trust_store, root_keys[:1]))
    doubled = reg.SignedRegistry(signed.document, signed.signatures * 2)
    assert len(doubled.signatures) == 2
    assert _reason(lambda: reg.open_registry(doubled.to_bytes(), roots)) == (
        reg.INSUFFICIENT_SIGNATURES
    )
    # Signing again with the same key replaces the signature, it does not add one.
    assert len(signed.signed_by(root_keys[0]).signatures) == 1


def test_signatures_of_keys_that_are_not_roots_do_not_count(
    roots: reg.RootKeys, root_keys: list[Ed25519PrivateKey], trust_store: TrustStore
) -> None:
    outsiders = [generate_private_key(), generate_private_key()]
    value = _signed(trust_store, [root_keys[0], *outsiders])
    assert _reason(lambda: reg.open_registry(value, roots)) == reg.INSUFFICIENT_SIGNATURES


def test_tampered_document_bytes_fail_every_signature(
    roots: reg.RootKeys, root_keys: list[Ed25519PrivateKey], trust_store: TrustStore
) -> None:
    outer = json.loads(_signed(trust_store, root_keys))
    document = base64.b64decode(outer["document"])
    # Same meaning, different bytes (a space): the exact bytes are what is signed.
    outer["document"] = base64.b64encode(document.replace(b":", b": ", 1)).decode()
    value = json.dumps(outer).encode()
    assert reg.parse_document(base64.b64decode(outer["document"])).version == 1
    assert _reason(lambda: reg.open_registry(value, roots)) == reg.INSUFFICIENT_SIGNATURES


def test_a_signature_under_another_context_does_not_verify(
    roots: reg.RootKeys, root_keys: list[Ed25519PrivateKey], trust_store: TrustStore
) -> None:
    unsigned = reg.draft(trust_store, version=1, issued_at=T0, expires_at=T0 + DAY)
    bare = tuple(
        reg.RegistrySignature(key_id(k.public_key()), k.sign(unsigned.document)) for k in root_keys
    )
    value = reg.SignedRegistry(unsigned.document, bare).to_bytes()
    assert _reason(lambda: reg.open_registry(value, roots)) == reg.INSUFFICIENT_SIGNATURES


@pytest.mark.parametrize(
    "value",
    [
        b"not json",
        b'{"format": "corridor-signed-registry/1", "document": "@@", "signatures": []}',
        b'{"format": "corridor-trust-store/1"}',
        b'{"format": "corridor-signed-registry/1", "document": "e30=", "signatures": {}}',
    ],
)
def test_malformed_records_are_rejected(roots: reg.RootKeys, value: bytes) -> None:
    assert _reason(lambda: reg.open_registry(value, roots)) == reg.MALFORMED


def test_a_malformed_document_is_rejected_even_when_signed(
    roots: reg.RootKeys, root_keys: list[Ed25519PrivateKey]
) -> None:
    signed = reg.SignedRegistry(b'{"format":"corridor-key-registry/1","version":0}')
    for key in root_keys:
        signed = signed.signed_by(key)
    assert _reason(lambda: reg.open_registry(signed.to_bytes(), roots)) == reg.MALFORMED


def test_newer_versions_replace_older_ones(
    roots: reg.RootKeys, root_keys: list[Ed25519PrivateKey], trust_store: TrustStore
) -> None:
    state = reg.RegistryState(roots, clock=lambda: T0 + DAY)
    v1 = _signed(trust_store, root_keys[:2])
    first = state.apply(v1)
    assert first is not None
    assert state.current() is first.trust_store
    assert state.apply(v1) is None  # a re-read changes nothing
    v2 = _signed(trust_store, root_keys[1:], version=2, previous=first.digest)
    second = state.apply(v2)
    assert second is not None and state.registry is second
    # Versions may skip (an intermediate one compacted away); no chain check then.
    v5 = _signed(trust_store, root_keys[1:], version=5, previous="0" * 64)
    assert state.apply(v5) is not None


def test_rollback_is_rejected_and_the_newer_registry_stays(
    roots: reg.RootKeys, root_keys: list[Ed25519PrivateKey], trust_store: TrustStore
) -> None:
    state = reg.RegistryState(roots, clock=lambda: T0 + DAY)
    v1 = _signed(trust_store, root_keys[:2])
    state.apply(v1)
    state.apply(_signed(TrustStore(agencies={}), root_keys[:2], version=2))
    assert _reason(lambda: state.apply(v1)) == reg.ROLLBACK
    assert state.registry is not None and state.registry.version == 2
    assert state.current().agencies == {}


def test_a_second_document_under_the_same_version_is_rejected(
    roots: reg.RootKeys, root_keys: list[Ed25519PrivateKey], trust_store: TrustStore
) -> None:
    state = reg.RegistryState(roots, clock=lambda: T0 + DAY)
    state.apply(_signed(trust_store, root_keys[:2]))
    other = _signed(TrustStore(agencies={}), root_keys[:2])
    assert _reason(lambda: state.apply(other)) == reg.VERSION_CONFLICT


def test_the_next_version_must_name_the_accepted_one_as_previous(
    roots: reg.RootKeys, root_keys: list[Ed25519PrivateKey], trust_store: TrustStore
) -> None:
    state = reg.RegistryState(roots, clock=lambda: T0 + DAY)
    state.apply(_signed(trust_store, root_keys[:2]))
    fork = _signed(trust_store, root_keys[:2], version=2, previous="ab" * 32)
    assert _reason(lambda: state.apply(fork)) == reg.CHAIN_MISMATCH


def test_an_expired_registry_is_not_accepted(
    roots: reg.RootKeys, root_keys: list[Ed25519PrivateKey], trust_store: TrustStore
) -> None:
    state = reg.RegistryState(roots, clock=lambda: T0 + 31 * DAY)
    assert _reason(lambda: state.apply(_signed(trust_store, root_keys))) == reg.EXPIRED
    assert state.registry is None
    with pytest.raises(VerifyError) as info:
        state.current()
    assert info.value.reason == reasons.REGISTRY_EXPIRED


def test_a_registry_that_expires_in_use_stops_all_verification(
    roots: reg.RootKeys,
    root_keys: list[Ed25519PrivateKey],
    trust_store: TrustStore,
    fia_key: Ed25519PrivateKey,
    alert: dict[str, Any],
    topics: TopicNames,
) -> None:
    now = [T0 + DAY]
    state = reg.RegistryState(roots, clock=lambda: now[0])
    state.apply(_signed(trust_store, root_keys[:2], lifetime=2 * DAY))
    record = sign_alert(alert, fia_key, topics)
    verify_alert(record.value, record.headers, state.current(), topics, read_topic=record.topic)
    now[0] = T0 + 2 * DAY  # expires_at itself is expired
    with pytest.raises(VerifyError) as info:
        state.current()
    assert info.value.reason == reasons.REGISTRY_EXPIRED
    assert "version 1" in info.value.detail
    # A fresh version brings verification back.
    state.apply(_signed(trust_store, root_keys[:2], version=2, issued_at=now[0]))
    assert state.current() is not None


def test_catch_up_installs_the_newest_and_reports_rollbacks_after_it(
    roots: reg.RootKeys, root_keys: list[Ed25519PrivateKey], trust_store: TrustStore
) -> None:
    v1 = _signed(trust_store, root_keys[:2], issued_at=T0 - 40 * DAY)  # expired: history
    v2 = _signed(trust_store, root_keys[:2], version=2)
    v3 = _signed(trust_store, root_keys[:2], version=3)
    forged = _signed(trust_store, root_keys[:1], version=9)
    state = reg.RegistryState(roots, clock=lambda: T0 + DAY)
    installed, refused = state.catch_up([v1, v2, v3, forged, v2])
    assert installed is not None and installed.version == 3
    assert [e.reason for e in refused] == [reg.INSUFFICIENT_SIGNATURES, reg.ROLLBACK]


def test_catch_up_refuses_an_expired_newest_registry(
    roots: reg.RootKeys, root_keys: list[Ed25519PrivateKey], trust_store: TrustStore
) -> None:
    state = reg.RegistryState(roots, clock=lambda: T0 + 40 * DAY)
    installed, refused = state.catch_up([_signed(trust_store, root_keys[:2])])
    assert installed is None
    assert [e.reason for e in refused] == [reg.EXPIRED]


def test_the_root_file_round_trips_and_is_validated(
    roots: reg.RootKeys, root_keys: list[Ed25519PrivateKey]
) -> None:
    document = reg.dump_roots(roots)
    assert reg.parse_roots(json.loads(json.dumps(document))) == roots
    assert roots.names[key_id(root_keys[1].public_key())] == "b"
    for threshold in (0, 4, "2"):
        bad = {**document, "threshold": threshold}
        assert _reason(lambda bad=bad: reg.parse_roots(bad)) == reg.MALFORMED
    twice = {**document, "roots": document["roots"] + document["roots"][:1]}
    assert _reason(lambda: reg.parse_roots(twice)) == reg.MALFORMED
    wrong_id = {**document, "roots": [{**document["roots"][0], "key_id": "00" * 8}]}
    assert _reason(lambda: reg.parse_roots(wrong_id)) == reg.MALFORMED


def test_the_document_is_canonical_json(trust_store: TrustStore) -> None:
    document = reg.build_document(
        trust_store, version=4, issued_at=T0, expires_at=T0 + DAY, previous_digest="00" * 32
    )
    parsed = json.loads(document)
    assert document == json.dumps(parsed, sort_keys=True, separators=(",", ":")).encode()
    assert parsed["format"] == "corridor-key-registry/1"
    assert parsed["issued_at"] == "2026-11-24T09:00:00.000Z"
    assert parsed["trust_store"]["format"] == "corridor-trust-store/1"


def test_the_documented_example_is_reproduced() -> None:
    """docs/wire-format.md section 9.4.3, byte for byte (Ed25519 signatures are deterministic)."""
    roots = [Ed25519PrivateKey.from_private_bytes(bytes([i]) * 32) for i in (1, 2, 3)]
    fia = Ed25519PrivateKey.from_private_bytes(bytes([9]) * 32)
    name = "Federal Investigation Agency, Pakistan"
    store = TrustStore(agencies={}).with_key("PK-FIA", name, fia.public_key())
    issued = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    signed = reg.draft(store, version=1, issued_at=issued, expires_at=issued + 30 * DAY)
    signed = signed.signed_by(roots[0]).signed_by(roots[1])
    assert len(signed.document) == 470
    assert signed.document.startswith(b'{"expires_at":"2026-01-31T00:00:00.000Z","format":')
    assert signed.digest == "8fc082139357906fc82998cfcc44cadf9e7aed9d1703524597f3aecfe5fc93df"
    assert reg.SIGNING_CONTEXT == b"corridor/key-registry/v1\x00"
    assert [(s.key_id, base64.b64encode(s.signature).decode()) for s in signed.signatures] == [
        (
            "34750f98bd59fcfc",
            "exiw+6jtpvtbPnuEyo3epUC029yLUQva0tso3Udgo1elAqbvMgLD3y1tG1WgLz5l9NMRChR0vFugmLv22aO5AQ==",
        ),
        (
            "6a3803d5f059902a",
            "S5knun3/jFgLFvAM1nqe5awe9XDXbxgMss1jo3MPl+YCZvYWaDIINBX0FwxU6RESdoQkXFqVdbJXdXww0KEmAA==",
        ),
    ]
    pins = reg.make_roots(
        [(n, k.public_key()) for n, k in zip(("chair", "deputy", "auditor"), roots, strict=True)],
        threshold=2,
    )
    assert [e["public_key"] for e in reg.dump_roots(pins)["roots"]] == [
        "iojj3XQJ8ZX9UtstPLpdcspnCb8dlBIb83SIAbQPb1w=",
        "gTl3Dqh9F19Wo1Rmw0x+zMuNipG07jeiXfYPW4/Js5Q=",
        "7UkoxijRwsbq6QM4kFmVYSlZJzpcY/k2NsFGFKyHN9E=",
    ]
    assert reg.open_registry(signed.to_bytes(), pins).version == 1
