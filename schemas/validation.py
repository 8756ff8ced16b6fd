"""Semantic rules of an alert that the Avro schema cannot express.

Both the producer (before signing) and the verifier (after decoding) apply them,
so a partner's own implementation that skips them is still caught at the hub.
"""

from __future__ import annotations

import re
from typing import Any

from schemas.errors import ValidationError

AGENCY_ID = re.compile(r"[A-Z0-9]{2,12}(-[A-Z0-9]{2,12}){0,3}")
ALERT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}")
COUNTRY = re.compile(r"[A-Z]{2}")
IMO = re.compile(r"[0-9]{7}")
MMSI = re.compile(r"[0-9]{9}")
MAX_NARRATIVE = 20_000
MAX_WAYPOINTS = 200
PARTIAL_DATE = re.compile(r"[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?")
MAX_PERSONS = 1000


def is_agency_id(value: str) -> bool:
    """Agency ids are upper-case words joined by dashes, e.g. ``PK-FIA`` or ``UNODC``."""
    return bool(AGENCY_ID.fullmatch(value))


def alert_problems(alert: dict[str, Any]) -> list[str]:
    """Every semantic problem of a schema-valid alert datum, with field paths."""
    problems: list[str] = []
    if not is_agency_id(alert["agency"]):
        problems.append(f"agency: {alert['agency']!r} is not an agency id like PK-FIA")
    if not ALERT_ID.fullmatch(alert["alert_id"]):
        problems.append("alert_id: 1-128 characters of letters, digits and . _ : / -")
    if alert["revision"] < 1:
        problems.append("revision: must be 1 or more")
    if alert["observed_from"] > alert["observed_to"]:
        problems.append("observed_to: must not be before observed_from")
    problems.extend(_route_problems(alert["route"]))
    for i, conveyance in enumerate(alert["conveyances"]):
        path = f"conveyances[{i}]"
        if conveyance["imo"] is not None and not IMO.fullmatch(conveyance["imo"]):
            problems.append(f"{path}.imo: an IMO number is 7 digits")
        if conveyance["mmsi"] is not None and not MMSI.fullmatch(conveyance["mmsi"]):
            problems.append(f"{path}.mmsi: an MMSI is 9 digits")
        if conveyance["flag"] is not None and not COUNTRY.fullmatch(conveyance["flag"]):
            problems.append(f"{path}.flag: use an ISO 3166-1 alpha-2 code")
    if alert["estimated_persons"] is not None and alert["estimated_persons"] < 0:
        problems.append("estimated_persons: must not be negative")
    if not 1 <= alert["information_credibility"] <= 6:
        problems.append("information_credibility: Admiralty grade 1 to 6")
    if alert["tlp"] == "RED" and not alert["tlp_recipients"]:
        problems.append("tlp_recipients: TLP RED needs at least one named recipient agency")
    for i, recipient in enumerate(alert["tlp_recipients"]):
        if not is_agency_id(recipient):
            problems.append(f"tlp_recipients[{i}]: {recipient!r} is not an agency id")
    if alert["handling_code"] == "H3" and not alert["handling_note"]:
        problems.append("handling_note: handling code H3 needs a note stating the restriction")
    if alert["handling_code"] == "H3" and not alert["tlp_recipients"]:
        problems.append(
            "tlp_recipients: handling code H3 goes only to named recipients "
            "(the hub cannot interpret the note); name at least one"
        )
    if not alert["narrative"].strip():
        problems.append("narrative: must not be empty")
    elif len(alert["narrative"]) > MAX_NARRATIVE:
        problems.append(f"narrative: at most {MAX_NARRATIVE} characters")
    return problems


def _route_problems(route: list[dict[str, Any]]) -> list[str]:
    problems: list[str] = []
    if not route:
        problems.append("route: needs at least one waypoint")
    if len(route) > MAX_WAYPOINTS:
        problems.append(f"route: at most {MAX_WAYPOINTS} waypoints")
    for i, point in enumerate(route):
        path = f"route[{i}]"
        if not -90.0 <= point["lat"] <= 90.0:
            problems.append(f"{path}.lat: latitude must lie in -90..90")
        if not -180.0 <= point["lon"] <= 180.0:
            problems.append(f"{path}.lon: longitude must lie in -180..180")
        if not COUNTRY.fullmatch(point["country"]):
            problems.append(f"{path}.country: use an ISO 3166-1 alpha-2 code like PK, IR, TR, GR")
        if not point["place_name"].strip():
            problems.append(f"{path}.place_name: must not be empty")
    return problems


def check_alert(alert: dict[str, Any]) -> None:
    """Raise :class:`ValidationError` if the alert breaks a semantic rule."""
    problems = alert_problems(alert)
    if problems:
        raise ValidationError(problems)


def personal_data_problems(personal_data: dict[str, Any]) -> list[str]:
    """Semantic problems of a PersonalData datum; messages never quote the data itself."""
    problems: list[str] = []
    persons = personal_data["persons"]
    if not persons:
        problems.append("personal_data.persons: needs at least one person (or omit personal_data)")
    if len(persons) > MAX_PERSONS:
        problems.append(f"personal_data.persons: at most {MAX_PERSONS} persons")
    for i, person in enumerate(persons):
        dob = person["date_of_birth"]
        if dob is not None and not PARTIAL_DATE.fullmatch(dob):
            problems.append(
                f"personal_data.persons[{i}].date_of_birth: write YYYY, YYYY-MM or YYYY-MM-DD"
            )
    return problems


def check_personal_data(personal_data: dict[str, Any]) -> None:
    """Raise :class:`ValidationError` if the personal data breaks a rule."""
    problems = personal_data_problems(personal_data)
    if problems:
        raise ValidationError(problems)
