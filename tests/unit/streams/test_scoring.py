"""Pair scores: which evidence links two alerts and which does not."""

from __future__ import annotations

import pytest

from streams.scoring import LINK_THRESHOLD, combine, modes_compatible, score_pair
from tests.unit.streams.correlation_fixtures import features

PHONE = ("phone", "+923001234567")
ALIAS = ("alias", "bls hj")
ALIAS2 = ("alias", "dctr al")


def never_common(_key: str) -> float:
    return 1.0


@pytest.mark.parametrize(
    ("a_kwargs", "b_kwargs", "linked"),
    [
        pytest.param({"ids": (PHONE,)}, {"ids": (PHONE,)}, True, id="shared-phone"),
        pytest.param(
            {"ids": (("mmsi", "271000123"),)},
            {"ids": (("mmsi", "271000123"),)},
            True,
            id="shared-vessel",
        ),
        pytest.param({"ids": (ALIAS,)}, {"ids": (ALIAS,)}, False, id="one-alias-alone"),
        pytest.param({"ids": (ALIAS, ALIAS2)}, {"ids": (ALIAS, ALIAS2)}, True, id="two-aliases"),
        pytest.param(
            {"ids": (ALIAS,), "places": ("Ayvalik", "Lesvos")},
            {"ids": (ALIAS,), "places": ("Ayvalik", "Lesvos"), "jitter": 0.03},
            True,
            id="alias-and-route",
        ),
        pytest.param(
            {"places": ("Ayvalik", "Lesvos")},
            {"places": ("Ayvalik", "Lesvos")},
            False,
            id="route-alone",
        ),
        pytest.param(
            {"ids": (PHONE,), "day": 0}, {"ids": (PHONE,), "day": 20}, False, id="weeks-apart"
        ),
        pytest.param(
            {"ids": (ALIAS,), "places": ("Ayvalik", "Lesvos"), "mode": "BOAT"},
            {"ids": (ALIAS,), "places": ("Ayvalik", "Lesvos"), "mode": "LAND_VEHICLE"},
            False,
            id="incompatible-transport",
        ),
        pytest.param(
            {"ids": (PHONE,)},
            {
                "ids": (("phone", "+905321234567"),),
            },
            False,
            id="nothing-shared",
        ),
    ],
)
def test_linking(a_kwargs: dict[str, object], b_kwargs: dict[str, object], linked: bool) -> None:
    a = features("PK-FIA", "A", **a_kwargs)  # type: ignore[arg-type]
    b = features("TR-SG", "B", **b_kwargs)  # type: ignore[arg-type]
    link = score_pair(a, b, never_common)
    assert (link.score >= LINK_THRESHOLD) is linked, link
    assert score_pair(b, a, never_common) == link


def test_a_common_value_is_no_evidence() -> None:
    a = features("PK-FIA", "A", ids=(PHONE,))
    b = features("TR-SG", "B", ids=(PHONE,))
    link = score_pair(a, b, lambda key: 0.0 if key == "phone:+923001234567" else 1.0)
    assert link.score == 0.0
    assert link.evidence == ()


def test_a_value_many_alerts_share_weighs_less() -> None:
    a = features("PK-FIA", "A", ids=(PHONE,), places=("Taftan",), mode="LAND_VEHICLE")
    b = features("IR-BG", "B", ids=(PHONE,), places=("Taftan",), mode="LAND_VEHICLE")
    rare = score_pair(a, b, never_common)
    shared_by_twelve = score_pair(a, b, lambda key: 4 / 12 if key.startswith("phone") else 1.0)
    assert rare.score >= LINK_THRESHOLD > shared_by_twelve.score


def test_evidence_names_what_was_shared() -> None:
    a = features("PK-FIA", "A", ids=(PHONE, ALIAS), places=("Ayvalik",))
    b = features("TR-SG", "B", ids=(PHONE, ALIAS), places=("Ayvalik",))
    link = score_pair(a, b, never_common)
    assert {(e.kind, e.value) for e in link.evidence} == {
        ("phone", "+923001234567"),
        ("alias", "bls hj"),
        ("place", "Ayvalik"),
    }
    assert "phone:+923001234567" in link.keys


@pytest.mark.parametrize(
    ("a", "b", "ok"),
    [
        ("BOAT", "BOAT", True),
        ("BOAT", "MIXED", True),
        ("UNKNOWN", "AIR", True),
        ("BOAT", "AIR", False),
    ],
)
def test_transport_compatibility(a: str, b: str, ok: bool) -> None:
    assert modes_compatible(a, b) is ok


def test_combine_is_a_noisy_or() -> None:
    assert combine([]) == 0.0
    assert combine([0.5, 0.5]) == pytest.approx(0.75)
