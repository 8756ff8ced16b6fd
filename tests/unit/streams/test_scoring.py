"""The linkage model: which evidence links two alerts, with what weight, and what does not."""

from __future__ import annotations

import itertools
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streams.evidence import place_closeness
from streams.features import Place
from streams.gazetteer import resolve
from streams.scoring import LINK_THRESHOLD, probability, score_pair, tf_penalty, time_bits
from tests.unit.streams.correlation_fixtures import features

PHONE = ("phone", "3001234567", "92")


def never_common(_key: str) -> float:
    return 0.0


def _weight(a: dict[str, Any], b: dict[str, Any]) -> float:
    return score_pair(
        features("PK-FIA", "A", **a), features("TR-SG", "B", **b), never_common
    ).weight


@pytest.mark.parametrize(
    ("a", "b", "linked"),
    [
        pytest.param({"ids": (PHONE,)}, {"ids": (PHONE,)}, True, id="shared-phone"),
        pytest.param(
            {"ids": (PHONE,)},
            {"ids": (("phone", "3001234567", ""),)},
            True,
            id="phone-unknown-country",
        ),
        pytest.param(
            {"ids": (PHONE,)},
            {"ids": (("phone", "3001234567", "30"),)},
            False,
            id="same-digits-other-country",
        ),
        pytest.param(
            {"ids": (PHONE,)},
            {"ids": (("phone", "3001234576", "92"),)},
            True,
            id="phone-transposed-digits-same-week",
        ),
        pytest.param(
            {"ids": (PHONE,)},
            {"ids": (("phone", "1234567", ""),)},
            True,
            id="phone-without-area-code",
        ),
        pytest.param(
            {"ids": (("mmsi", "271000123"),)}, {"ids": (("mmsi", "271000123"),)}, True, id="vessel"
        ),
        pytest.param(
            {"ids": (("plate", "QA1234"),)}, {"ids": (("plate", "QA1234"),)}, True, id="plate"
        ),
        pytest.param(
            {"ids": (("payment", "almadinaexchange"),)},
            {"ids": (("payment", "almadinaexchang"),)},
            True,
            id="payment-one-letter-dropped",
        ),
        pytest.param(
            {"aliases": ("Kasim Zarif",)},
            {"aliases": ("Qasim Zareef",)},
            True,
            id="full-alias-same-day",
        ),
        pytest.param(
            {"ids": (("handle", "khyberkaam24"),)},
            {"ids": (("handle", "khyberkaam28"),)},
            False,
            id="numbered-handles-of-a-series",
        ),
        pytest.param(
            {"ids": (("handle", "khyberkaam24"),)},
            {"ids": (("handle", "khyberkam24"),)},
            True,
            id="handle-letter-dropped",
        ),
        pytest.param(
            {"ids": (("handle", "europerahi", "page"),)},
            {"ids": (("handle", "europerahi", ""),)},
            True,
            id="social-media-page-and-account-same-day",
        ),
        pytest.param(
            {"ids": (("handle", "europerahi", "page"),), "day": 0},
            {"ids": (("handle", "europerahi", "page"),), "day": 10},
            False,
            id="social-media-page-alone-days-apart",
        ),
        pytest.param(
            {"aliases": ("Kasim Zarif",), "day": 0},
            {"aliases": ("Qasim Zareef",), "day": 20},
            False,
            id="alias-alone-weeks-apart",
        ),
        pytest.param(
            {"aliases": ("Muhammad Khan",), "places": ("Ayvalik", "Lesvos")},
            {"aliases": ("Mohammed Khan",), "places": ("Ayvalik", "Lesvos")},
            False,
            id="common-name-and-busy-route",
        ),
        pytest.param(
            {"aliases": ("Volkan Sahin",), "places": ("Ayvalik", "Lesvos")},
            {"aliases": ("Mehmet Sahin",), "places": ("Ayvalik", "Lesvos")},
            False,
            id="surname-only-with-other-given-name",
        ),
        pytest.param(
            {"places": ("Ayvalik", "Lesvos")},
            {"places": ("Ayvalik", "Lesvos")},
            False,
            id="route-alone",
        ),
        pytest.param(
            {"ids": (PHONE,)}, {"ids": (("phone", "5321234567", "90"),)}, False, id="nothing-shared"
        ),
    ],
)
def test_what_links(a: dict[str, Any], b: dict[str, Any], linked: bool) -> None:
    assert (_weight(a, b) >= LINK_THRESHOLD) is linked


@pytest.mark.parametrize("days", [0, 7, 14, 21, 28])
def test_a_strong_identifier_links_across_weeks(days: int) -> None:
    assert _weight({"ids": (PHONE,), "days": 1}, {"ids": (PHONE,), "day": days, "days": 1}) >= (
        LINK_THRESHOLD
    )


def test_a_strong_identifier_alone_does_not_link_across_seasons() -> None:
    assert _weight({"ids": (PHONE,), "days": 1}, {"ids": (PHONE,), "day": 150, "days": 1}) < (
        LINK_THRESHOLD
    )


def test_time_weight_decays_smoothly_without_a_cliff() -> None:
    hours = [time_bits(h * 3_600_000) for h in range(0, 24 * 60)]
    assert all(later < earlier for earlier, later in itertools.pairwise(hours))
    # No step anywhere: an hour more never costs more than a tenth of a bit.
    assert max(a - b for a, b in itertools.pairwise(hours)) < 0.1


def test_sightings_a_day_apart_across_a_week_boundary_still_meet() -> None:
    # Sunday 2026-11-08 and Monday 2026-11-09: different ISO weeks.
    sunday = {"aliases": ("Kasim Zarif",), "places": ("Ayvalik",), "day": 6, "days": 0}
    monday = {"aliases": ("Qasim Zareef",), "places": ("Ayvalik",), "day": 7, "days": 0}
    assert _weight(sunday, monday) >= LINK_THRESHOLD


@pytest.mark.parametrize(
    ("a", "b"),
    [
        pytest.param("Izmir", "Smyrna", id="old-name"),
        pytest.param("Mytilini", "Lesvos", id="town-and-island"),
        pytest.param("Bengasi", "Benghazi", id="italian-exonym"),
        pytest.param("Λέσβος", "Lesbos", id="greek-script"),
        pytest.param("İzmir Limanı", "Izmir", id="turkish-port-of"),  # noqa: RUF001
        pytest.param("کوئٹہ", "Quetta", id="urdu-script"),
    ],
)
def test_gazetteer_resolves_names_of_one_place(a: str, b: str) -> None:
    place_a, place_b = resolve(a), resolve(b)
    assert place_a is not None and place_a == place_b


def _place(lat: float, lon: float, name: str = "") -> Place:
    return Place(lat, lon, name, "", "TR", "TRANSIT")


@pytest.mark.parametrize(
    ("km_east", "closeness"),
    [
        pytest.param(0.0, 1.0, id="same-point"),
        pytest.param(8.0, 1.0, id="port-and-town-centre"),
        pytest.param(30.0, 0.5, id="thirty-km"),
        pytest.param(60.0, 0.0, id="sixty-km"),
    ],
)
def test_places_are_close_by_great_circle_distance(km_east: float, closeness: float) -> None:
    lat = 38.0
    lon_per_km = 1 / (111.32 * math.cos(math.radians(lat)))
    a, b = _place(lat, 27.0), _place(lat, 27.0 + km_east * lon_per_km)
    assert place_closeness(a, b) == pytest.approx(closeness, abs=0.02)


def test_points_either_side_of_a_grid_line_are_one_place() -> None:
    # 0.2-degree grid lines (the old cells) at 39.2: these are 2 km apart.
    assert place_closeness(_place(39.199, 26.55), _place(39.201, 26.55)) == 1.0


def test_common_values_lose_weight_in_steps_and_common_ones_nothing() -> None:
    assert tf_penalty(4) == 0.0
    assert tf_penalty(5) == tf_penalty(8) > 0.0
    assert tf_penalty(9) > tf_penalty(8)
    a = features("PK-FIA", "A", ids=(PHONE,))
    b = features("TR-SG", "B", ids=(PHONE,))
    assert score_pair(a, b, lambda key: math.inf).weight == 0.0


def test_every_piece_of_evidence_is_explained_with_its_weight() -> None:
    link = score_pair(
        features("PK-FIA", "A", ids=(PHONE,), aliases=("Kasim Zarif",), places=("Taftan",)),
        features("TR-SG", "B", ids=(PHONE,), aliases=("Qasim Zareef",), places=("Taftan",)),
        never_common,
    )
    kinds = {e.kind for e in link.evidence}
    assert kinds == {"phone", "name", "place", "time"}
    assert link.weight == pytest.approx(sum(e.weight for e in link.evidence), abs=0.01)
    assert link.strong
    assert link.score == pytest.approx(probability(link.weight))


ALIASES = st.sampled_from(["Kasim Zarif", "Qasim Zareef", "Haji Baloch", "Muhammad Khan", "عمر"])
IDS = st.sampled_from(
    [PHONE, ("phone", "3001234576", "92"), ("handle", "routeking"), ("plate", "QA1234")]
)
PLACES = st.sampled_from(["Ayvalik", "Lesvos", "Taftan", "Izmir", "Smyrna"])


@given(
    st.lists(IDS, max_size=3),
    st.lists(IDS, max_size=3),
    st.lists(ALIASES, max_size=2),
    st.lists(ALIASES, max_size=2),
    st.lists(PLACES, max_size=3),
    st.lists(PLACES, max_size=3),
    st.integers(0, 40),
)
def test_pair_scores_are_symmetric(
    ids_a: list[tuple[str, ...]],
    ids_b: list[tuple[str, ...]],
    aliases_a: list[str],
    aliases_b: list[str],
    places_a: list[str],
    places_b: list[str],
    day: int,
) -> None:
    a = features(
        "PK-FIA", "A", ids=tuple(set(ids_a)), aliases=tuple(aliases_a), places=tuple(places_a)
    )
    b = features(
        "TR-SG",
        "B",
        ids=tuple(set(ids_b)),
        aliases=tuple(aliases_b),
        places=tuple(places_b),
        day=day,
    )
    assert score_pair(a, b, never_common) == score_pair(b, a, never_common)


@given(st.text(max_size=60))
def test_any_place_name_resolves_or_not_without_error(text: str) -> None:
    place = resolve(text)
    assert place is None or resolve(place.place_id) == place
