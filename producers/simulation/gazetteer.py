"""The simulator's own gazetteer: routes, how each place is named by whom, and where it is pointed.

Names are the simulator's table, written from how the region's officers name
places (exonyms, old names, native scripts), not from the correlator's.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from functools import cache

from producers.scenarios import ROUTES as SAMPLE_ROUTES
from producers.scenarios import TRANSPORT as SAMPLE_TRANSPORT

#: route -> [(place, country, lat, lon, role)], in travel order.
ROUTES: dict[str, list[tuple[str, str, float, float, str]]] = {
    **SAMPLE_ROUTES,
    "izmir-chios": [
        ("Izmir", "TR", 38.4237, 27.1428, "ORIGIN"),
        ("Cesme", "TR", 38.3228, 26.3064, "DEPARTURE_POINT"),
        ("Chios", "GR", 38.3680, 26.1358, "DESTINATION"),
    ],
}
TRANSPORT = {**SAMPLE_TRANSPORT, "izmir-chios": "BOAT"}
LEG_MODES: dict[str, tuple[str, ...]] = {
    "balochistan-iran-turkey": (
        "LAND_VEHICLE",
        "LAND_VEHICLE",
        "ON_FOOT",
        "LAND_VEHICLE",
        "ON_FOOT",
    ),
    "aegean-crossing": ("LAND_VEHICLE", "BOAT"),
    "izmir-chios": ("LAND_VEHICLE", "BOAT"),
    "central-mediterranean": ("AIR", "AIR", "LAND_VEHICLE", "BOAT", "BOAT"),
    "makran-coast": ("LAND_VEHICLE", "BOAT"),
}
#: Ports and crossings that unrelated alerts keep mentioning.
BUSY_PLACES: tuple[str, ...] = ("Ayvalik", "Lesvos", "Taftan", "Zahedan", "Tobruk", "Cesme")


@dataclass(frozen=True)
class PlaceNames:
    """How a place is written."""

    latin: tuple[str, ...]
    """Romanisations in current use, the usual one first."""
    native: dict[str, str]
    """Spelling in the script of a writer's language (ur, fa, ar, el, tr)."""
    old: dict[str, tuple[str, ...]]
    """Exonyms and old names by writer language; ``*``: anyone may use them."""


PLACES: dict[str, PlaceNames] = {
    "Quetta": PlaceNames(("Quetta", "Kwetta"), {"ur": "کوئٹہ", "fa": "کویته"}, {"*": ("Shal",)}),
    "Mashkel": PlaceNames(("Mashkel", "Mashkhel", "Mashkil"), {"ur": "ماشکیل"}, {}),
    "Taftan": PlaceNames(
        ("Taftan", "Taftān"), {"ur": "تفتان", "fa": "تفتان"}, {"fa": ("Mirjaveh",)}
    ),
    "Zahedan": PlaceNames(
        ("Zahedan", "Zāhedān", "Zahidan"), {"fa": "زاهدان", "ur": "زاہدان"}, {"*": ("Duzdab",)}
    ),
    "Maku": PlaceNames(("Maku", "Makou", "Mākū"), {"fa": "ماکو"}, {"*": ("Bazargan",)}),
    "Van": PlaceNames(("Van",), {"fa": "وان", "el": "Βαν"}, {"*": ("Wan",)}),
    "Istanbul": PlaceNames(
        ("Istanbul", "İstanbul"),
        {"fa": "استانبول", "ur": "استنبول", "el": "Κωνσταντινούπολη"},
        {"el": ("Konstantinoupoli", "Constantinople"), "*": ("Constantinople",)},
    ),
    "Ayvalik": PlaceNames(
        ("Ayvalik", "Ayvalık", "Aivalik"),
        {"el": "Αϊβαλί"},
        {"el": ("Kydonies", "Aivali"), "*": ("Aivali",)},
    ),
    "Lesvos": PlaceNames(
        ("Lesvos", "Lesbos", "Lésvos"),
        {"el": "Λέσβος", "fa": "لسبوس"},
        {"tr": ("Midilli",), "el": ("Mytilini", "Μυτιλήνη"), "*": ("Mytilene", "Mytilini")},
    ),
    "Izmir": PlaceNames(
        ("Izmir", "İzmir"),
        {"el": "Σμύρνη", "fa": "ازمیر", "ar": "إزمير"},
        {"el": ("Smyrni",), "*": ("Smyrna",)},
    ),
    "Cesme": PlaceNames(("Cesme", "Çeşme", "Chesme"), {"el": "Τσεσμές"}, {"el": ("Krini",)}),
    "Chios": PlaceNames(
        ("Chios", "Hios", "Khios"), {"el": "Χίος"}, {"tr": ("Sakız", "Sakiz Adasi")}
    ),
    "Lahore": PlaceNames(("Lahore", "Lahor"), {"ur": "لاہور", "fa": "لاهور"}, {}),
    "Dubai": PlaceNames(("Dubai", "Dubayy"), {"ur": "دبئی", "ar": "دبي", "fa": "دبی"}, {}),
    "Benghazi": PlaceNames(
        ("Benghazi", "Banghazi", "Bengazi"),
        {"ar": "بنغازي"},
        {"el": ("Vengazi",), "*": ("Bengasi", "Berenice")},
    ),
    "Tobruk": PlaceNames(("Tobruk", "Tubruq", "Tobruq"), {"ar": "طبرق"}, {"*": ("Tobruch",)}),
    "Pylos": PlaceNames(("Pylos", "Pilos"), {"el": "Πύλος"}, {"*": ("Navarino",)}),
    "Kalamata": PlaceNames(("Kalamata", "Kalamáta"), {"el": "Καλαμάτα"}, {}),
    "Turbat": PlaceNames(("Turbat", "Turbath"), {"ur": "تربت", "fa": "تربت"}, {"*": ("Kech",)}),
    "Jiwani": PlaceNames(("Jiwani", "Jivani", "Jewani"), {"ur": "جیونی"}, {}),
    "Chabahar": PlaceNames(
        ("Chabahar", "Chah Bahar", "Chābahār"), {"fa": "چابهار", "ur": "چابہار"}, {}
    ),
}


def place_names(place: str) -> PlaceNames:
    """The names of ``place`` (just itself for a place outside the table)."""
    return PLACES.get(place, PlaceNames((place,), {}, {}))


def point_at(lat: float, lon: float, km: float, bearing: float) -> tuple[float, float]:
    """The point ``km`` from (lat, lon) towards ``bearing`` (radians), flat-earth small step."""
    d_lat = km * math.cos(bearing) / 111.32
    d_lon = km * math.sin(bearing) / (111.32 * math.cos(math.radians(lat)))
    return lat + d_lat, lon + d_lon


@cache
def reference_points(place: str, lat: float, lon: float) -> tuple[tuple[float, float], ...]:
    """Where agencies point "the same place": the place itself and 3 landmarks 1-4 km off.

    Fixed per place (the port, the station, the beach do not move between
    scenarios), so two landmarks may be up to ~8 km apart.
    """
    rng = random.Random(f"reference-points/{place}")
    points = [(lat, lon)]
    for _ in range(3):
        points.append(point_at(lat, lon, rng.uniform(1.0, 4.0), rng.uniform(0, 2 * math.pi)))
    return tuple(points)


@cache
def centroid(place: str, lat: float, lon: float) -> tuple[float, float]:
    """The district or island centroid some desks give instead: 5-15 km from the place."""
    rng = random.Random(f"centroid/{place}")
    return point_at(lat, lon, rng.uniform(5.0, 15.0), rng.uniform(0, 2 * math.pi))


def leg_modes(route: str) -> tuple[str, ...]:
    """Mode of each leg (waypoint i to i + 1) of a route."""
    count = len(ROUTES[route]) - 1
    legs = LEG_MODES.get(route)
    if legs is not None and len(legs) == count:
        return legs
    mode = TRANSPORT.get(route, "LAND_VEHICLE")
    return (mode if mode != "MIXED" else "LAND_VEHICLE",) * count
