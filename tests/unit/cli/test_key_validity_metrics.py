"""Key-expiry gauges of a hub service that trusts a trust-store file (no key registry)."""

from __future__ import annotations

import argparse
import datetime as dt
import math
from pathlib import Path

from prometheus_client import CollectorRegistry

from consumers.metrics import key_validity_gauge, set_key_validity
from corridor_cli.trust import hub_trust
from schemas.key_lifecycle import revoke, rotate
from schemas.keys import generate_private_key, key_id
from schemas.taskforce import Member, TaskForce
from schemas.topics import TopicNames
from schemas.truststore import TrustStore, save_trust_store

NOW = dt.datetime(2026, 11, 2, tzinfo=dt.UTC)
GAUGE = "corridor_registry_key_valid_until_seconds"


def _store() -> tuple[TrustStore, dict[str, str]]:
    fia_old, fia_new, sg = (generate_private_key().public_key() for _ in range(3))
    store = TrustStore(agencies={}).with_key("PK-FIA", "PK-FIA", fia_old)
    store = store.with_key("TR-SG", "TR-SG", sg)
    store = rotate(store, "PK-FIA", fia_new, now=NOW, overlap=dt.timedelta(days=7))
    store = revoke(store, "TR-SG", key_id(sg), compromised_at=NOW)
    ids = {"old": key_id(fia_old), "new": key_id(fia_new), "sg": key_id(sg)}
    return store, ids


def test_each_key_reports_when_it_stops_verifying() -> None:
    store, ids = _store()
    registry = CollectorRegistry()
    gauge = key_validity_gauge(registry)
    set_key_validity(gauge, store)

    def until(agency: str, kid: str, status: str) -> float | None:
        labels = {"agency": agency, "key_id": kid, "status": status}
        return registry.get_sample_value(GAUGE, labels)

    assert until("PK-FIA", ids["old"], "retired") == (NOW + dt.timedelta(days=7)).timestamp()
    assert until("PK-FIA", ids["new"], "active") == math.inf
    assert until("TR-SG", ids["sg"], "revoked") == NOW.timestamp()
    # Set again from a store without TR-SG: its key's series goes.
    set_key_validity(gauge, TrustStore(agencies={"PK-FIA": store.agencies["PK-FIA"]}))
    assert until("TR-SG", ids["sg"], "revoked") is None


def test_a_service_with_a_trust_store_file_reports_its_keys(tmp_path: Path) -> None:
    store, ids = _store()
    path = tmp_path / "trust-store.json"
    save_trust_store(path, store)
    members = (Member("PK-FIA", "PK-FIA", "investigation_agency", publishes=True, receives=True),)
    taskforce = TaskForce("t", TopicNames("t"), path, members)
    registry = CollectorRegistry()
    with hub_trust(argparse.Namespace(trust_store=None), taskforce, registry) as trust:
        assert trust.current() == store
    labels = {"agency": "PK-FIA", "key_id": ids["new"], "status": "active"}
    assert registry.get_sample_value(GAUGE, labels) == math.inf
