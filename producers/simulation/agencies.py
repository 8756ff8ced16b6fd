"""The agencies: what each one sees, the language it writes in, and its alert-id format."""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass

import phonenumbers

from producers.simulation.gazetteer import ROUTES


@dataclass(frozen=True)
class Profile:
    """How one agency sees and writes things."""

    country: str | None
    """Phone region its staff write national numbers for; None for international bodies."""
    language: str
    """ur, fa, ar, tr, el or en: which romanisations and scripts it uses."""
    coverage: tuple[str, ...] | None
    """Countries it observes; None: anywhere (it compiles from partners and sources)."""
    precision: int
    """Decimals of the coordinates it writes."""
    opener: str
    """How its narratives start."""
    phone_style: str = "compact"
    """The desk's house format for numbers: one of :data:`PHONE_STYLES`."""


#: How a desk writes phone numbers by habit (an officer departs from it now and then).
PHONE_STYLES = ("compact", "spaces", "dashes", "dots", "brackets")
PROFILES = {
    "PK-MOI": Profile("PK", "ur", ("PK",), 3, "Ministry of Interior reports", "dashes"),
    "PK-FIA": Profile(
        "PK", "ur", ("PK", "AE"), 4, "FIA Anti-Human Smuggling Circle reports", "dashes"
    ),
    "IR-BG": Profile("IR", "fa", ("IR",), 3, "Border guard units report", "spaces"),
    "TR-SG": Profile("TR", "tr", ("TR",), 4, "Sahil Guvenlik units report", "spaces"),
    "GR-HCG": Profile("GR", "el", ("GR",), 5, "Hellenic Coast Guard station reports", "compact"),
    "UNODC": Profile(None, "en", None, 2, "UNODC smuggling-of-migrants observatory notes"),
    "IOM": Profile(None, "en", None, 4, "IOM field staff report", "spaces"),
    "EU-EUROPOL": Profile(None, "en", None, 3, "EMSC analysis indicates", "compact"),
}
LANGUAGE_OF_COUNTRY = {"PK": "ur", "AF": "fa", "IR": "fa", "TR": "tr", "GR": "el", "LY": "ar"}
ROUTE_COUNTRIES = frozenset(point[1] for points in ROUTES.values() for point in points)


def profile_of(agency: str) -> Profile:
    """The profile of a task-force agency, or one guessed from an unknown id's country."""
    known = PROFILES.get(agency)
    if known is not None:
        return known
    prefix = agency.split("-", 1)[0]
    country = None
    if len(prefix) == 2 and prefix.isalpha() and phonenumbers.country_code_for_region(prefix):
        country = prefix
    coverage = (country,) if country in ROUTE_COUNTRIES else None
    language = LANGUAGE_OF_COUNTRY.get(country or "", "en")
    style = PHONE_STYLES[zlib.crc32(agency.encode()) % len(PHONE_STYLES)]
    return Profile(country, language, coverage, 4, f"{agency} reports", style)


def alert_id(agency: str, seq: int, issued: dt.datetime, station: str) -> str:
    """The agency's own alert-id format."""
    year = issued.year
    formats = {
        "PK-FIA": f"PK-FIA-{year}-{seq:06d}",
        "PK-MOI": f"MOI/AHS/{year}/{seq:05d}",
        "IR-BG": f"IRBG-{_solar_hijri_year(issued)}-{seq:04d}",
        "TR-SG": f"TRSG/{year % 100:02d}/{seq:04d}",
        "GR-HCG": f"HCG-{station}-{seq:04d}",
        "UNODC": f"UNODC.SOM.{year}.{seq:04d}",
        "IOM": f"IOM-DTM-{year}-{seq:05d}",
        "EU-EUROPOL": f"EMSC:{year}:{seq:06d}",
    }
    return formats.get(agency, f"{agency}-{year}-{seq:06d}")


def _solar_hijri_year(day: dt.datetime) -> int:
    """Iranian calendar year (it starts at Nowruz, about 21 March)."""
    return day.year - (621 if (day.month, day.day) >= (3, 21) else 622)


HCG_STATIONS = {"Lesvos": "LES", "Pylos": "PYL", "Kalamata": "KAL", "Chios": "CHI"}
