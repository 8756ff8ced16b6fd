"""Who an originator seals personal data to."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from producers.sealing import Sealing
from schemas.errors import SealError
from schemas.keys import encryption_key_id
from schemas.taskforce import Member, TaskForce
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
