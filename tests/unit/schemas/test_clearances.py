"""Members' clearances in the trust store and registry, and the hub without an encryption key."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from schemas import registry as reg
from schemas.clearances import CLEARANCE_KEYS, Clearance, clearances_of
from schemas.errors import RegistryError, TrustStoreError
from schemas.taskforce import load_taskforce
from schemas.truststore import (
    TrustStore,
    dump_trust_store,
    load_trust_store,
    parse_trust_store,
    save_trust_store,
)

DEMO = load_taskforce(Path("deploy/local/taskforce.toml"))
T0 = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


def _store() -> TrustStore:
    store = TrustStore(agencies={}).with_hub("TF-HUB")
    store = store.with_key("TF-HUB", "hub", Ed25519PrivateKey.generate().public_key())
    for member in DEMO.members:
        store = store.with_key(
            member.agency_id, member.name, Ed25519PrivateKey.generate().public_key()
        )
        store = store.with_encryption_key(
            member.agency_id, member.name, X25519PrivateKey.generate().public_key()
        )
    return store.with_clearances(clearances_of(DEMO))


def test_clearances_and_hub_survive_a_round_trip(tmp_path: Path) -> None:
    store = _store()
    path = tmp_path / "ts.json"
    save_trust_store(path, store)
    loaded = load_trust_store(path)
    assert loaded.hub == "TF-HUB"
    assert dump_trust_store(loaded) == dump_trust_store(store)
    assert loaded.agencies["GR-HCG"].clearance == Clearance.of_member(DEMO.member("GR-HCG"))  # type: ignore[arg-type]
    assert loaded.agencies["TF-HUB"].clearance is None


def test_the_directory_is_the_members_without_the_hub() -> None:
    directory = _store().directory()
    assert {m.agency_id for m in directory.members} == {m.agency_id for m in DEMO.members}
    assert directory.member("TF-HUB") is None
    iom = directory.member("IOM")
    assert iom is not None and iom.tlp_clearance == "AMBER" and iom.personal_data


def test_a_hub_encryption_key_is_refused_when_the_document_names_the_hub() -> None:
    document = dump_trust_store(_store())
    document["agencies"]["TF-HUB"]["encryption_keys"] = document["agencies"]["GR-HCG"][
        "encryption_keys"
    ]
    with pytest.raises(TrustStoreError, match="TF-HUB is the hub, which must have no encryption"):
        parse_trust_store(document)


def test_a_hub_encryption_key_is_refused_with_the_task_force_files_hub_id(tmp_path: Path) -> None:
    """An older file that does not name the hub: the loader is told the hub id."""
    store = TrustStore(agencies={}).with_encryption_key(
        "TF-HUB", "hub", X25519PrivateKey.generate().public_key()
    )
    path = tmp_path / "ts.json"
    save_trust_store(path, store)
    load_trust_store(path)  # nobody says TF-HUB is the hub
    with pytest.raises(TrustStoreError, match=r"ts.json: agencies.TF-HUB.encryption_keys"):
        load_trust_store(path, hub_id="TF-HUB")


def test_no_encryption_key_can_be_added_for_the_hub() -> None:
    with pytest.raises(TrustStoreError, match="must have no encryption key"):
        _store().with_encryption_key("TF-HUB", "hub", X25519PrivateKey.generate().public_key())
    assert _store().sealing_keys("TF-HUB") == []


def test_a_document_naming_another_hub_than_the_task_force_file_is_refused() -> None:
    with pytest.raises(TrustStoreError, match="names TF-HUB, the task-force file XX-HUB"):
        parse_trust_store(dump_trust_store(_store()), hub_id="XX-HUB")


def test_the_hub_has_no_clearance() -> None:
    document = dump_trust_store(_store())
    document["agencies"]["TF-HUB"]["member"] = document["agencies"]["GR-HCG"]["member"]
    with pytest.raises(TrustStoreError, match="TF-HUB is the hub, not a member"):
        parse_trust_store(document)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"role": "pirate"}, "member.role: 'pirate' is not one of"),
        ({"receives": "yes"}, "member.receives: expected true or false"),
        ({"tlp_clearance": "RED"}, "member.tlp_clearance: 'RED' is not one of"),
        ({"h2_share_with": ["nobody at all"]}, "member.h2_share_with: expected a list"),
        ({"extra": 1}, "member: unknown keys extra"),
    ],
    ids=["role", "receives", "tlp-red", "h2", "unknown-key"],
)
def test_malformed_clearances_are_named(change: dict[str, Any], message: str) -> None:
    document = dump_trust_store(_store())
    document["agencies"]["GR-HCG"]["member"].update(change)
    with pytest.raises(TrustStoreError, match=message):
        parse_trust_store(document)


@pytest.mark.parametrize("missing", CLEARANCE_KEYS)
def test_every_clearance_key_is_required(missing: str) -> None:
    document = dump_trust_store(_store())
    del document["agencies"]["GR-HCG"]["member"][missing]
    with pytest.raises(TrustStoreError, match=f"missing {missing}"):
        parse_trust_store(document)


def test_a_registry_carrying_a_hub_encryption_key_is_refused_as_malformed() -> None:
    document = dump_trust_store(_store())
    document["agencies"]["TF-HUB"]["encryption_keys"] = document["agencies"]["GR-HCG"][
        "encryption_keys"
    ]
    root = Ed25519PrivateKey.generate()
    roots = reg.make_roots([("chair", root.public_key())], 1)
    signed = reg.draft(_store(), version=1, issued_at=T0, expires_at=T0 + dt.timedelta(days=30))
    body = signed.document.decode().replace(
        '"TF-HUB":{',
        '"TF-HUB":{"encryption_keys":'
        + json.dumps(document["agencies"]["TF-HUB"]["encryption_keys"], separators=(",", ":"))
        + ",",
    )
    forged = reg.SignedRegistry(body.encode()).signed_by(root)
    with pytest.raises(RegistryError, match="must have no encryption key") as info:
        reg.open_registry(forged.to_bytes(), roots)
    assert info.value.reason == reg.MALFORMED


def test_a_follower_that_knows_the_hub_refuses_a_version_giving_it_an_encryption_key() -> None:
    """Even when the document does not name the hub (drafted by hand or by an older tool)."""
    store = TrustStore(agencies={}).with_encryption_key(
        "TF-HUB", "hub", X25519PrivateKey.generate().public_key()
    )
    root = Ed25519PrivateKey.generate()
    roots = reg.make_roots([("chair", root.public_key())], 1)
    value = (
        reg.draft(store, version=1, issued_at=T0, expires_at=T0 + dt.timedelta(days=30))
        .signed_by(root)
        .to_bytes()
    )
    assert reg.RegistryState(roots).apply(value, T0) is not None
    with pytest.raises(RegistryError, match="must have no encryption key") as info:
        reg.RegistryState(roots, hub_id="TF-HUB").apply(value, T0)
    assert info.value.reason == reg.MALFORMED
