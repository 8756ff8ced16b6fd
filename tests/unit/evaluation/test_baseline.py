"""The naive baseline: exact raw strings, common strings ignored, incidents over two agencies."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evaluation.baseline import MAX_HOLDERS, baseline_incidents, raw_strings


def alert(
    agency: str,
    alert_id: str,
    *,
    phones: tuple[str, ...] = (),
    aliases: tuple[str, ...] = (),
    handles: tuple[str, ...] = (),
    payments: tuple[str, ...] = (),
    conveyances: tuple[dict[str, Any], ...] = (),
    revision: int = 1,
) -> dict[str, Any]:
    return {
        "agency": agency,
        "alert_id": alert_id,
        "revision": revision,
        "indicators": {
            "phone_numbers": list(phones),
            "messaging_handles": [{"platform": "telegram", "handle": h} for h in handles],
            "social_media_handles": [],
            "payment_channels": [{"method": "HAWALA", "identifier": p} for p in payments],
            "smuggler_aliases": list(aliases),
        },
        "conveyances": list(conveyances),
    }


@pytest.mark.parametrize(
    ("left", "right"),
    [
        pytest.param({"phones": ("+905321234567",)}, {"phones": ("+905321234567",)}, id="phone"),
        pytest.param({"handles": ("@safar_24",)}, {"handles": ("@safar_24",)}, id="handle"),
        pytest.param({"payments": ("Al-Noor, Quetta",)}, {"payments": ("Al-Noor, Quetta",)}),
        pytest.param({"aliases": ("Haji Baloch",)}, {"aliases": ("Haji Baloch",)}, id="alias"),
        pytest.param(
            {"conveyances": ({"kind": "VESSEL", "name": "Al Noor", "imo": None},)},
            {"conveyances": ({"kind": "VESSEL", "name": "Al Noor"},)},
            id="vessel-name",
        ),
        pytest.param(
            {"conveyances": ({"kind": "VESSEL", "imo": "9123459"},)},
            {"conveyances": ({"kind": "VESSEL", "imo": "9123459"},)},
            id="imo",
        ),
        pytest.param(
            {"conveyances": ({"kind": "VEHICLE", "registration": "34 ABK 1234"},)},
            {"phones": ("34 ABK 1234",)},
            id="same-string-in-two-fields",
        ),
    ],
)
def test_an_identical_string_links(left: dict[str, Any], right: dict[str, Any]) -> None:
    found = baseline_incidents([alert("PK-FIA", "1", **left), alert("TR-SG", "2", **right)])
    assert found["PK-FIA:1"] == found["TR-SG:2"]


@pytest.mark.parametrize(
    ("left", "right"),
    [
        pytest.param("+905321234567", "+90 532 123 45 67", id="spacing"),
        pytest.param("@safar_24", "safar_24", id="at-sign"),
        pytest.param("Haji Baloch", "haji baloch", id="case"),
        pytest.param("Omar Haddad", "Umar Haddad", id="transliteration"),
    ],
)
def test_any_difference_in_writing_does_not_link(left: str, right: str) -> None:
    found = baseline_incidents(
        [alert("PK-FIA", "1", phones=(left,)), alert("TR-SG", "2", phones=(right,))]
    )
    assert found == {}


def test_vehicle_descriptions_do_not_link() -> None:
    van = {"kind": "VEHICLE", "name": "Toyota Hiace van", "registration": None}
    assert raw_strings(alert("PK-FIA", "1", conveyances=(van,))) == frozenset()
    assert (
        baseline_incidents(
            [alert("PK-FIA", "1", conveyances=(van,)), alert("TR-SG", "2", conveyances=(van,))]
        )
        == {}
    )


def test_strings_held_by_more_than_the_cap_are_ignored() -> None:
    agencies = ["PK-FIA", "TR-SG"]
    crowd = [
        alert(agencies[i % 2], str(i), phones=("+302105234411",)) for i in range(MAX_HOLDERS + 1)
    ]
    assert baseline_incidents(crowd) == {}
    assert len(set(baseline_incidents(crowd[:MAX_HOLDERS]).values())) == 1


def test_one_agency_alone_makes_no_incident() -> None:
    alerts = [alert("PK-FIA", "1", phones=("x1",)), alert("PK-FIA", "2", phones=("x1",))]
    assert baseline_incidents(alerts) == {}


def test_links_chain_into_one_component() -> None:
    alerts = [
        alert("PK-FIA", "1", phones=("a",)),
        alert("TR-SG", "2", phones=("a",), aliases=("b",)),
        alert("GR-HCG", "3", aliases=("b",)),
        alert("IOM", "4", aliases=("c",)),
    ]
    found = baseline_incidents(alerts)
    assert set(found) == {"PK-FIA:1", "TR-SG:2", "GR-HCG:3"}
    assert len(set(found.values())) == 1


def test_the_highest_revision_of_an_alert_counts() -> None:
    alerts = [
        alert("PK-FIA", "1", phones=("old",)),
        alert("PK-FIA", "1", phones=("new",), revision=2),
        alert("PK-FIA", "1", phones=("old",)),  # a late older revision
        alert("TR-SG", "2", phones=("old",)),
    ]
    assert baseline_incidents(alerts) == {}
    alerts.append(alert("TR-SG", "3", phones=("new",)))
    assert set(baseline_incidents(alerts)) == {"PK-FIA:1", "TR-SG:3"}


@given(st.permutations(list(range(6))))
def test_order_does_not_matter(order: list[int]) -> None:
    alerts = [
        alert("PK-FIA", "1", phones=("a",)),
        alert("TR-SG", "2", phones=("a",), aliases=("b",)),
        alert("GR-HCG", "3", aliases=("b",)),
        alert("IOM", "4", aliases=("c",)),
        alert("UNODC", "5", aliases=("c",)),
        alert("IR-BG", "6", handles=("d",)),
    ]
    expected = baseline_incidents(alerts)
    assert baseline_incidents([alerts[i] for i in order]) == expected
