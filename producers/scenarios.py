"""Realistic sample alerts for demos, benchmarks and tests (seeded, reproducible).

Routes follow the corridors the task force watches: Pakistan's Balochistan coast
and border, across Iran, into Turkey, by sea to Greece, and the Libya-Italy sea
route. Names, numbers and handles are invented.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from schemas.catalog import alert_schema
from schemas.json_mapping import from_json

# (place, country, lat, lon, role)
ROUTES: dict[str, list[tuple[str, str, float, float, str]]] = {
    "balochistan-iran-turkey": [
        ("Quetta", "PK", 30.1798, 66.9750, "ORIGIN"),
        ("Mashkel", "PK", 28.0411, 63.2450, "TRANSIT"),
        ("Taftan", "PK", 28.9667, 61.5667, "BORDER_CROSSING"),
        ("Zahedan", "IR", 29.4963, 60.8629, "TRANSIT"),
        ("Maku", "IR", 39.2950, 44.5167, "TRANSIT"),
        ("Van", "TR", 38.5012, 43.3729, "DESTINATION"),
    ],
    "aegean-crossing": [
        ("Istanbul", "TR", 41.0082, 28.9784, "ORIGIN"),
        ("Ayvalik", "TR", 39.3190, 26.6946, "DEPARTURE_POINT"),
        ("Lesvos", "GR", 39.1100, 26.5550, "DESTINATION"),
    ],
    "central-mediterranean": [
        ("Lahore", "PK", 31.5204, 74.3587, "ORIGIN"),
        ("Dubai", "AE", 25.2532, 55.3657, "TRANSIT"),
        ("Benghazi", "LY", 32.1167, 20.0667, "TRANSIT"),
        ("Tobruk", "LY", 32.0836, 23.9764, "DEPARTURE_POINT"),
        ("Pylos", "GR", 36.9133, 21.6964, "TRANSIT"),
        ("Kalamata", "GR", 37.0389, 22.1142, "DESTINATION"),
    ],
    "makran-coast": [
        ("Turbat", "PK", 26.0031, 63.0544, "ORIGIN"),
        ("Jiwani", "PK", 25.0500, 61.7500, "DEPARTURE_POINT"),
        ("Chabahar", "IR", 25.2919, 60.6430, "DESTINATION"),
    ],
}
TRANSPORT = {
    "balochistan-iran-turkey": "LAND_VEHICLE",
    "aegean-crossing": "BOAT",
    "central-mediterranean": "MIXED",
    "makran-coast": "BOAT",
}
ALIASES = [
    "Chaudhry Sahib",
    "Haji Baloch",
    "Doctor Ali",
    "Abu Yusuf",
    "Kaka Mirwais",
    "Sheikh Nawaz",
]
PLATFORMS = ["whatsapp", "telegram", "signal", "imo"]
SOCIAL = ["facebook", "tiktok", "instagram"]


def sample_alert(
    agency: str,
    seq: int,
    *,
    rng: random.Random | None = None,
    route: str | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """One alert as JSON (the Corridor JSON mapping), plausible for ``agency``."""
    rng = rng or random.Random(f"{agency}/{seq}")
    now = now or dt.datetime.now(dt.UTC)
    name = route or rng.choice(sorted(ROUTES))
    observed_to = now - dt.timedelta(hours=rng.randint(1, 48))
    observed_from = observed_to - dt.timedelta(days=rng.randint(1, 10))
    waypoints = [
        {
            "lat": round(lat + rng.uniform(-0.01, 0.01), 5),
            "lon": round(lon + rng.uniform(-0.01, 0.01), 5),
            "place_name": place,
            "country": country,
            "role": role,
        }
        for place, country, lat, lon, role in ROUTES[name]
    ]
    boat = TRANSPORT[name] in ("BOAT", "MIXED")
    conveyances = (
        [
            {
                "kind": "VESSEL",
                "name": rng.choice(["Al Noor", "Deniz Yildizi", "Sea Star", "Adriana II"]),
                "mmsi": f"{rng.randint(200_000_000, 799_999_999)}",
                "flag": rng.choice(["LY", "TR", "TG", "SL"]),
            }
        ]
        if boat
        else [{"kind": "VEHICLE", "registration": f"QA-{rng.randint(1000, 9999)}", "flag": "PK"}]
    )
    persons = rng.randint(8, 600 if boat else 40)
    return {
        "alert_id": f"{agency}-{now.year}-{seq:06d}",
        "revision": 1,
        "agency": agency,
        "issued_at": now.isoformat(),
        "observed_from": observed_from.isoformat(),
        "observed_to": observed_to.isoformat(),
        "route": waypoints,
        "transport_mode": TRANSPORT[name],
        "conveyances": conveyances,
        "indicators": {
            "phone_numbers": [
                f"+92 3{rng.randint(0, 4)}{rng.randint(0, 9)} {rng.randint(1000000, 9999999)}"
            ],
            "messaging_handles": [
                {"platform": rng.choice(PLATFORMS), "handle": f"@route_{rng.randint(100, 999)}"}
            ],
            "social_media_handles": [
                {"platform": rng.choice(SOCIAL), "handle": f"europe.jobs.{rng.randint(10, 99)}"}
            ],
            "payment_channels": [
                {"method": "HAWALA", "identifier": f"hawaladar-{rng.randint(1, 40)}-{name[:4]}"}
            ],
            "smuggler_aliases": rng.sample(ALIASES, 2),
        },
        "estimated_persons": persons,
        "vulnerability_flags": rng.sample(
            ["MINORS", "UNACCOMPANIED_MINORS", "PREGNANT_WOMEN", "MEDICAL_NEEDS"], rng.randint(0, 2)
        ),
        "severity": "CRITICAL" if boat and persons > 200 else rng.choice(["MEDIUM", "HIGH"]),
        "source_reliability": rng.choice("ABC"),
        "information_credibility": rng.randint(1, 3),
        "tlp": rng.choice(["GREEN", "AMBER", "AMBER", "AMBER_STRICT"]),
        "handling_code": rng.choice(["H0", "H1", "H2"]),
        "narrative": (
            f"Group of about {persons} moved along the {name.replace('-', ' ')} route; "
            f"recruitment through {rng.choice(SOCIAL)} adverts promising jobs in Europe."
        ),
    }


def sample_datum(agency: str, seq: int, **kwargs: Any) -> dict[str, Any]:
    """:func:`sample_alert` converted to an Avro datum."""
    return from_json(alert_schema().schema, sample_alert(agency, seq, **kwargs))
