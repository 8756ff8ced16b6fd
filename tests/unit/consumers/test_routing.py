"""Who receives an alert, and the delivery's identity."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consumers.routing import delivery_id, recipients_for
from schemas.taskforce import Member

MEMBERS = (
    Member("PK-FIA", "FIA", "investigation_agency", publishes=True, receives=True),
    Member("TR-SG", "TCG", "coast_guard", publishes=True, receives=True),
    Member("GR-HCG", "HCG", "coast_guard", publishes=True, receives=True),
    Member("IOM", "IOM", "international_organisation", publishes=True, receives=False),
)


@pytest.mark.parametrize(
    ("tlp", "named", "expected"),
    [
        pytest.param("CLEAR", [], ["TR-SG", "GR-HCG"], id="clear-all-but-originator"),
        pytest.param("AMBER", [], ["TR-SG", "GR-HCG"], id="amber-all-members"),
        pytest.param("RED", ["GR-HCG"], ["GR-HCG"], id="red-named-only"),
        pytest.param("RED", ["GR-HCG", "IOM"], ["GR-HCG"], id="red-non-receiving-dropped"),
        pytest.param("RED", ["PK-FIA"], [], id="red-naming-only-originator"),
        pytest.param("RED", ["XX-NONE"], [], id="red-unknown-recipient"),
    ],
)
def test_recipients(tlp: str, named: list[str], expected: list[str]) -> None:
    alert = {"agency": "PK-FIA", "tlp": tlp, "tlp_recipients": named}
    assert recipients_for(alert, MEMBERS) == expected


@given(
    tlp=st.sampled_from(["CLEAR", "GREEN", "AMBER", "AMBER_STRICT", "RED"]),
    origin=st.sampled_from([m.agency_id for m in MEMBERS]),
    named=st.lists(st.sampled_from(["PK-FIA", "TR-SG", "GR-HCG", "IOM", "EU-X"]), max_size=4),
)
def test_never_the_originator_never_a_non_member_red_only_named(
    tlp: str, origin: str, named: list[str]
) -> None:
    alert: dict[str, Any] = {"agency": origin, "tlp": tlp, "tlp_recipients": named}
    chosen = recipients_for(alert, MEMBERS)
    receiving = {m.agency_id for m in MEMBERS if m.receives}
    assert origin not in chosen
    assert set(chosen) <= receiving
    if tlp == "RED":
        assert set(chosen) <= set(named)


def test_delivery_id_is_stable_and_distinct() -> None:
    assert delivery_id("GR-HCG", "m1") == delivery_id("GR-HCG", "m1")
    assert delivery_id("GR-HCG", "m1") != delivery_id("TR-SG", "m1")
    assert delivery_id("GR-HCG", "m1") != delivery_id("GR-HCG", "m2")
