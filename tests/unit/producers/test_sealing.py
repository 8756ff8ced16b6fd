"""Who an originator seals personal data to."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from producers.registry_sealing import newest_registry
from producers.sealing import Sealing
from schemas import registry as reg
from schemas.clearances import Clearance, clearances_of
from schemas.errors import RegistryError, SealError
from schemas.keys import encryption_key_id
from schemas.taskforce import Member, TaskForce, load_taskforce
from schemas.topics import TopicNames
from schemas.truststore import TrustStore

KEYS = {a: X25519PrivateKey.generate() for a in ("PK-FIA", "GR-HCG", "IOM", "TR-SG")}


def _sealing(*, with_keys: tuple[str, ...] = ("PK-FIA", "GR-HCG", "IOM", "TR-SG")) -> Sealing:
    members = (
        Member("PK-FIA", "PK-FIA", "investigation_agency", True, True, personal_data=True),
        Member("GR-HCG", "GR-HCG", "coast_guard", True, True, personal_data=True),
        Member("IOM", "IOM", "international_organisation", True, True, personal_data=True),
        Member("TR-SG", "TR-SG", "coast_guard", True, True),
        Member("UNODC", "UNODC", "international_organisation", True, False, personal_data=True),
    )
    store = TrustStore(agencies={})
    for agency in with_keys:
        store = store.with_encryption_key(agency, agency, KEYS[agency].public_key())
    return Sealing(TaskForce("t", TopicNames(), Path("t.json"), members), store)


def _ids(*agencies: str) -> set[str]:
    return {encryption_key_id(KEYS[a].public_key()) for a in agencies}


@pytest.fixture
def alert(alert: dict[str, Any]) -> dict[str, Any]:
    """The sample alert, marked H0 so that only TLP and clearances decide."""
    return {**alert, "handling_code": "H0"}


def test_cleared_receiving_members_except_the_originator(alert: dict[str, Any]) -> None:
    plan = _sealing().plan(alert)
    assert plan.cleared == ("GR-HCG", "IOM")
    assert {r.key_id for r in plan.recipients} == _ids("GR-HCG", "IOM")
    assert plan.without_key == ()


def test_tlp_red_seals_only_to_named_recipients(alert: dict[str, Any]) -> None:
    red = {**alert, "tlp": "RED", "tlp_recipients": ["IOM", "TR-SG"]}
    assert {r.key_id for r in _sealing().recipients_for(red)} == _ids("IOM")


def test_cleared_members_without_a_key_are_reported(alert: dict[str, Any]) -> None:
    plan = _sealing(with_keys=("GR-HCG",)).plan(alert)
    assert plan.without_key == ("IOM",)
    assert {r.key_id for r in plan.recipients} == _ids("GR-HCG")


def test_nobody_to_seal_to_is_refused(alert: dict[str, Any]) -> None:
    with pytest.raises(SealError, match="no encryption key"):
        _sealing(with_keys=("PK-FIA", "TR-SG")).recipients_for(alert)
    red = {**alert, "tlp": "RED", "tlp_recipients": ["TR-SG"]}
    with pytest.raises(SealError, match="cleared for personal data"):
        _sealing().recipients_for(red)


def test_sealing_follows_the_sharing_policy(alert: dict[str, Any]) -> None:
    # H2 without PK-FIA's consent for international organisations: no wrap for IOM.
    assert _sealing().plan({**alert, "handling_code": "H2"}).cleared == ("GR-HCG",)
    # H3 goes to the named recipients only, so only they get a wrap.
    h3 = {**alert, "handling_code": "H3", "handling_note": "n", "tlp_recipients": ["IOM"]}
    assert _sealing().plan(h3).cleared == ("IOM",)


# The producer's path: clearances and keys from a verified registry version.

DEMO = load_taskforce(Path("deploy/local/taskforce.toml"))
DEMO_KEYS = {m.agency_id: X25519PrivateKey.generate() for m in DEMO.members}
T0 = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
ROOT = Ed25519PrivateKey.generate()
ROOTS = reg.make_roots([("chair", ROOT.public_key())], 1)


def _demo_store() -> TrustStore:
    store = TrustStore(agencies={}).with_hub(DEMO.hub_id)
    store = store.with_key(DEMO.hub_id, "hub", Ed25519PrivateKey.generate().public_key())
    for agency, key in DEMO_KEYS.items():
        store = store.with_encryption_key(agency, agency, key.public_key())
    return store.with_clearances(clearances_of(DEMO))


def _registry_value(store: TrustStore, version: int = 1) -> bytes:
    signed = reg.draft(store, version=version, issued_at=T0, expires_at=T0 + dt.timedelta(days=30))
    return signed.signed_by(ROOT).to_bytes()


MARKINGS = [
    (tlp, handling, named)
    for tlp in ("CLEAR", "GREEN", "AMBER", "AMBER_STRICT", "RED")
    for handling in ("H0", "H1", "H2", "H3")
    for named in ((), ("IOM", "TR-SG"), ("GR-HCG", "EU-EUROPOL", "UNODC"))
    if (tlp != "RED" and handling != "H3") or named
]


@pytest.mark.parametrize("origin", ["PK-FIA", "IOM", "TR-SG"])
def test_registry_sealing_is_the_hub_policys_rule(origin: str, alert: dict[str, Any]) -> None:
    registry = reg.open_registry(_registry_value(_demo_store()), ROOTS)
    from_registry = Sealing.from_registry(registry)
    from_file = Sealing.from_taskforce(DEMO, _demo_store())
    for tlp, handling, named in MARKINGS:
        marked = {
            **alert,
            "agency": origin,
            "tlp": tlp,
            "handling_code": handling,
            "handling_note": "n" if handling == "H3" else None,
            "tlp_recipients": list(named),
        }
        assert from_registry.plan(marked) == from_file.plan(marked), (tlp, handling, named)


def test_registry_sealing_never_wraps_for_the_hub(alert: dict[str, Any]) -> None:
    registry = reg.open_registry(_registry_value(_demo_store()), ROOTS)
    plan = Sealing.from_registry(registry).plan({**alert, "handling_code": "H0"})
    assert DEMO.hub_id not in plan.cleared
    assert plan.cleared == ("EU-EUROPOL", "GR-HCG", "IOM")


def test_the_newest_acceptable_version_decides(alert: dict[str, Any]) -> None:
    first = _demo_store()
    gr = Clearance.of_member(DEMO.member("GR-HCG"))  # type: ignore[arg-type]
    revoked = first.with_clearances(
        {**clearances_of(DEMO), "GR-HCG": replace(gr, personal_data=False)}
    )
    values = [_registry_value(first, 1), _registry_value(revoked, 2)]
    newest = newest_registry(values, ROOTS, now=T0)
    plan = Sealing.from_registry(newest).plan({**alert, "handling_code": "H0"})
    assert "GR-HCG" not in plan.cleared


def test_a_rollback_or_an_unsigned_version_does_not_decide() -> None:
    newer, older = _registry_value(_demo_store(), 2), _registry_value(_demo_store(), 1)
    assert newest_registry([newer, older], ROOTS, now=T0).version == 2
    unsigned = reg.draft(
        _demo_store(), version=3, issued_at=T0, expires_at=T0 + dt.timedelta(days=30)
    ).to_bytes()
    assert newest_registry([newer, unsigned], ROOTS, now=T0).version == 2
    with pytest.raises(RegistryError) as info:
        newest_registry([unsigned], ROOTS, now=T0)
    assert info.value.reason == reg.INSUFFICIENT_SIGNATURES
    with pytest.raises(RegistryError) as expired:
        newest_registry([newer], ROOTS, now=T0 + dt.timedelta(days=31))
    assert expired.value.reason == reg.EXPIRED
