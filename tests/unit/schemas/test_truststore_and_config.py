"""Trust store and task-force files: round trips and clear errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from schemas.errors import ConfigError, TrustStoreError, VerifyError
from schemas.taskforce import load_taskforce
from schemas.truststore import (
    TrustStore,
    dump_trust_store,
    load_trust_store,
    parse_trust_store,
    save_trust_store,
)

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def test_round_trip(tmp_path: Path, trust_store: TrustStore) -> None:
    path = tmp_path / "trust.json"
    save_trust_store(path, trust_store)
    loaded = load_trust_store(path)
    assert dump_trust_store(loaded) == dump_trust_store(trust_store)


def test_key_id_must_match_the_key(fia_key: Ed25519PrivateKey, trust_store: TrustStore) -> None:
    document = dump_trust_store(trust_store)
    document["agencies"]["PK-FIA"]["keys"][0]["key_id"] = "0000000000000000"
    with pytest.raises(TrustStoreError, match="does not match the public key"):
        parse_trust_store(document)


def test_validity_window(trust_store: TrustStore) -> None:
    document = dump_trust_store(trust_store)
    entry = document["agencies"]["PK-FIA"]["keys"][0]
    entry["valid_from"], entry["valid_until"] = "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z"
    store = parse_trust_store(document)
    kid = entry["key_id"]
    store.public_key("PK-FIA", kid, T0)
    for when in (T0 - dt.timedelta(seconds=1), T0 + dt.timedelta(days=31)):
        with pytest.raises(VerifyError) as info:
            store.public_key("PK-FIA", kid, when)
        assert info.value.reason == "key_not_valid"


def test_revoked_from_compromise_time(trust_store: TrustStore) -> None:
    document = dump_trust_store(trust_store)
    entry = document["agencies"]["PK-FIA"]["keys"][0]
    entry["status"], entry["compromised_at"] = "revoked", "2026-01-01T00:00:00Z"
    store = parse_trust_store(document)
    store.public_key("PK-FIA", entry["key_id"], T0 - dt.timedelta(seconds=1))
    with pytest.raises(VerifyError):
        store.public_key("PK-FIA", entry["key_id"], T0)


_A = "[[agency]]\nid = 'PK-FIA'\nrole = 'coast_guard'\n"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param("[[agency]]\nid = 'pk'\nrole = 'coast_guard'\n", "not an agency id", id="id"),
        pytest.param("[[agency]]\nid = 'PK-FIA'\nrole = 'navy'\n", "role", id="role"),
        pytest.param("name = 'x'\n", r"at least one \[\[agency\]\]", id="empty"),
        pytest.param(
            "[[agency]]\nid='PK-FIA'\nrole='coast_guard'\n[[agency]]\nid='PK-FIA'\n"
            "role='coast_guard'\n",
            "listed twice",
            id="duplicate",
        ),
        pytest.param("[[agency]\n", "not valid TOML", id="toml"),
        pytest.param(_A + "tlp_clearance = 'RED'\n", "originator names", id="clearance-red"),
        pytest.param(_A + "tlp_clearance = 'amber'\n", "tlp_clearance", id="clearance-case"),
        pytest.param(_A + "personal_data = 'yes'\n", "personal_data", id="pd-bool"),
        pytest.param(_A + "colour = 'blue'\n", "unknown keys colour", id="unknown-key"),
        pytest.param(_A + "inbox = false\n", "neither inbox nor webhook", id="no-channel"),
        pytest.param(
            _A + "[agency.webhook]\nurl = 'http://x.example'\n", "https", id="webhook-http"
        ),
        pytest.param(_A + "h2_share_with = ['XX-NOBODY']\n", "neither a member", id="h2-unknown"),
        pytest.param(_A + "h2_share_with = 'all'\n", "h2_share_with", id="h2-not-list"),
        pytest.param("[webhooks]\nmax_attempts = 0\n" + _A, "max_attempts", id="attempts"),
        pytest.param(
            "[webhooks]\ninitial_backoff_s = 5\nmax_backoff_s = 1\n" + _A,
            "max_backoff_s",
            id="backoff-order",
        ),
        pytest.param("hub_name = 'x'\n" + _A, "unknown top-level keys", id="top-level-key"),
    ],
)
def test_taskforce_errors(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "taskforce.toml"
    path.write_text(body, "utf-8")
    with pytest.raises(ConfigError, match=message):
        load_taskforce(path)


def test_shipped_taskforce_loads() -> None:
    taskforce = load_taskforce(Path("deploy/local/taskforce.toml"), topic_prefix="x")
    assert taskforce.topics.inbound("PK-FIA") == "x.inbound.PK-FIA"
    assert "EU-EUROPOL" in {m.agency_id for m in taskforce.recipients}


def test_encryption_keys_round_trip_and_old_files_still_load(
    tmp_path: Path, trust_store: TrustStore
) -> None:
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    from schemas.keys import encryption_key_id

    old = dump_trust_store(trust_store)
    assert all("encryption_keys" not in a for a in old["agencies"].values())
    assert parse_trust_store(old).agencies["PK-FIA"].encryption_keys == {}
    public = X25519PrivateKey.generate().public_key()
    store = trust_store.with_encryption_key("GR-HCG", "Hellenic Coast Guard", public)
    path = tmp_path / "trust.json"
    save_trust_store(path, store)
    loaded = load_trust_store(path)
    assert dump_trust_store(loaded) == dump_trust_store(store)
    kid = encryption_key_id(public)
    assert [k.key_id for k in loaded.sealing_keys("GR-HCG")] == [kid]
    assert loaded.delivery_key_ids("GR-HCG") == {kid}
    assert loaded.sealing_keys("PK-FIA") == []
    document = dump_trust_store(loaded)
    document["agencies"]["GR-HCG"]["encryption_keys"][0]["status"] = "retired"
    retired = parse_trust_store(document)
    assert retired.sealing_keys("GR-HCG") == []
    assert retired.delivery_key_ids("GR-HCG") == {kid}
    document["agencies"]["GR-HCG"]["encryption_keys"][0]["status"] = "revoked"
    assert parse_trust_store(document).delivery_key_ids("GR-HCG") == frozenset()


def test_encryption_key_entries_are_checked(trust_store: TrustStore) -> None:
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    store = trust_store.with_encryption_key(
        "PK-FIA", "FIA", X25519PrivateKey.generate().public_key()
    )
    document = dump_trust_store(store)
    entry = document["agencies"]["PK-FIA"]["encryption_keys"][0]
    entry["key_id"] = "0000000000000000"
    with pytest.raises(TrustStoreError, match=r"encryption_keys\[0\].key_id"):
        parse_trust_store(document)
    entry.pop("key_id")
    entry["algorithm"] = "Ed25519"
    with pytest.raises(TrustStoreError, match="only X25519"):
        parse_trust_store(document)
    document["agencies"]["PK-FIA"]["encryption_keys"] = {"not": "a list"}
    with pytest.raises(TrustStoreError, match="encryption_keys: expected a list"):
        parse_trust_store(document)


def test_member_settings_and_defaults(tmp_path: Path) -> None:
    path = tmp_path / "taskforce.toml"
    path.write_text(
        "[webhooks]\nmax_attempts = 3\n"
        + _A
        + "[[agency]]\nid = 'IOM'\nrole = 'international_organisation'\n"
        "tlp_clearance = 'AMBER'\npersonal_data = true\ninbox = false\n"
        "h2_share_with = ['PK-FIA']\n[agency.webhook]\nurl = 'https://iom.example/hook'\n",
        "utf-8",
    )
    taskforce = load_taskforce(path)
    fia, iom = taskforce.members
    assert (fia.tlp_clearance, fia.personal_data, fia.inbox, fia.webhook) == (
        "AMBER_STRICT",
        False,
        True,
        None,
    )
    assert iom.webhook is not None and iom.webhook.url == "https://iom.example/hook"
    assert (iom.tlp_clearance, iom.personal_data, iom.inbox) == ("AMBER", True, False)
    assert taskforce.webhooks.max_attempts == 3
    assert fia.consents_h2_to(fia) and not fia.consents_h2_to(iom)
    assert iom.consents_h2_to(fia)
    assert taskforce.member("IOM") is iom and taskforce.member("XX-NONE") is None
