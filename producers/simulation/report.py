"""One agency's report of a subject: its window, its waypoints and the identifiers as written."""

from __future__ import annotations

import datetime as dt
import math
import zlib
from dataclasses import dataclass
from typing import Any

from producers.simulation.accounts import write_account, write_payment
from producers.simulation.agencies import HCG_STATIONS, Profile
from producers.simulation.conveyances import write_plate, write_vessel
from producers.simulation.gazetteer import (
    ROUTES,
    centroid,
    leg_modes,
    place_names,
    point_at,
    reference_points,
)
from producers.simulation.knobs import Dice
from producers.simulation.name_table import COMMON_NAMES
from producers.simulation.names import Alias, write_alias
from producers.simulation.phones import write_phone, write_whatsapp
from producers.simulation.routes import main_mode
from producers.simulation.truth import HOTLINES, Subject, World
from schemas.json_mapping import format_timestamp

HOUR = dt.timedelta(hours=1)
SEVERITIES = ("LOW", "MEDIUM", "HIGH", "CRITICAL")
_MODE_TEXT = {
    "LAND_VEHICLE": "by road",
    "ON_FOOT": "on foot",
    "BOAT": "by boat",
    "AIR": "by air",
    "RAIL": "by rail",
    "MIXED": "by air, road and sea",
    "UNKNOWN": "by unknown means",
}


@dataclass(frozen=True)
class Draft:
    """A report before it has an alert id."""

    agency: str
    """Reporting agency."""
    operation: str | None
    """Operation, None for decoys."""
    document: dict[str, Any]
    """The alert, ``alert_id`` empty."""
    issued_at: dt.datetime
    """Issue time of revision 1."""
    station: str
    """Sub-unit that numbers the alert (GR-HCG stations)."""


@dataclass(frozen=True)
class Extras:
    """Values a report carries besides its network's: shared with unrelated reports."""

    hotline: bool
    """It mentions the public hotline of its area."""
    names: tuple[Alias, ...]
    """Common or near-miss names of other people."""


def draft_report(
    dice: Dice,
    world: World,
    agency: str,
    subject: Subject,
    view: list[int],
    carried: list[tuple[str, int]],
    extras: Extras,
    operation: str | None,
) -> Draft:
    """The report ``agency`` writes about the waypoints ``view`` of ``subject``."""
    rng = dice.rng
    profile = world.profiles[agency]
    observed_from, observed_to = report_window(dice, subject, view)
    route = waypoints(dice, agency, profile, subject, view, observed_from, observed_to)
    mode = subject.mode
    if dice.happens("mode_disagreement"):
        legs = leg_modes(subject.route)[view[0] : view[-1]]
        mode = main_mode(legs) if len(view) > 1 else "UNKNOWN"
    conveyances, indicators = identifiers(dice, profile, subject, carried)
    if extras.hotline:
        countries = {ROUTES[subject.route][i][1] for i in view}
        hotline = HOTLINES["sea" if countries & {"GR", "TR", "LY"} else "land"]
        indicators["phone_numbers"].append(write_phone(dice, hotline, profile))
    for alias in extras.names:
        indicators["smuggler_aliases"].append(write_alias(dice, alias, profile.language))
    persons = (
        None if rng.random() < 0.15 else max(1, round(subject.persons * rng.uniform(0.7, 1.3)))
    )
    lag_hours = 2 * 120 ** rng.random()  # 2 hours to 10 days, most within a day or two
    issued_at = _minute(observed_to + dt.timedelta(hours=lag_hours))
    severity = subject.severity
    if rng.random() < 0.25:
        level = SEVERITIES.index(severity) + rng.choice((-1, 1))
        severity = SEVERITIES[min(max(level, 0), 3)]
    document: dict[str, Any] = {
        "alert_id": "",
        "revision": 1,
        "agency": agency,
        "issued_at": format_timestamp(issued_at),
        "observed_from": format_timestamp(observed_from),
        "observed_to": format_timestamp(observed_to),
        "route": route,
        "transport_mode": mode,
        "conveyances": conveyances,
        "indicators": indicators,
        "estimated_persons": persons,
        "vulnerability_flags": [f for f in subject.flags if rng.random() < 0.7],
        "severity": severity,
        "source_reliability": rng.choice("AABBBCCD"),
        "information_credibility": rng.choice((1, 2, 2, 3, 3, 4)),
    }
    document.update(_handling(dice, world, agency))
    document["narrative"] = _narrative(dice, profile, route, persons, mode, extras.hotline)
    places = [ROUTES[subject.route][i][0] for i in view]
    station = next((HCG_STATIONS[p] for p in places if p in HCG_STATIONS), "PIR")
    return Draft(agency, operation, document, issued_at, station)


def report_window(dice: Dice, subject: Subject, view: list[int]) -> tuple[dt.datetime, dt.datetime]:
    """The agency's window: its own leg or the whole operation, clock-skewed, maybe whole days."""
    rng, k = dice.rng, dice.k
    begin, end = subject.observed_from, subject.observed_to
    if len(subject.segment) > 1 and dice.happens("leg_window"):
        first = view[0] - subject.segment.start
        begin, end = subject.arrivals[first], subject.arrivals[view[-1] - subject.segment.start + 1]
    skew = dt.timedelta(hours=k.clock_skew_hours)
    begin += skew * rng.uniform(-1.0, 1.0)
    end = max(end + skew * rng.uniform(-1.0, 1.0), begin + HOUR)
    if dice.happens("whole_day"):
        begin = begin.replace(hour=0, minute=0)
        end = end.replace(hour=23, minute=59)
    return _minute(begin), _minute(end)


def waypoints(
    dice: Dice,
    agency: str,
    profile: Profile,
    subject: Subject,
    view: list[int],
    observed_from: dt.datetime,
    observed_to: dt.datetime,
) -> list[dict[str, Any]]:
    """Waypoints pointed at the agency's landmark for each place, with error and rounding."""
    rng, k = dice.rng, dice.k
    points = []
    for index in view:
        place, country, lat, lon, role = ROUTES[subject.route][index]
        landmarks = reference_points(place, lat, lon)
        base = landmarks[zlib.crc32(f"{agency}/{place}".encode()) % len(landmarks)]
        if dice.happens("place_centroid"):
            base = centroid(place, lat, lon)
        error = k.gps_error_km * math.sqrt(rng.random())
        point_lat, point_lon = point_at(*base, error, rng.uniform(0.0, 2 * math.pi))
        point: dict[str, Any] = {
            "lat": round(point_lat, profile.precision),
            "lon": round(point_lon, profile.precision),
            "place_name": place_name(dice, place, profile.language),
            "country": country,
            "role": role,
        }
        if rng.random() < 0.3:
            at = subject.arrivals[index - subject.segment.start]
            point["observed_at"] = format_timestamp(
                _minute(min(max(at, observed_from), observed_to))
            )
        points.append(point)
    return points


def place_name(dice: Dice, place: str, language: str) -> str:
    """How a writer of ``language`` names ``place``."""
    rng = dice.rng
    names = place_names(place)
    old = (*names.old.get(language, ()), *names.old.get("*", ()))
    if old and dice.happens("place_exonym"):
        return rng.choice(old)
    if language in names.native and dice.happens("place_native_script"):
        return names.native[language]
    return rng.choice(names.latin) if rng.random() < 0.3 else names.latin[0]


def identifiers(
    dice: Dice, profile: Profile, subject: Subject, carried: list[tuple[str, int]]
) -> tuple[list[dict[str, Any]], dict[str, list[Any]]]:
    """The conveyances and indicators of the carried identifiers, as this agency writes them."""
    network = subject.network
    language = profile.language
    conveyances: list[dict[str, Any]] = []
    found: dict[str, list[Any]] = {
        "phone_numbers": [],
        "messaging_handles": [],
        "social_media_handles": [],
        "payment_channels": [],
        "smuggler_aliases": [],
    }
    for kind, index in carried:
        if kind == "phone":
            phone = network.phones[index]
            if dice.happens("phone_whatsapp"):
                handle = write_whatsapp(dice, phone, profile)
                platform = dice.rng.choice(("whatsapp", "WhatsApp", "whatsapp"))
                found["messaging_handles"].append({"platform": platform, "handle": handle})
            else:
                found["phone_numbers"].append(write_phone(dice, phone, profile))
        elif kind == "account":
            account = network.accounts[index]
            social = account.platform in ("facebook", "instagram", "tiktok")
            field = "social_media_handles" if social else "messaging_handles"
            found[field].append(write_account(dice, account))
        elif kind == "payment":
            payment = network.payments[index]
            identifier = write_payment(dice, payment, profile)
            found["payment_channels"].append({"method": payment.method, "identifier": identifier})
        elif kind == "alias":
            found["smuggler_aliases"].append(write_alias(dice, network.aliases[index], language))
        elif kind == "vessel" and network.vessel is not None:
            conveyances.append(write_vessel(dice, network.vessel))
        elif kind == "vehicle" and network.vehicle is not None:
            vehicle = network.vehicle
            conveyances.append(
                {
                    "kind": "VEHICLE",
                    "name": vehicle.description,
                    "registration": write_plate(dice, vehicle, language),
                    "flag": vehicle.country,
                }
            )
    return conveyances, found


def common_name(dice: Dice) -> Alias:
    """One of the names shared by many unrelated people."""
    return Alias(dice.rng.choice(COMMON_NAMES), None)


def _handling(dice: Dice, world: World, agency: str) -> dict[str, Any]:
    rng = dice.rng
    tlp = rng.choices(("GREEN", "AMBER", "AMBER_STRICT", "RED"), (25, 50, 15, 10))[0]
    fields: dict[str, Any] = {"tlp": tlp}
    if tlp == "RED":
        others = [a for a in world.agencies if a != agency]
        fields["tlp_recipients"] = sorted(rng.sample(others, rng.randint(1, min(3, len(others)))))
    code = rng.choices(("H0", "H1", "H2", "H3"), (30, 30, 30, 10))[0]
    fields["handling_code"] = code
    if code == "H3":
        fields["handling_note"] = (
            "Not for use in court or onward sharing without originator consent."
        )
        if "tlp_recipients" not in fields:
            fields["tlp_recipients"] = sorted(a for a in world.agencies if a != agency)[:2]
    return fields


def _narrative(
    dice: Dice,
    profile: Profile,
    route: list[dict[str, Any]],
    persons: int | None,
    mode: str,
    hotline: bool,
) -> str:
    """A short analyst's text, naming places as the report's route does."""
    group = f"a group of about {persons} people" if persons else "a group of unknown size"
    first, last = route[0]["place_name"], route[-1]["place_name"]
    where = f"at {first}" if len(route) == 1 else f"from {first} to {last}"
    moved = "observed" if len(route) == 1 else f"moved {_MODE_TEXT[mode]}"
    extras = [
        "Recruitment through social-media adverts promising work in Europe.",
        "Payment in instalments through hawala.",
        "Migrants were told to delete their messages after departure.",
        "Facilitators collected passports before departure.",
    ]
    if hotline:
        extras = ["A distress call was relayed through the hotline."]
    return f"{profile.opener} {group} {moved} {where}. {dice.rng.choice(extras)}"


def _minute(value: dt.datetime) -> dt.datetime:
    return value.replace(second=0, microsecond=0)
