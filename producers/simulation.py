"""Labelled, seeded correlation scenarios: several agencies report the same smuggling operations.

:func:`simulate` makes up smuggling *operations* along the routes of
:mod:`producers.scenarios`. Two to four agencies report each one, and each writes
it its own way: its own alert ids, spellings, phone formats, part of the route and
clock. Unrelated *decoy* alerts are mixed in; they share busy ports, the same week
and a public hotline with the rest. The labels say which alerts report the same
operation, so a correlator can be scored against them. The function is pure and
seeded: the same arguments give byte-identical output.

Difficulty runs from 0.0 to 1.0; :func:`knobs` turns it into the figures below.

* 0.0: a report carries about 80 % of the identifiers its agency could know, and
  writes them in canonical or reconcilable forms. Those are forms that
  :mod:`streams.indicators` and :mod:`streams.names` are built to match:
  national and international phone formats, ``@x``, ``t.me/x``, case, plate
  separators, romanisations. Waypoints are off by at most 0.5 km and clocks by
  at most 1 h. Every report is linked to another report of its operation by a
  strong identifier (phone, handle, payment, vessel or plate). Decoys fall in
  the busy week 40 % of the time and carry the hotline 30 % of the time.
  Generic aliases never appear. 2 % of alerts are re-sent and 4 % revised; no
  revision goes stale.
* 0.5 (default): about 57 % of identifiers are kept. 12 % of non-link values
  are written in forms the normalisers do not reconcile. Waypoints are off by
  up to 4 km and clocks by up to 12 h. 30 % of reports cover only their own
  part of the window, and 25 % trim their route. 30 % of the guaranteed links
  are aliases only. Decoys fall in the busy week 65 % of the time and carry
  the hotline half the time. 8 % of alerts are re-sent and 12 % revised.
* 1.0: about 35 % of identifiers are kept and 60 % of links are aliases only.
  25 % of non-link values are hard to reconcile:
    - a foreign number in national format;
    - ``wa.me`` links;
    - display names instead of handles;
    - "IBAN " prefixes;
    - Arabic-script surnames with the article attached;
    - Persian plate digits;
    - exonyms such as "Midilli" for Lesvos.
  Waypoints are off by up to 8 km and clocks by up to 24 h. Most decoys fall in
  the busy week at a busy place, with the hotline. Generic aliases ("Doctor",
  "Haji") are shared by unrelated alerts. 15 % of alerts are re-sent and 20 %
  revised, and 40 % of revised alerts re-send revision 1 after revision 2
  (stale).

The link between two reports is always written in reconcilable forms, at every
difficulty. A decoy shares no identifier with anything else except the common
ones: :data:`HOTLINES` and :data:`GENERIC_ALIASES`.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import phonenumbers

from producers.scenarios import ROUTES, TRANSPORT
from schemas.json_mapping import format_timestamp
from schemas.topics import message_key
from schemas.validation import is_agency_id

LABELS_FORMAT = "corridor-scenario-labels/1"
LABELS_FILE = "labels.json"
DEFAULT_AGENCIES: tuple[str, ...] = (
    "PK-MOI",
    "PK-FIA",
    "IR-BG",
    "TR-SG",
    "GR-HCG",
    "UNODC",
    "IOM",
    "EU-EUROPOL",
)
DEFAULT_START = dt.datetime(2026, 11, 2, tzinfo=dt.UTC)
#: Operations and decoys are observed within this many days of the start.
SCENARIO_DAYS = 28
#: Ports and crossings that unrelated alerts keep mentioning.
BUSY_PLACES: tuple[str, ...] = ("Ayvalik", "Lesvos", "Taftan", "Zahedan", "Tobruk")
#: Public hotlines (E.164) that many unrelated alerts mention: a common, weak value.
HOTLINES: dict[str, str] = {"sea": "+302105234411", "land": "+92518449120"}
#: Nicknames so common that sharing one means nothing.
GENERIC_ALIASES: tuple[str, ...] = ("Doctor", "Haji", "Ustad", "Reis", "Kapetan")

UTC = dt.UTC
HOUR = dt.timedelta(hours=1)


# --------------------------------------------------------------------------- public types


@dataclass(frozen=True)
class Knobs:
    """What one difficulty level means; every figure is a probability unless named otherwise."""

    jitter_km: float
    """Largest distance between a reported waypoint and the real place."""
    skew_hours: float
    """Largest clock error on each end of a reported observation window."""
    sub_window: float
    """A report covers only its own part of the operation's window."""
    trim_view: float
    """An agency reports fewer waypoints than it could see."""
    keep_identifier: float
    """A report carries a given identifier that its agency could know."""
    alias_link: float
    """The guaranteed link between two reports is an alias rather than a strong identifier."""
    respell: float
    """A name, place, number or handle is written in another reconcilable form."""
    native_script: float
    """An agency writes a name in its own script (Urdu, Persian, Greek)."""
    hard_variant: float
    """A value outside the guaranteed links is written in a form the normalisers miss."""
    mode_disagreement: float
    """An agency reports the transport mode of its own legs, not of the whole operation."""
    persons_noise: float
    """Largest relative error of a reported head count."""
    busy_week_operations: float
    """An operation falls in the scenario's busy week."""
    busy_week_decoys: float
    """A decoy falls in the scenario's busy week."""
    busy_place_decoys: float
    """A decoy mentions one of :data:`BUSY_PLACES`."""
    hotline_operations: float
    """A report of an operation mentions the hotline."""
    hotline_decoys: float
    """A decoy mentions the hotline."""
    generic_alias: float
    """An alert carries a generic alias such as "Doctor" (zero up to difficulty 0.5)."""
    singleton: float
    """A report carries an identifier seen nowhere else (a driver's phone, say)."""
    duplicate: float
    """An alert is re-sent unchanged later."""
    revision: float
    """An alert gets a revision 2."""
    stale: float
    """A revised alert has its revision 1 re-sent after revision 2."""


def knobs(difficulty: float) -> Knobs:
    """The figures of ``difficulty`` (0.0 .. 1.0); see the module docstring."""
    d = difficulty
    return Knobs(
        jitter_km=0.5 + 7.5 * d,
        skew_hours=1.0 + 23.0 * d,
        sub_window=0.6 * d,
        trim_view=0.5 * d,
        keep_identifier=0.8 - 0.45 * d,
        alias_link=0.6 * d,
        respell=0.15 + 0.6 * d,
        native_script=0.1 + 0.5 * d,
        hard_variant=0.25 * d,
        mode_disagreement=0.4 * d,
        persons_noise=0.1 + 0.4 * d,
        busy_week_operations=0.2 + 0.4 * d,
        busy_week_decoys=0.4 + 0.5 * d,
        busy_place_decoys=0.6 + 0.35 * d,
        hotline_operations=0.05 + 0.2 * d,
        hotline_decoys=0.3 + 0.4 * d,
        generic_alias=max(0.0, d - 0.5) * 1.2,
        singleton=0.15 + 0.35 * d,
        duplicate=0.02 + 0.13 * d,
        revision=0.04 + 0.16 * d,
        stale=max(0.0, d - 0.6),
    )


@dataclass(frozen=True)
class SimulatedAlert:
    """One line of an agency's alerts file."""

    agency: str
    """Publishing agency."""
    document: dict[str, Any]
    """The alert in the Corridor JSON mapping (timestamps as ISO-8601 strings)."""
    operation: str | None
    """Operation it reports (``OP-007``), None for a decoy."""
    kind: str
    """``original``, ``duplicate`` (same revision re-sent), ``revision`` or ``stale``."""
    published_at: dt.datetime
    """When the agency sends this line; lines are in this order."""

    @property
    def key(self) -> str:
        """``AGENCY:alert_id``, as :func:`schemas.topics.message_key` spells it."""
        return message_key(self.agency, self.document["alert_id"]).decode()


@dataclass(frozen=True)
class OperationTruth:
    """What really happened in one operation (for scoring; no alert says it all)."""

    operation: str
    """Operation id, ``OP-001`` ..."""
    route: str
    """Name of the route in :data:`producers.scenarios.ROUTES`."""
    places: tuple[str, ...]
    """Canonical names of the places of the operation, in travel order."""
    transport_mode: str
    """Main transport mode."""
    observed_from: dt.datetime
    """Start of the real observation window."""
    observed_to: dt.datetime
    """End of the real observation window."""


@dataclass(frozen=True)
class ScenarioStats:
    """Counts for a summary line."""

    records: int
    """Alert lines, duplicates and stale re-sends included."""
    alerts: int
    """Distinct alerts (``AGENCY:alert_id``)."""
    operations: int
    """Operations."""
    operation_alerts: int
    """Distinct alerts that report an operation."""
    decoys: int
    """Distinct decoy alerts."""
    duplicates: int
    """Lines that re-send an alert unchanged."""
    revisions: int
    """Revision-2 lines."""
    stale: int
    """Revision-1 lines re-sent after revision 2."""
    per_agency: tuple[tuple[str, int], ...]
    """Alert lines per agency, in agency order."""


@dataclass(frozen=True)
class Scenario:
    """A generated scenario: alert lines in publish order, and what they really are."""

    seed: int
    """Seed it was generated from."""
    difficulty: float
    """Difficulty it was generated at."""
    agencies: tuple[str, ...]
    """Agencies that could report, in the order given."""
    alerts: tuple[SimulatedAlert, ...]
    """Every alert line, in publish order."""
    operations: tuple[OperationTruth, ...]
    """The real operations, in id order."""

    def labels(self) -> dict[str, Any]:
        """The answer key, as JSON-able data (format ``corridor-scenario-labels/1``)."""
        owner: dict[str, str | None] = {}
        highest: dict[str, int] = {}
        for alert in self.alerts:
            owner[alert.key] = alert.operation
            highest[alert.key] = max(highest.get(alert.key, 0), alert.document["revision"])
        keys = sorted(owner)
        return {
            "format": LABELS_FORMAT,
            "seed": self.seed,
            "difficulty": self.difficulty,
            "operations": {
                op.operation: [k for k in keys if owner[k] == op.operation]
                for op in self.operations
            },
            "alerts": {k: owner[k] for k in keys},
            "expected_deliveries": {k: highest[k] for k in keys},
            "records": len(self.alerts),
        }

    def by_agency(self) -> dict[str, list[dict[str, Any]]]:
        """Each agency's documents in publish order (agencies without alerts left out)."""
        files: dict[str, list[dict[str, Any]]] = {a: [] for a in self.agencies}
        for alert in self.alerts:
            files[alert.agency].append(alert.document)
        return {a: docs for a, docs in files.items() if docs}

    def write(self, directory: Path) -> tuple[Path, ...]:
        """Write ``alerts-<AGENCY>.jsonl`` per agency and ``labels.json``; return the paths.

        One JSON alert per line in publish order, ready for ``corridor publish``.
        Creates ``directory``; overwrites these files but removes nothing else.
        """
        directory.mkdir(parents=True, exist_ok=True)
        written = []
        for agency, documents in self.by_agency().items():
            path = directory / f"alerts-{agency}.jsonl"
            path.write_text("".join(_json_line(doc) for doc in documents), "utf-8")
            written.append(path)
        labels = directory / LABELS_FILE
        labels.write_text(json.dumps(self.labels(), indent=2, ensure_ascii=False) + "\n", "utf-8")
        return (*written, labels)

    def stats(self) -> ScenarioStats:
        """Counts of lines, alerts and kinds."""
        owner = {a.key: a.operation for a in self.alerts}
        kinds = [a.kind for a in self.alerts]
        return ScenarioStats(
            records=len(self.alerts),
            alerts=len(owner),
            operations=len(self.operations),
            operation_alerts=sum(op is not None for op in owner.values()),
            decoys=sum(op is None for op in owner.values()),
            duplicates=kinds.count("duplicate"),
            revisions=kinds.count("revision"),
            stale=kinds.count("stale"),
            per_agency=tuple(
                (agency, sum(a.agency == agency for a in self.alerts)) for agency in self.agencies
            ),
        )


def _json_line(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------------- entry point


def simulate(
    seed: int,
    *,
    difficulty: float = 0.5,
    operations: int = 40,
    decoys: int = 60,
    agencies: Sequence[str] = DEFAULT_AGENCIES,
    start: dt.datetime = DEFAULT_START,
) -> Scenario:
    """Generate a scenario; raises ValueError for arguments outside their ranges."""
    _check_arguments(difficulty, operations, decoys, agencies, start)
    rng = random.Random(seed)
    k = knobs(difficulty)
    world = _World(
        agencies=tuple(agencies),
        profiles={a: _profile(a) for a in agencies},
        start=start.astimezone(UTC),
        busy_week=_busy_week(start),
        registry=_Registry(),
    )
    drafts: list[_Draft] = []
    truths: list[OperationTruth] = []
    width = max(3, len(str(operations)))
    for number in range(1, operations + 1):
        truth, reports = _operation(rng, k, world, f"OP-{number:0{width}d}")
        truths.append(truth)
        drafts.extend(reports)
    drafts.extend(_decoy(rng, k, world) for _ in range(decoys))
    lines = _publish_order(rng, k, _assign_ids(rng, drafts))
    return Scenario(
        seed=seed,
        difficulty=difficulty,
        agencies=tuple(agencies),
        alerts=tuple(lines),
        operations=tuple(truths),
    )


def _check_arguments(
    difficulty: float, operations: int, decoys: int, agencies: Sequence[str], start: dt.datetime
) -> None:
    if not 0.0 <= difficulty <= 1.0:
        raise ValueError(f"difficulty must lie in 0.0 .. 1.0, not {difficulty}")
    if operations < 0 or decoys < 0:
        raise ValueError("operations and decoys must not be negative")
    if len(set(agencies)) != len(agencies):
        raise ValueError("agencies must not repeat")
    if len(agencies) < 2:
        raise ValueError("a scenario needs at least 2 agencies (each operation has 2 reports)")
    for agency in agencies:
        if not is_agency_id(agency):
            raise ValueError(f"{agency!r} is not an agency id like PK-FIA")
    if start.tzinfo is None:
        raise ValueError("start must carry a UTC offset")


def _busy_week(start: dt.datetime) -> dt.datetime:
    """Monday 00:00 UTC of the week after ``start``: where busy traffic piles up."""
    day = start.astimezone(UTC) + dt.timedelta(days=7)
    monday = day - dt.timedelta(days=day.weekday())
    return monday.replace(hour=0, minute=0, second=0, microsecond=0)


# --------------------------------------------------------------------------- agencies


@dataclass(frozen=True)
class _Profile:
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


_PROFILES = {
    "PK-MOI": _Profile("PK", "ur", ("PK",), 3, "Ministry of Interior reports"),
    "PK-FIA": _Profile("PK", "ur", ("PK", "AE"), 4, "FIA Anti-Human Smuggling Circle reports"),
    "IR-BG": _Profile("IR", "fa", ("IR",), 3, "Border guard units report"),
    "TR-SG": _Profile("TR", "tr", ("TR",), 4, "Sahil Guvenlik units report"),
    "GR-HCG": _Profile("GR", "el", ("GR",), 5, "Hellenic Coast Guard station reports"),
    "UNODC": _Profile(None, "en", None, 2, "UNODC smuggling-of-migrants observatory notes"),
    "IOM": _Profile(None, "en", None, 4, "IOM field staff report"),
    "EU-EUROPOL": _Profile(None, "en", None, 3, "EMSC analysis indicates"),
}
_LANGUAGE_OF_COUNTRY = {"PK": "ur", "AF": "fa", "IR": "fa", "TR": "tr", "GR": "el", "LY": "ar"}
_ROUTE_COUNTRIES = frozenset(point[1] for points in ROUTES.values() for point in points)


def _profile(agency: str) -> _Profile:
    known = _PROFILES.get(agency)
    if known is not None:
        return known
    prefix = agency.split("-", 1)[0]
    country = None
    if len(prefix) == 2 and prefix.isalpha() and phonenumbers.country_code_for_region(prefix):
        country = prefix
    coverage = (country,) if country in _ROUTE_COUNTRIES else None
    language = _LANGUAGE_OF_COUNTRY.get(country or "", "en")
    return _Profile(country, language, coverage, 4, f"{agency} reports")


def _alert_id(agency: str, seq: int, issued: dt.datetime, station: str) -> str:
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


_HCG_STATIONS = {"Lesvos": "LES", "Pylos": "PYL", "Kalamata": "KAL"}


# --------------------------------------------------------------------------- world and truth


class _Registry:
    """Identifiers already handed out, so that no two networks share one by chance."""

    def __init__(self) -> None:
        self._taken: set[str] = {f"phone:{_compact(p)}" for p in HOTLINES.values()}

    def claim(self, kind: str, value: str) -> bool:
        """True (and remembered) if ``value`` was free."""
        key = f"{kind}:{_compact(value)}"
        if key in self._taken:
            return False
        self._taken.add(key)
        return True


def _compact(value: str) -> str:
    return re.sub(r"[^0-9a-z]", "", value.casefold())


@dataclass(frozen=True)
class _World:
    """Fixed context of one scenario."""

    agencies: tuple[str, ...]
    """Agencies that may report."""
    profiles: dict[str, _Profile]
    """Profile of each agency."""
    start: dt.datetime
    """Start of the scenario's month."""
    busy_week: dt.datetime
    """Monday of the busy week."""
    registry: _Registry
    """Identifiers handed out so far."""


@dataclass(frozen=True)
class _Phone:
    """A mobile number."""

    e164: str
    """The number."""
    region: str
    """Its country."""


@dataclass(frozen=True)
class _Written:
    """A value with its canonical spelling, reconcilable spellings and hard ones."""

    canonical: str
    """How the network itself writes it."""
    easy: tuple[str, ...]
    """Other spellings the normalisers reconcile."""
    hard: tuple[str, ...]
    """Spellings they do not."""


@dataclass(frozen=True)
class _Payment:
    """A payment channel."""

    method: str
    """PaymentMethod symbol."""
    identifier: _Written
    """Account, wallet, IBAN or hawaladar."""


@dataclass(frozen=True)
class _Vessel:
    """The boat of a sea leg."""

    name: str
    """Vessel name."""
    flag: str
    """Flag state."""
    mmsi: str
    """9 digits."""
    imo: str | None
    """7 digits; small craft have none."""
    leg: int
    """Route index of the waypoint where the sea leg starts."""


@dataclass(frozen=True)
class _Vehicle:
    """The vehicle of a road leg."""

    description: str
    """Make and type."""
    country: str
    """Country of registration."""
    plate: _Written
    """Registration plate."""
    leg: int
    """Route index of the waypoint where the road leg starts."""


@dataclass(frozen=True)
class _Token:
    """One word of a name."""

    latin: tuple[str, ...]
    """Canonical romanisation first, then reconcilable ones."""
    script: str | None
    """Spelling in the native script."""
    script_easy: bool
    """Whether the native spelling gets the same name key."""
    hard: tuple[str, ...]
    """Romanisations that get another name key."""


@dataclass(frozen=True)
class _Alias:
    """A smuggler's name."""

    tokens: tuple[_Token, ...]
    """Words in canonical order."""
    family: str | None
    """Script family of the native spelling: arab or grek."""


@dataclass(frozen=True)
class _Network:
    """The identifiers of one operation or decoy."""

    phones: tuple[_Phone, ...]
    """Mobile numbers."""
    messaging: tuple[tuple[str, str], ...]
    """(platform, username) on telegram or signal."""
    social: tuple[tuple[str, str], ...]
    """(platform, page) on facebook, instagram or tiktok."""
    payments: tuple[_Payment, ...]
    """Where migrants pay."""
    aliases: tuple[_Alias, ...]
    """Smugglers' names."""
    vessel: _Vessel | None
    """Boat of the sea leg, if any."""
    vehicle: _Vehicle | None
    """Vehicle of the road leg, if any."""

    def items(self) -> list[tuple[str, int]]:
        """Every identifier as (kind, index), in a fixed order."""
        found = [("phone", i) for i in range(len(self.phones))]
        found += [("messaging", i) for i in range(len(self.messaging))]
        found += [("social", i) for i in range(len(self.social))]
        found += [("payment", i) for i in range(len(self.payments))]
        found += [("alias", i) for i in range(len(self.aliases))]
        if self.vessel is not None:
            found.append(("vessel", 0))
        if self.vehicle is not None:
            found.append(("vehicle", 0))
        return found


@dataclass(frozen=True)
class _Subject:
    """What is reported: an operation, or the event behind a decoy."""

    route: str
    """Route name."""
    segment: range
    """Route indices involved."""
    mode: str
    """Main transport mode."""
    observed_from: dt.datetime
    """Real start."""
    observed_to: dt.datetime
    """Real end."""
    network: _Network
    """Identifiers."""
    persons: int
    """Real head count."""
    flags: tuple[str, ...]
    """Real vulnerability flags."""
    severity: str
    """Real severity."""


@dataclass(frozen=True)
class _Draft:
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


# --------------------------------------------------------------------------- routes


_LEG_MODES: dict[str, tuple[str, ...]] = {
    "balochistan-iran-turkey": (
        "LAND_VEHICLE",
        "LAND_VEHICLE",
        "ON_FOOT",
        "LAND_VEHICLE",
        "ON_FOOT",
    ),
    "aegean-crossing": ("LAND_VEHICLE", "BOAT"),
    "central-mediterranean": ("AIR", "AIR", "LAND_VEHICLE", "BOAT", "BOAT"),
    "makran-coast": ("LAND_VEHICLE", "BOAT"),
}


def _legs(route: str) -> tuple[str, ...]:
    """Mode of each leg (waypoint i to i + 1) of a route."""
    count = len(ROUTES[route]) - 1
    legs = _LEG_MODES.get(route)
    if legs is not None and len(legs) == count:
        return legs
    mode = TRANSPORT.get(route, "LAND_VEHICLE")
    return (mode if mode != "MIXED" else "LAND_VEHICLE",) * count


def _main_mode(legs: Sequence[str]) -> str:
    modes = set(legs)
    if not modes:
        return "UNKNOWN"
    if "AIR" in modes and len(modes) > 1:
        return "MIXED"
    if "BOAT" in modes:
        return "BOAT"
    if len(modes) == 1:
        return next(iter(modes))
    return "LAND_VEHICLE"


def _segment_legs(route: str, segment: range) -> tuple[str, ...]:
    return _legs(route)[segment.start : segment.stop - 1]


def _leg_of(route: str, segment: range, mode: str) -> int | None:
    """Route index where the first ``mode`` leg touching ``segment`` starts."""
    legs = _legs(route)
    for i in range(max(segment.start - 1, 0), min(segment.stop, len(legs))):
        inside = i in segment and i + 1 in segment
        touching = len(segment) == 1 and segment.start in (i, i + 1)
        if legs[i] == mode and (inside or touching):
            return i
    return None


def _coverage_view(profile: _Profile, route: str, segment: range) -> list[int]:
    """Waypoints of ``segment`` the agency can see: its countries, across sea legs and borders."""
    if profile.coverage is None:
        return list(segment)
    points, legs = ROUTES[route], _legs(route)
    seen = {i for i in segment if points[i][1] in profile.coverage}
    reach = set()
    for i in seen:
        for j in (i - 1, i + 1):
            if j in segment and (legs[min(i, j)] == "BOAT" or points[j][4] == "BORDER_CROSSING"):
                reach.add(j)
    return sorted(seen | reach)


def _slice(rng: random.Random, view: list[int], longest: int) -> list[int]:
    length = rng.randint(1, max(1, min(longest, len(view))))
    first = rng.randint(0, len(view) - length)
    return view[first : first + length]


def _report_view(
    rng: random.Random, k: Knobs, profile: _Profile, route: str, segment: range
) -> list[int]:
    view = _coverage_view(profile, route, segment) or list(segment)
    if profile.coverage is None and len(view) > 1 and rng.random() < 0.5:
        view = _slice(rng, view, len(view))
    if len(view) > 1 and rng.random() < k.trim_view:
        view = _slice(rng, view, len(view) - 1)
    return view


def _pick_segment(rng: random.Random, world: _World) -> tuple[str, range, list[str]]:
    """A route segment (two waypoints or more) and the agencies that could see it."""
    routes = sorted(r for r in ROUTES if len(ROUTES[r]) >= 2)
    route, segment = routes[0], range(0, len(ROUTES[routes[0]]))
    for _ in range(50):
        route = rng.choice(routes)
        count = len(ROUTES[route])
        if rng.random() < 0.4:
            segment = range(0, count)
        else:
            first = rng.randrange(count - 1)
            segment = range(first, rng.randrange(first + 1, count) + 1)
        plausible = [a for a in world.agencies if _coverage_view(world.profiles[a], route, segment)]
        if len(plausible) >= 2:
            return route, segment, plausible
    return route, segment, list(world.agencies)


def _choose_agencies(
    rng: random.Random, world: _World, plausible: list[str], wanted: int
) -> list[str]:
    """``wanted`` agencies (fewer if not plausible), national ones preferred where they see it."""
    wanted = min(wanted, len(plausible))
    pool = list(plausible)
    chosen: list[str] = []
    while len(chosen) < wanted:
        weights = [4.0 if world.profiles[a].coverage else 1.0 for a in pool]
        pick = rng.choices(pool, weights)[0]
        pool.remove(pick)
        chosen.append(pick)
    return [a for a in world.agencies if a in chosen]


# --------------------------------------------------------------------------- operations


def _operation(
    rng: random.Random, k: Knobs, world: _World, op_id: str
) -> tuple[OperationTruth, list[_Draft]]:
    route, segment, plausible = _pick_segment(rng, world)
    agencies = _choose_agencies(rng, world, plausible, rng.choice((2, 2, 3, 3, 3, 4)))
    subject = _subject(rng, world, route, segment, rng.random() < k.busy_week_operations, False)
    views = {a: _report_view(rng, k, world.profiles[a], route, segment) for a in agencies}
    eligible = {a: _eligible(subject, world.profiles[a], views[a]) for a in agencies}
    carried, links = _link_plan(rng, k, agencies, eligible)
    drafts = [
        _report(
            rng,
            k,
            world,
            agency,
            subject,
            views[agency],
            carried[agency],
            links[agency],
            op_id,
        )
        for agency in agencies
    ]
    truth = OperationTruth(
        operation=op_id,
        route=route,
        places=tuple(ROUTES[route][i][0] for i in segment),
        transport_mode=subject.mode,
        observed_from=subject.observed_from,
        observed_to=subject.observed_to,
    )
    return truth, drafts


def _eligible(subject: _Subject, profile: _Profile, view: list[int]) -> list[tuple[str, int]]:
    """Identifiers the agency can know: conveyances only if it sees their leg."""
    anywhere = profile.coverage is None
    found = []
    for kind, index in subject.network.items():
        conveyance = subject.network.vessel if kind == "vessel" else subject.network.vehicle
        unseen = conveyance is None or (
            conveyance.leg not in view and conveyance.leg + 1 not in view
        )
        if kind in ("vessel", "vehicle") and not anywhere and unseen:
            continue
        found.append((kind, index))
    return found


def _link_plan(
    rng: random.Random,
    k: Knobs,
    agencies: list[str],
    eligible: dict[str, list[tuple[str, int]]],
) -> tuple[dict[str, list[tuple[str, int]]], dict[str, set[tuple[str, int]]]]:
    """Which identifiers each report carries, and which of them must be written reconcilably.

    A random spanning tree over the reports: each report shares at least one
    identifier with an earlier one, so no report of an operation is an island.
    """
    order = list(agencies)
    rng.shuffle(order)
    carried = {a: {i for i in eligible[a] if rng.random() < k.keep_identifier} for a in order}
    links: dict[str, set[tuple[str, int]]] = {a: set() for a in order}
    for position in range(1, len(order)):
        a, b = order[position], order[rng.randrange(position)]
        common = [i for i in eligible[a] if i in eligible[b]]
        aliases = [i for i in common if i[0] == "alias"]
        strong = [i for i in common if i[0] != "alias"]
        pool = aliases if aliases and (not strong or rng.random() < k.alias_link) else strong
        link = rng.choice(pool)
        for agency in (a, b):
            carried[agency].add(link)
            links[agency].add(link)
    ordered = {a: [i for i in eligible[a] if i in carried[a]] for a in agencies}
    return ordered, links


def _subject(
    rng: random.Random, world: _World, route: str, segment: range, busy: bool, decoy: bool
) -> _Subject:
    legs = _segment_legs(route, segment)
    mode = _main_mode(legs) if legs else _point_mode(route, segment.start)
    if busy:
        begin = world.busy_week + dt.timedelta(hours=rng.randint(0, 5 * 24))
        end = begin + dt.timedelta(hours=rng.randint(6, 60))
    else:
        begin = world.start + dt.timedelta(hours=rng.randint(0, (SCENARIO_DAYS - 6) * 24))
        end = begin + dt.timedelta(hours=rng.randint(12, 6 * 24))
    network = _network(rng, world, route, segment, decoy)
    sea = mode in ("BOAT", "MIXED")
    if sea and route == "central-mediterranean":
        persons = rng.randint(80, 650)
    elif sea:
        persons = rng.randint(12, 60)
    elif mode == "AIR":
        persons = rng.randint(2, 10)
    else:
        persons = rng.randint(5, 40)
    flags = tuple(sorted(rng.sample(_FLAGS, rng.randint(0, 3))))
    if persons > 200 or (sea and "UNACCOMPANIED_MINORS" in flags):
        severity = "CRITICAL"
    elif sea or persons > 30:
        severity = "HIGH"
    else:
        severity = rng.choice(("LOW", "MEDIUM", "MEDIUM"))
    return _Subject(route, segment, mode, begin, end, network, persons, flags, severity)


def _point_mode(route: str, index: int) -> str:
    legs = _legs(route)
    touching = [legs[i] for i in (index - 1, index) if 0 <= i < len(legs)]
    return "BOAT" if "BOAT" in touching else _main_mode(touching)


_FLAGS = (
    "MINORS",
    "UNACCOMPANIED_MINORS",
    "PREGNANT_WOMEN",
    "MEDICAL_NEEDS",
    "DISABILITY",
    "ELDERLY",
    "SUSPECTED_TRAFFICKING_VICTIMS",
)


# --------------------------------------------------------------------------- decoys


def _decoy(rng: random.Random, k: Knobs, world: _World) -> _Draft:
    """An unrelated alert: often at a busy place in the busy week, often with the hotline."""
    route, segment, busy_index = _decoy_segment(rng, k)
    candidates = [
        a
        for a in world.agencies
        if (busy_index if busy_index is not None else segment.start)
        in _coverage_view(world.profiles[a], route, segment)
    ] or list(world.agencies)
    agency = _choose_agencies(rng, world, candidates, 1)[0]
    subject = _subject(rng, world, route, segment, rng.random() < k.busy_week_decoys, True)
    profile = world.profiles[agency]
    view = _coverage_view(profile, route, segment) or list(segment)
    items = _eligible(subject, profile, view)
    return _report(rng, k, world, agency, subject, view, items, set(), None)


def _decoy_segment(rng: random.Random, k: Knobs) -> tuple[str, range, int | None]:
    routes = sorted(r for r in ROUTES if ROUTES[r])
    busy = [(r, i) for r in routes for i, point in enumerate(ROUTES[r]) if point[0] in BUSY_PLACES]
    if busy and rng.random() < k.busy_place_decoys:
        route, index = rng.choice(busy)
    else:
        route = rng.choice(routes)
        index = rng.randrange(len(ROUTES[route]))
    first = max(0, index - rng.randint(0, 1))
    last = min(len(ROUTES[route]) - 1, index + rng.randint(0, 1))
    busy_index = index if ROUTES[route][index][0] in BUSY_PLACES else None
    return route, range(first, last + 1), busy_index


# --------------------------------------------------------------------------- networks


def _network(
    rng: random.Random, world: _World, route: str, segment: range, decoy: bool
) -> _Network:
    points = ROUTES[route]
    countries = [points[i][1] for i in segment]

    def count(low: int, high: int, chance: float) -> int:
        if decoy:
            return 1 if rng.random() < chance else 0
        return rng.randint(low, high)

    phones = tuple(_new_phone(rng, world, countries) for _ in range(count(1, 2, 0.6)))
    messaging = tuple(_new_messaging(rng, world) for _ in range(count(1, 2, 0.4)))
    social = tuple(_new_social(rng, world) for _ in range(count(0, 1, 0.3)))
    payments = tuple(_new_payment(rng, world, countries) for _ in range(count(1, 2, 0.3)))
    aliases = tuple(_new_alias(rng, world, countries) for _ in range(count(1, 3, 0.4)))
    vessel = vehicle = None
    boat_leg = _leg_of(route, segment, "BOAT")
    if boat_leg is not None and (not decoy or rng.random() < 0.5):
        vessel = _new_vessel(rng, world, route, boat_leg)
    road_leg = _leg_of(route, segment, "LAND_VEHICLE")
    if road_leg is not None and (not decoy or rng.random() < 0.4):
        vehicle = _new_vehicle(rng, world, route, road_leg)
    return _Network(phones, messaging, social, payments, aliases, vessel, vehicle)


def _unique(world: _World, kind: str, make: Callable[[int], str], what: str) -> str:
    for attempt in range(2000):
        value = make(attempt)
        if world.registry.claim(kind, value):
            return value
    raise ValueError(f"scenario too large: ran out of distinct {what}")


_MOBILE_PREFIXES = {
    "PK": tuple(f"3{n:02d}" for n in (*range(0, 10), *range(10, 19), *range(20, 25), 33, 34, 45)),
    "IR": ("901", "902", "903", "910", "911", "912", "913", "915", "917", "919", "935", "936"),
    "TR": ("501", "505", "506", "530", "532", "533", "535", "536", "541", "542", "544", "555"),
    "GR": ("690", "693", "694", "695", "697", "698", "699"),
    "LY": ("91", "92", "94", "95"),
}
_PHONE_REGION_OF = {"PK": "PK", "IR": "IR", "TR": "TR", "GR": "GR", "LY": "LY", "AE": "PK"}


def _new_phone(rng: random.Random, world: _World, countries: list[str]) -> _Phone:
    regions = [_PHONE_REGION_OF.get(c, "PK") for c in countries] + ["PK"]
    region = rng.choice(regions)

    def make(_: int) -> str:
        while True:
            national = rng.choice(_MOBILE_PREFIXES[region]) + f"{rng.randrange(10**7):07d}"
            number = phonenumbers.parse(national, region)
            if phonenumbers.is_valid_number(number):
                return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    return _Phone(_unique(world, "phone", make, "phone numbers"), region)


_HANDLE_WORDS = (
    "safar", "europe", "yunan", "italia", "germany", "london", "dunki", "visa", "jobs", "kaam",
    "rozgar", "travel", "tours", "road", "yol", "gemi", "overseas", "express", "royal", "golden",
    "star", "madina", "khyber", "pardes", "manzil", "rahi", "musafir", "sahil", "deniz", "ege",
    "kaptan", "bahr", "umeed", "naya", "sitara", "asman",
)  # fmt: skip


def _handle_name(rng: random.Random, separator: str, attempt: int) -> str:
    first, second = rng.sample(_HANDLE_WORDS, 2)
    suffix = rng.choice(("", "", f"{rng.randint(1, 99)}", "pk", "official", "24"))
    if attempt > 500:
        suffix = f"{suffix}{rng.randint(100, 999)}"
    return separator.join(part for part in (first, second, suffix) if part)


def _new_messaging(rng: random.Random, world: _World) -> tuple[str, str]:
    platform = rng.choice(("telegram", "telegram", "telegram", "signal"))
    if platform == "signal":

        def make(attempt: int) -> str:
            return f"{_handle_name(rng, '', attempt)}.{rng.randint(1, 99):02d}"

    else:

        def make(attempt: int) -> str:
            return _handle_name(rng, "_", attempt)

    return platform, _unique(world, "handle", make, "handles")


def _new_social(rng: random.Random, world: _World) -> tuple[str, str]:
    platform = rng.choice(("facebook", "facebook", "tiktok", "instagram"))
    separator = "." if platform != "tiktok" else "_"
    name = _unique(
        world, "handle", lambda attempt: _handle_name(rng, separator, attempt), "handles"
    )
    return platform, name


_HAWALA_NAMES = (
    "Al-Madina", "Bismillah", "Al-Noor", "Khyber", "Zamzam", "Shah Jahan", "Kabul", "Al-Haram",
    "Madni", "Shaheen", "Ravi", "Bolan", "Makran", "Al-Rehman", "Sultan", "Hijaz", "Peshawar",
)  # fmt: skip
_HAWALA_KINDS = ("Exchange", "Money Changer", "Traders", "Goods Transport", "Jewellers", "Telecom")
_HAWALA_CITIES = {
    "PK": ("Quetta", "Karachi", "Peshawar", "Lahore", "Turbat"),
    "IR": ("Zahedan", "Tehran", "Mashhad"),
    "TR": ("Aksaray Istanbul", "Zeytinburnu Istanbul", "Van"),
    "GR": ("Omonia Athens",),
    "LY": ("Benghazi", "Tripoli"),
    "AE": ("Deira Dubai", "Sharjah"),
}
_BANKS = {
    "PK": ("SCBL", "HABB", "MUCB", "UNIL", "ABPA", "MEZN"),
    "TR": ("000100", "000120", "000460", "000620", "000640"),
    "AE": ("033", "035", "026"),
    "GR": ("0110125", "0140101", "0172000"),
}
_IBAN_LENGTH = {"PK": 24, "TR": 26, "AE": 23, "GR": 27}
_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _new_payment(rng: random.Random, world: _World, countries: list[str]) -> _Payment:
    country = rng.choice(countries)
    methods = ["HAWALA", "HAWALA", "CRYPTO"]
    if country == "PK":
        methods.append("MOBILE_MONEY")
    if country in _BANKS:
        methods.append("BANK_TRANSFER")
    method = rng.choice(methods)
    if method == "HAWALA":
        return _Payment(method, _hawala(rng, world, country))
    if method == "BANK_TRANSFER":
        return _Payment(method, _iban(rng, world, country))
    if method == "MOBILE_MONEY":
        return _Payment(method, _mobile_money(rng, world))
    return _Payment(method, _crypto(rng, world))


def _hawala(rng: random.Random, world: _World, country: str) -> _Written:
    cities = _HAWALA_CITIES.get(country, _HAWALA_CITIES["PK"])

    def make(attempt: int) -> str:
        name = f"{rng.choice(_HAWALA_NAMES)} {rng.choice(_HAWALA_KINDS)} {rng.choice(cities)}"
        return name if attempt < 200 else f"{name} {rng.randint(2, 99)}"

    name = _unique(world, "payment", make, "hawala names")
    head, city = name.rsplit(" ", 1)
    easy = (name.lower(), name.upper(), name.replace("-", " "), f"{head} - {city}")
    return _Written(name, easy, (f"{head}, {city}", f"{head} ({city})"))


def _iban(rng: random.Random, world: _World, country: str) -> _Written:
    def make(_: int) -> str:
        bank = rng.choice(_BANKS[country])
        digits = _IBAN_LENGTH[country] - 4 - len(bank)
        bban = bank + "".join(rng.choice("0123456789") for _ in range(digits))
        numeric = "".join(str(int(c, 36)) for c in f"{bban}{country}00")
        return f"{country}{98 - int(numeric) % 97:02d}{bban}"

    iban = _unique(world, "payment", make, "IBANs")
    grouped = " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
    return _Written(iban, (grouped, grouped.lower(), iban.lower()), (f"IBAN {grouped}",))


def _mobile_money(rng: random.Random, world: _World) -> _Written:
    phone = _new_phone(rng, world, ["PK"])
    national = (
        "0"
        + phonenumbers.format_number(
            phonenumbers.parse(phone.e164), phonenumbers.PhoneNumberFormat.E164
        )[3:]
    )
    head, tail = national[:4], national[4:]
    international = phonenumbers.format_number(
        phonenumbers.parse(phone.e164), phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return _Written(
        f"{head}-{tail}",
        (national, f"{head} {tail}"),
        (international, f"JazzCash {head}-{tail}", f"Easypaisa {national}"),
    )


def _crypto(rng: random.Random, world: _World) -> _Written:
    address = _unique(
        world,
        "payment",
        lambda _: "T" + "".join(rng.choice(_BASE58) for _ in range(33)),
        "wallets",
    )
    return _Written(address, (), (address.lower(), f"USDT TRC20 {address}"))


_MID = {
    "TR": "271",
    "GR": "237",
    "LY": "642",
    "EG": "622",
    "TG": "671",
    "SL": "667",
    "PK": "463",
    "IR": "422",
}
_VESSELS = {
    "aegean-crossing": (("TR",), ("Deniz Yildizi", "Mavi Ruzgar", "Ege Yolcusu", "Poyraz 2")),
    "central-mediterranean": (
        ("LY", "EG", "TG", "SL"),
        ("Al Noor", "Sea Star", "Bahr Al Khair", "Al Hayat", "Nour 3", "Fairouz", "Mabrouka"),
    ),
    "makran-coast": (("PK", "IR"), ("Al Madina", "Sea Queen", "Bahar", "Zam Zam", "Al Hussaini")),
}


def _new_vessel(rng: random.Random, world: _World, route: str, leg: int) -> _Vessel:
    flags, names = _VESSELS.get(route, (("TR",), ("Sea Star",)))
    flag = rng.choice(flags)
    mmsi = _unique(world, "mmsi", lambda _: _MID[flag] + f"{rng.randint(100000, 999999)}", "MMSIs")
    imo = None
    if route == "central-mediterranean" and rng.random() < 0.7:
        imo = _unique(world, "imo", lambda _: _imo(rng), "IMO numbers")
    return _Vessel(rng.choice(names), flag, mmsi, imo, leg)


def _imo(rng: random.Random) -> str:
    """Seven digits, the last a check digit as the IMO defines it."""
    head = [rng.choice((7, 8, 9))] + [rng.randrange(10) for _ in range(5)]
    check = sum(d * w for d, w in zip(head, range(7, 1, -1), strict=True)) % 10
    return "".join(map(str, head)) + str(check)


_VEHICLES = {
    "PK": ("Toyota Hiace van", "Suzuki pickup", "Toyota Land Cruiser", "Hino truck"),
    "IR": ("Iran Khodro Samand", "Saipa Pride", "Toyota Hilux", "Mercedes-Benz truck"),
    "TR": ("Ford Transit van", "Fiat Doblo", "refrigerated lorry", "Renault Master van"),
    "LY": ("Toyota Land Cruiser", "Toyota Hilux", "Isuzu truck"),
}
_IR_LETTERS = {"B": "ب", "J": "ج", "D": "د", "S": "س", "T": "ط", "N": "ن", "V": "و", "L": "ل"}
_IR_REGIONS = {"Zahedan": "85", "Taftan": "95", "Maku": "17", "Chabahar": "95"}
_TR_PROVINCES = {"Istanbul": "34", "Van": "65", "Ayvalik": "10"}
_LY_REGIONS = {"Benghazi": "5", "Tobruk": "8"}
_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
_ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def _new_vehicle(rng: random.Random, world: _World, route: str, leg: int) -> _Vehicle:
    place, country = ROUTES[route][leg][0], ROUTES[route][leg][1]
    plate = _plate(rng, world, country, place)
    return _Vehicle(rng.choice(_VEHICLES.get(country, ("van",))), country, plate, leg)


def _plate(rng: random.Random, world: _World, country: str, place: str) -> _Written:
    letters = "ABCDEFGHJKLMNPRSTUVYZ"
    if country == "PK":
        text = _unique(
            world,
            "plate",
            lambda _: f"{rng.choice(('QA', 'QB', 'QC', 'QAA', 'QAB'))}-{rng.randint(100, 9999)}",
            "plates",
        )
        head, tail = text.split("-")
        return _Written(text, (f"{head} {tail}", f"{head}{tail}", text.lower()), ())
    if country == "IR":
        region = _IR_REGIONS.get(place, "11")

        def make_ir(_: int) -> str:
            letter = rng.choice(sorted(_IR_LETTERS))
            return f"{rng.randint(10, 99)} {letter} {rng.randint(100, 999)} - {region}"

        text = _unique(world, "plate", make_ir, "plates")
        two, letter, three, _, reg = text.split(" ")
        persian = f"{two} {_IR_LETTERS[letter]} {three} - {reg}".translate(_PERSIAN_DIGITS)
        easy = (f"{two}{letter}{three}-{reg}", f"{two}-{letter}-{three}-{reg}", text.lower())
        return _Written(text, easy, (persian, f"{two} {letter} {three} Iran {reg}"))
    if country == "TR":
        province = _TR_PROVINCES.get(place, "34")

        def make_tr(_: int) -> str:
            return f"{province} {''.join(rng.sample(letters, 2))} {rng.randint(100, 9999)}"

        text = _unique(world, "plate", make_tr, "plates")
        return _Written(
            text, (text.replace(" ", ""), text.replace(" ", "-"), text.lower()), (f"TR {text}",)
        )
    region = _LY_REGIONS.get(place, "1")
    text = _unique(world, "plate", lambda _: f"{region}-{rng.randint(100000, 999999)}", "plates")
    return _Written(text, (text.replace("-", " "),), (text.translate(_ARABIC_DIGITS),))


# --------------------------------------------------------------------------- names


def _tok(
    latin: str, script: str | None = None, *, hard: str = "", script_hard: bool = False
) -> _Token:
    return _Token(
        latin=tuple(latin.split("|")),
        script=script,
        script_easy=not script_hard,
        hard=tuple(h for h in hard.split("|") if h),
    )


@dataclass(frozen=True)
class _NameTable:
    """Names of one language, romanised the ways the region's agencies do."""

    family: str | None
    """Script of the native spellings: arab, grek or None."""
    honorifics: tuple[_Token, ...]
    """Titles that may precede a name."""
    given: tuple[_Token, ...]
    """Given names."""
    surnames: tuple[_Token, ...]
    """Family or tribal names (or the kunya's "Abu" for Arabic)."""


_HAJI = _tok("Haji|Hajji", "حاجی")
_USTAD = _tok("Ustad|Ustaad", hard="Ostad|استاد")
_ABU = _tok("Abu|Abou", "أبو", script_hard=True)
_NAMES: dict[str, _NameTable] = {
    "ur": _NameTable(
        "arab",
        (_HAJI, _tok("Malik|Malick", "ملک"), _tok("Chaudhry|Choudhry|Chaudhary", "چوہدری"), _USTAD),
        (
            _tok("Nadeem|Nadim", "ندیم"),
            _tok("Zubair|Zubayr|Zobair", "زبیر"),
            _tok("Gul|Gull", "گل"),
            _tok("Mirwais|Mirvais", "میرویس"),
            _tok("Shahzad|Shahzaad", "شہزاد"),
            _tok("Sarfraz|Sarfaraz", "سرفراز"),
            _tok("Tariq|Tarik|Tarique", "طارق"),
            _tok("Javed|Jawed|Javaid", "جاوید"),
            _tok("Akhtar|Akhter", "اختر", script_hard=True),
            _tok("Aslam|Aslum", "اسلم", script_hard=True),
            _tok("Imran|Imraan", "عمران", script_hard=True),
            _tok("Bashir|Basheer", "بشیر"),
            _tok("Qadir|Qader|Kadir", "قادر"),
            _tok("Rashid|Rasheed", "رشید"),
            _tok("Shakeel|Shakil", "شکیل"),
            _tok("Naseer|Nasir", "نصیر"),
            _tok("Waheed|Wahid", "وحید"),
            _tok("Dilawar|Dilavar", "دلاور"),
        ),
        (
            _tok("Baloch|Balouch|Baluch", "بلوچ"),
            _tok("Mengal|Mingal", "مینگل"),
            _tok("Rind|Rinnd", "رند"),
            _tok("Qureshi|Kureishi|Qurayshi", "قریشی"),
            _tok("Butt|Bhatt", "بٹ"),
            _tok("Khan|Khaan", "خان"),
            _tok("Afridi|Afreedi", "آفریدی"),
            _tok("Yousafzai|Yusufzai", "یوسفزئی"),
            _tok("Jatoi|Jatoee", "جتوئی"),
            _tok("Bugti|Bughti", "بگٹی"),
        ),
    ),
    "fa": _NameTable(
        "arab",
        (_HAJI, _USTAD),
        (
            _tok("Mohammad|Muhammad|Mohammed", "محمد"),
            _tok("Gholam|Ghulam", "غلام"),
            _tok("Reza|Raza", "رضا", script_hard=True),
            _tok("Hossein|Hussein|Hosein", "حسین"),
            _tok("Farhad|Farhaad", "فرهاد"),
            _tok("Jamshid|Jamsheed", "جمشید"),
            _tok("Abbas|Abas", "عباس", script_hard=True),
            _tok("Ramin|Rameen", "رامین"),
        ),
        (
            _tok("Karimi|Kareemi", "کریمی"),
            _tok("Shahbazi|Shahbāzi", "شهبازی"),
            _tok("Sultani|Soltani", "سلطانی"),
            _tok("Rahimi|Raheemi", "رحیمی"),
            _tok("Ahmadzai|Ahmadzay", "احمدزی", script_hard=True),
            _tok("Sadiqi|Sadeqi", "صادقی", hard="Sadeghi"),
            _tok("Jafari|Jaafari", "جعفری", script_hard=True),
            _tok("Nazari|Nazary", "نظری", script_hard=True),
            _tok("Tajik|Tajek", "تاجیک"),
            _tok("Haidari|Haideri", "حیدری"),
        ),
    ),
    "ar": _NameTable(
        "arab",
        (_tok("Sheikh|Shaikh|Sheykh", "شيخ"), _tok("Haji|Hajj", "حاجي")),
        (
            _tok("Khalifa|Khalifah|Khaleefa", "خليفة"),
            _tok("Faraj", "فرج", hard="Farag|Faradj"),
            _tok("Osama", "أسامة", script_hard=True, hard="Usama"),
            _tok("Hamza|Hamzah", "حمزة"),
            _tok("Mustafa|Mostafa|Moustafa", "مصطفى"),
            _tok("Suleiman|Sulaiman|Slimane", "سليمان"),
            _tok("Yusuf|Youssef|Yousef", "يوسف"),
            _tok("Idris|Idriss", "إدريس", script_hard=True, hard="Edris"),
            _tok("Ibrahim", "إبراهيم", script_hard=True, hard="Ebrahim"),
        ),
        (
            _tok("Mabrouk|Mabruk", "المبروك", script_hard=True, hard="al-Mabrouk"),
            _tok("Tarhouni|Tarhuni", "الترهوني", script_hard=True),
            _tok("Masri|Masry", "المصري", script_hard=True, hard="el-Masry"),
            _tok("Sudani|Soudani", "السوداني", script_hard=True),
            _tok("Zintani|Zentani", "الزنتاني", script_hard=True),
            _tok("Werfalli|Warfalli", "الورفلي", script_hard=True),
            _tok("Obeidi|Obaidi", "العبيدي", script_hard=True, hard="Ubaydi"),
            _tok("Ghariani|Gharyani", "الغرياني", script_hard=True),
        ),
    ),
    "tr": _NameTable(
        None,
        (_tok("Reis|Rais"), _tok("Hacı|Haci")),  # noqa: RUF001 (Turkish dotless i)
        (
            _tok("Çağlar|Caglar|Chaglar"),
            _tok("Murat|Mourat"),
            _tok("Serkan"),
            _tok("Kemal|Kamal"),
            _tok("Emre"),
            _tok("Burak|Bourak"),
            _tok("Hakan|Hakkan"),
            _tok("Volkan|Wolkan"),
            _tok("Mehmet|Muhammet"),
        ),
        (
            _tok("Yılmaz|Yilmaz", hard="Γιλμάζ"),  # noqa: RUF001 (Turkish dotless i)
            _tok("Doğan|Dogan|Doghan", hard="Ntogan"),
            _tok("Öztürk|Ozturk"),
            _tok("Aslan", hard="Arslan"),
            _tok("Kılıç|Kilic|Kylych"),  # noqa: RUF001 (Turkish dotless i)
            _tok("Demir"),
            _tok("Çelik|Celik|Chelik"),
            _tok("Koç|Koc|Koch"),
            _tok("Şahin|Sahin|Shahin"),
        ),
    ),
    "el": _NameTable(
        "grek",
        (_tok("Kapetan|Kapitan", "Καπετάν"),),
        (
            _tok("Michalis", "Μιχάλης", hard="Mihalis"),
            _tok("Giorgos|Georgios", "Γιώργος", hard="Yiorgos"),
            _tok("Stavros", "Σταύρος"),
            _tok("Nikos", "Νίκος", hard="Nicos"),
            _tok("Dimitris|Dimitrios", "Δημήτρης"),
            _tok("Kostas", "Κώστας", hard="Costas"),
        ),
        (
            _tok("Papadakis|Papadakes", "Παπαδάκης"),
            _tok("Lekkas|Lekas", "Λέκκας"),
            _tok("Manolakis", "Μανωλάκης"),
            _tok("Vasilakis|Vassilakis", "Βασιλάκης"),
            _tok("Karagiannis", "Καραγιάννης", hard="Karayannis"),
            _tok("Doukas", "Δούκας", hard="Ducas"),
        ),
    ),
}
_LANGUAGES_OF_COUNTRY = {
    "PK": ("ur", "ur", "fa"),
    "IR": ("fa", "fa", "ur"),
    "TR": ("tr", "tr", "fa", "ar"),
    "GR": ("tr", "ar", "el"),
    "LY": ("ar", "ar", "ur"),
    "AE": ("ur", "ar"),
}
_SCRIPT_FAMILY = {"ur": "arab", "fa": "arab", "ar": "arab", "el": "grek"}


def _new_alias(rng: random.Random, world: _World, countries: list[str]) -> _Alias:
    languages = [lang for c in countries for lang in _LANGUAGES_OF_COUNTRY.get(c, ("ur",))]
    for attempt in range(600):
        table = _NAMES[rng.choice(languages) if attempt < 300 else rng.choice(sorted(_NAMES))]
        given = rng.choice(table.given)
        if table is _NAMES["ar"] and rng.random() < 0.25:
            words: tuple[_Token, ...] = (_ABU, given)
        else:
            middle = rng.choice(table.given) if attempt > 100 or rng.random() < 0.1 else None
            words = (given, rng.choice(table.surnames))
            if middle is not None and middle != given:
                words = (given, middle, words[1])
        identity = "|".join(sorted(t.latin[0] for t in words))
        if world.registry.claim("alias", identity):
            if words[0] is not _ABU and rng.random() < 0.35:
                words = (rng.choice(table.honorifics), *words)
            return _Alias(words, table.family)
    raise ValueError("scenario too large: ran out of distinct smuggler aliases")


def _alias_text(
    rng: random.Random, k: Knobs, alias: _Alias, language: str, must_be_easy: bool
) -> str:
    """How one agency writes an alias."""
    tokens = alias.tokens
    if not must_be_easy and rng.random() < k.hard_variant:
        return _hard_alias(rng, tokens)
    if (
        alias.family is not None
        and _SCRIPT_FAMILY.get(language) == alias.family
        and all(t.script is not None and t.script_easy for t in tokens)
        and rng.random() < k.native_script
    ):
        return " ".join(t.script or t.latin[0] for t in tokens)
    if rng.random() < k.respell:
        words = [rng.choice(t.latin) for t in tokens]
        if len(words) > 2 and rng.random() < 0.3:
            words = [words[-1], *words[:-1]]
        return " ".join(words)
    return " ".join(t.latin[0] for t in tokens)


def _hard_alias(rng: random.Random, tokens: tuple[_Token, ...]) -> str:
    """A spelling whose name key differs: a hard romanisation, a script quirk, or glued words."""
    options = [
        i for i, t in enumerate(tokens) if t.hard or (t.script is not None and not t.script_easy)
    ]
    words = [t.latin[0] for t in tokens]
    if options and rng.random() < 0.7:
        index = rng.choice(options)
        token = tokens[index]
        scripts = [token.script] if token.script and not token.script_easy else []
        choice = rng.choice([*token.hard, *scripts])
        if choice in scripts and all(t.script for t in tokens):
            return " ".join(t.script or "" for t in tokens)
        words[index] = choice
        return " ".join(words)
    index = rng.randrange(len(words) - 1)
    words[index : index + 2] = [words[index] + words[index + 1].lower()]
    return " ".join(words)


# --------------------------------------------------------------------------- places

#: place -> (romanisations, native spelling by language, hard names by language or "*")
_PLACES: dict[str, tuple[tuple[str, ...], dict[str, str], dict[str, str]]] = {
    "Quetta": (("Quetta", "Kwetta"), {"ur": "کوئٹہ", "fa": "کویته"}, {"*": "Shal"}),
    "Mashkel": (("Mashkel", "Mashkhel", "Mashkil"), {"ur": "ماشکیل", "fa": "ماشکیل"}, {}),
    "Taftan": (("Taftan", "Taftān"), {"ur": "تفتان", "fa": "تفتان"}, {"fa": "Mirjaveh"}),
    "Zahedan": (
        ("Zahedan", "Zāhedān", "Zahidan"),
        {"fa": "زاهدان", "ur": "زاہدان"},
        {"*": "Duzdab"},
    ),
    "Maku": (("Maku", "Makou", "Mākū"), {"fa": "ماکو"}, {"*": "Bazargan"}),
    "Van": (("Van",), {"fa": "وان", "ur": "وان"}, {"*": "Wan"}),
    "Istanbul": (
        ("Istanbul", "İstanbul"),
        {"fa": "استانبول", "ur": "استنبول", "tr": "İstanbul"},
        {"el": "Konstantinoupoli"},
    ),
    "Ayvalik": (
        ("Ayvalik", "Ayvalık", "Aivalik"),  # noqa: RUF001 (Turkish dotless i)
        {"tr": "Ayvalık"},  # noqa: RUF001 (Turkish dotless i)
        {"el": "Αϊβαλί", "*": "Aivali"},
    ),
    "Lesvos": (
        ("Lesvos", "Lesbos", "Lésvos"),
        {"el": "Λέσβος"},
        {"tr": "Midilli", "*": "Mytilene"},
    ),
    "Lahore": (("Lahore", "Lahor"), {"ur": "لاہور", "fa": "لاهور"}, {}),
    "Dubai": (("Dubai", "Dubayy"), {"ur": "دبئی", "fa": "دبی"}, {}),
    "Benghazi": (("Benghazi", "Banghazi", "Bengazi"), {}, {"*": "Bengasi"}),
    "Tobruk": (("Tobruk", "Tubruq", "Tobruq"), {}, {"*": "Tobruch"}),
    "Pylos": (("Pylos", "Pilos"), {"el": "Πύλος"}, {"*": "Navarino"}),
    "Kalamata": (("Kalamata", "Kalamáta"), {"el": "Καλαμάτα"}, {}),
    "Turbat": (("Turbat", "Turbath"), {"ur": "تربت", "fa": "تربت"}, {"*": "Kech"}),
    "Jiwani": (("Jiwani", "Jivani", "Jewani"), {"ur": "جیونی"}, {}),
    "Chabahar": (("Chabahar", "Chah Bahar", "Chābahār"), {"fa": "چابهار", "ur": "چابہار"}, {}),
}


def _place_name(rng: random.Random, k: Knobs, place: str, language: str) -> str:
    latin, native, hard = _PLACES.get(place, ((place,), {}, {}))
    hard_names = [name for lang, name in sorted(hard.items()) if lang in (language, "*")]
    if hard_names and rng.random() < k.hard_variant:
        return rng.choice(hard_names)
    if language in native and rng.random() < k.native_script:
        return native[language]
    if rng.random() < k.respell:
        return rng.choice(latin)
    return place


# --------------------------------------------------------------------------- phones and handles


def _phone_forms(phone: _Phone, home: str | None, language: str) -> tuple[list[str], list[str]]:
    """(reconcilable, hard) ways an agency from ``home`` writes ``phone``; canonical first."""
    number = phonenumbers.parse(phone.e164)
    fmt = phonenumbers.PhoneNumberFormat
    international = phonenumbers.format_number(number, fmt.INTERNATIONAL)
    national = phonenumbers.format_number(number, fmt.NATIONAL)
    spaced = international.replace("-", " ")
    easy = [international, phone.e164, spaced.replace(" ", "-")]
    hard = []
    if home == phone.region:
        digits = re.sub(r"\D", "", national)
        easy = [national, digits, national.replace(" ", "-"), *easy]
        if phone.region == "PK" and digits.startswith("03"):
            easy[0] = f"{digits[:4]}-{digits[4:]}"
            easy.append(f"({digits[:4]}) {digits[4:7]} {digits[7:]}")
        if language in ("ur", "fa"):
            easy.append(national.translate(_PERSIAN_DIGITS))
    else:
        if home in _PHONE_REGION_OF:
            easy += ["00" + spaced[1:], "00" + phone.e164[1:]]
        hard.append(national)
    return easy, hard


def _phone_text(
    rng: random.Random, k: Knobs, phone: _Phone, profile: _Profile, must_be_easy: bool
) -> str:
    easy, hard = _phone_forms(phone, profile.country, profile.language)
    if hard and not must_be_easy and rng.random() < k.hard_variant:
        return rng.choice(hard)
    return rng.choice(easy) if rng.random() < k.respell else easy[0]


def _whatsapp_text(
    rng: random.Random, k: Knobs, phone: _Phone, profile: _Profile, must_be_easy: bool
) -> str:
    """A phone as a WhatsApp account: only forms the correlator recognises as numbers are easy."""
    easy, hard = _phone_forms(phone, profile.country, profile.language)
    easy = [f for f in easy if f.isascii() and not f.startswith("(")]
    hard = [*hard, f"wa.me/{phone.e164[1:]}"]
    if not must_be_easy and rng.random() < k.hard_variant:
        return rng.choice(hard)
    return rng.choice(easy) if rng.random() < k.respell else easy[0]


def _handle_forms(platform: str, name: str) -> tuple[list[str], list[str]]:
    """(reconcilable, hard) ways to write an account; canonical first."""
    display = " ".join(w.capitalize() for w in re.split(r"[._]", name) if w)
    if platform == "telegram":
        return [f"@{name}", f"t.me/{name}", f"https://t.me/{name}", name, f"@{name.title()}"], [
            f"tg://resolve?domain={name}"
        ]
    if platform == "signal":
        return [name, f"@{name}", name.title()], []
    if platform == "facebook":
        easy = [f"facebook.com/{name}", name, f"https://www.facebook.com/{name}", f"fb.com/{name}"]
        return easy, [f"m.facebook.com/{name}", display]
    if platform == "instagram":
        easy = [f"@{name}", f"instagram.com/{name}", f"https://www.instagram.com/{name}/"]
        return easy, [display]
    easy = [f"@{name}", f"tiktok.com/@{name}", f"https://www.tiktok.com/@{name.title()}/"]
    return easy, [display]


def _handle(
    rng: random.Random, k: Knobs, platform: str, name: str, must_be_easy: bool
) -> dict[str, str]:
    easy, hard = _handle_forms(platform, name)
    platform_names = [platform, platform.capitalize(), platform.upper()]
    if hard and not must_be_easy and rng.random() < k.hard_variant:
        return {"platform": platform, "handle": rng.choice(hard)}
    if rng.random() < k.respell:
        return {"platform": rng.choice(platform_names), "handle": rng.choice(easy)}
    return {"platform": platform, "handle": easy[0]}


def _written(rng: random.Random, k: Knobs, value: _Written, must_be_easy: bool) -> str:
    if value.hard and not must_be_easy and rng.random() < k.hard_variant:
        return rng.choice(value.hard)
    if value.easy and rng.random() < k.respell:
        return rng.choice(value.easy)
    return value.canonical


# --------------------------------------------------------------------------- reports


_MODE_TEXT = {
    "LAND_VEHICLE": "by road",
    "ON_FOOT": "on foot",
    "BOAT": "by boat",
    "AIR": "by air",
    "RAIL": "by rail",
    "MIXED": "by air, road and sea",
    "UNKNOWN": "by unknown means",
}
_SEVERITIES = ("LOW", "MEDIUM", "HIGH", "CRITICAL")


def _report(
    rng: random.Random,
    k: Knobs,
    world: _World,
    agency: str,
    subject: _Subject,
    view: list[int],
    carried: list[tuple[str, int]],
    links: set[tuple[str, int]],
    operation: str | None,
) -> _Draft:
    profile = world.profiles[agency]
    observed_from, observed_to = _report_window(rng, k, subject, view)
    route = _waypoints(rng, k, profile, subject.route, view, observed_from, observed_to)
    mode = subject.mode
    if rng.random() < k.mode_disagreement:
        mode = _main_mode(_legs(subject.route)[view[0] : view[-1]]) if len(view) > 1 else "UNKNOWN"
    conveyances, indicators = _identifiers(rng, k, world, profile, subject, carried, links)
    hotline_chance = k.hotline_operations if operation else k.hotline_decoys
    hotline = rng.random() < hotline_chance
    if hotline:
        countries = {ROUTES[subject.route][i][1] for i in view}
        number = HOTLINES["sea" if countries & {"GR", "TR", "LY"} else "land"]
        region = phonenumbers.region_code_for_number(phonenumbers.parse(number)) or "PK"
        phone = _Phone(number, region)
        indicators["phone_numbers"].append(_phone_text(rng, k, phone, profile, True))
    if rng.random() < k.generic_alias:
        indicators["smuggler_aliases"].append(rng.choice(GENERIC_ALIASES))
    persons = _reported_persons(rng, k, subject.persons)
    delay_hours = 6 + 2 * k.skew_hours
    issued_at = observed_to + dt.timedelta(minutes=rng.randint(90, int(delay_hours * 60)))
    severity = subject.severity
    if rng.random() < 0.25:
        level = _SEVERITIES.index(severity) + rng.choice((-1, 1))
        severity = _SEVERITIES[min(max(level, 0), 3)]
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
    document.update(_handling(rng, world, agency))
    document["narrative"] = _narrative(
        rng, profile, route, persons, mode, observed_from, observed_to, hotline
    )
    places = [ROUTES[subject.route][i][0] for i in view]
    station = next((_HCG_STATIONS[p] for p in places if p in _HCG_STATIONS), "PIR")
    return _Draft(agency, operation, document, issued_at, station)


def _report_window(
    rng: random.Random, k: Knobs, subject: _Subject, view: list[int]
) -> tuple[dt.datetime, dt.datetime]:
    """The agency's window: possibly only its share, skewed, but overlapping the real one."""
    begin, end = subject.observed_from, subject.observed_to
    length = len(subject.segment)
    if length > 1 and rng.random() < k.sub_window:
        duration = end - begin
        first = view[0] - subject.segment.start
        last = view[-1] - subject.segment.start
        begin, end = begin + duration * (first / length), begin + duration * ((last + 1) / length)
    skew = dt.timedelta(hours=k.skew_hours)
    begin += skew * rng.uniform(-1.0, 1.0)
    end += skew * rng.uniform(-1.0, 1.0)
    begin = min(begin, subject.observed_to - HOUR)
    end = max(end, subject.observed_from + HOUR, begin + HOUR)
    return _minute(begin), _minute(end)


def _minute(value: dt.datetime) -> dt.datetime:
    return value.replace(second=0, microsecond=0)


def _waypoints(
    rng: random.Random,
    k: Knobs,
    profile: _Profile,
    route: str,
    view: list[int],
    observed_from: dt.datetime,
    observed_to: dt.datetime,
) -> list[dict[str, Any]]:
    points = []
    for position, index in enumerate(view):
        place, country, lat, lon, role = ROUTES[route][index]
        distance = k.jitter_km * math.sqrt(rng.random())
        bearing = rng.uniform(0.0, 2 * math.pi)
        d_lat = distance * math.cos(bearing) / 111.32
        d_lon = distance * math.sin(bearing) / (111.32 * math.cos(math.radians(lat)))
        point: dict[str, Any] = {
            "lat": round(lat + d_lat, profile.precision),
            "lon": round(lon + d_lon, profile.precision),
            "place_name": _place_name(rng, k, place, profile.language),
            "country": country,
            "role": role,
        }
        if rng.random() < 0.3:
            share = (position + 0.5) / len(view)
            point["observed_at"] = format_timestamp(
                _minute(observed_from + (observed_to - observed_from) * share)
            )
        points.append(point)
    return points


def _identifiers(
    rng: random.Random,
    k: Knobs,
    world: _World,
    profile: _Profile,
    subject: _Subject,
    carried: list[tuple[str, int]],
    links: set[tuple[str, int]],
) -> tuple[list[dict[str, Any]], dict[str, list[Any]]]:
    network = subject.network
    conveyances: list[dict[str, Any]] = []
    indicators: dict[str, list[Any]] = {
        "phone_numbers": [],
        "messaging_handles": [],
        "social_media_handles": [],
        "payment_channels": [],
        "smuggler_aliases": [],
    }
    for kind, index in carried:
        easy = (kind, index) in links
        if kind == "phone":
            phone = network.phones[index]
            if rng.random() < 0.3:
                platform = rng.choice(("whatsapp", "whatsapp", "imo"))
                handle = _whatsapp_text(rng, k, phone, profile, easy)
                indicators["messaging_handles"].append({"platform": platform, "handle": handle})
            else:
                indicators["phone_numbers"].append(_phone_text(rng, k, phone, profile, easy))
        elif kind == "messaging":
            platform, name = network.messaging[index]
            indicators["messaging_handles"].append(_handle(rng, k, platform, name, easy))
        elif kind == "social":
            platform, name = network.social[index]
            indicators["social_media_handles"].append(_handle(rng, k, platform, name, easy))
        elif kind == "payment":
            payment = network.payments[index]
            identifier = _written(rng, k, payment.identifier, easy)
            indicators["payment_channels"].append(
                {"method": payment.method, "identifier": identifier}
            )
        elif kind == "alias":
            alias = network.aliases[index]
            indicators["smuggler_aliases"].append(
                _alias_text(rng, k, alias, profile.language, easy)
            )
        elif kind == "vessel" and network.vessel is not None:
            conveyances.append(_vessel_entry(rng, k, network.vessel, easy))
        elif kind == "vehicle" and network.vehicle is not None:
            vehicle = network.vehicle
            conveyances.append(
                {
                    "kind": "VEHICLE",
                    "name": vehicle.description,
                    "registration": _written(rng, k, vehicle.plate, easy),
                    "flag": vehicle.country,
                }
            )
    if rng.random() < k.singleton:
        countries = [ROUTES[subject.route][i][1] for i in subject.segment]
        extra = _new_phone(rng, world, countries)
        indicators["phone_numbers"].append(_phone_text(rng, k, extra, profile, True))
    return conveyances, indicators


def _vessel_entry(rng: random.Random, k: Knobs, vessel: _Vessel, easy: bool) -> dict[str, Any]:
    entry: dict[str, Any] = {"kind": "VESSEL", "name": vessel.name}
    if rng.random() < k.respell:
        entry["name"] = rng.choice((vessel.name.upper(), vessel.name.replace(" ", "-")))
    if not easy and rng.random() < k.hard_variant:
        if vessel.imo is not None:
            entry["imo"] = vessel.imo
    else:
        entry["mmsi"] = vessel.mmsi
        if vessel.imo is not None and rng.random() < 0.6:
            entry["imo"] = vessel.imo
    entry["flag"] = vessel.flag
    return entry


def _reported_persons(rng: random.Random, k: Knobs, persons: int) -> int | None:
    if rng.random() < 0.15:
        return None
    return max(1, round(persons * (1 + rng.uniform(-k.persons_noise, k.persons_noise))))


def _handling(rng: random.Random, world: _World, agency: str) -> dict[str, Any]:
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
            # H3 goes only to named recipients; chosen without a draw, so the rest of
            # the scenario stays the same for a given seed.
            fields["tlp_recipients"] = sorted(a for a in world.agencies if a != agency)[:2]
    return fields


def _narrative(
    rng: random.Random,
    profile: _Profile,
    route: list[dict[str, Any]],
    persons: int | None,
    mode: str,
    observed_from: dt.datetime,
    observed_to: dt.datetime,
    hotline: bool,
) -> str:
    """A short analyst's text, naming places as the report's route does."""
    group = f"a group of about {persons} people" if persons else "a group of unknown size"
    first, last = route[0]["place_name"], route[-1]["place_name"]
    where = f"at {first}" if len(route) == 1 else f"from {first} to {last}"
    moved = "observed" if len(route) == 1 else f"moved {_MODE_TEXT[mode]}"
    text = (
        f"{profile.opener} {group} {moved} {where} between "
        f"{_day(observed_from)} and {_day(observed_to)}."
    )
    extras = [
        "Recruitment through social-media adverts promising work in Europe.",
        "Payment in instalments through hawala.",
        "Migrants were told to delete their messages after departure.",
        "Facilitators collected passports before departure.",
    ]
    if hotline:
        extras = ["A distress call was relayed through the hotline."]
    return f"{text} {rng.choice(extras)}"


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _day(value: dt.datetime) -> str:
    """``2 Nov``, independent of the process locale."""
    return f"{value.day} {_MONTHS[value.month - 1]}"


# --------------------------------------------------------------------------- ids and publishing


def _assign_ids(rng: random.Random, drafts: list[_Draft]) -> list[tuple[_Draft, dict[str, Any]]]:
    """Number each agency's alerts in issue order, the agency's way; documents completed."""
    order = sorted(range(len(drafts)), key=lambda i: (drafts[i].issued_at, i))
    counters: dict[tuple[str, str], int] = {}
    numbered = []
    for i in order:
        draft = drafts[i]
        counter = (draft.agency, draft.station if draft.agency == "GR-HCG" else "")
        seq = counters.get(counter, rng.randint(40, 900)) + rng.randint(1, 3)
        counters[counter] = seq
        document = dict(draft.document)
        document["alert_id"] = _alert_id(draft.agency, seq, draft.issued_at, draft.station)
        numbered.append((draft, document))
    return numbered


def _publish_order(
    rng: random.Random, k: Knobs, numbered: list[tuple[_Draft, dict[str, Any]]]
) -> list[SimulatedAlert]:
    """Originals plus re-sends, revisions and stale re-sends, sorted by publish time."""
    timed: list[tuple[dt.datetime, int, SimulatedAlert]] = []

    def add(draft: _Draft, document: dict[str, Any], kind: str, at: dt.datetime) -> None:
        line = SimulatedAlert(draft.agency, document, draft.operation, kind, at)
        timed.append((at, len(timed), line))

    for draft, document in numbered:
        sent = draft.issued_at + dt.timedelta(minutes=rng.randint(0, 20))
        add(draft, document, "original", sent)
        revised_at = None
        if rng.random() < k.revision:
            revised_at = sent + dt.timedelta(hours=rng.randint(6, 96))
            add(draft, _revision(rng, document, revised_at), "revision", revised_at)
            if rng.random() < k.stale:
                stale_at = revised_at + dt.timedelta(minutes=rng.randint(10, 1440))
                add(draft, copy.deepcopy(document), "stale", stale_at)
        if rng.random() < k.duplicate:
            limit = (revised_at - sent) if revised_at else dt.timedelta(hours=18)
            resent = sent + limit * rng.uniform(0.02, 0.9)
            add(draft, copy.deepcopy(document), "duplicate", resent)
    timed.sort(key=lambda entry: (entry[0], entry[1]))
    return [line for _, _, line in timed]


def _revision(
    rng: random.Random, document: dict[str, Any], issued_at: dt.datetime
) -> dict[str, Any]:
    revised = copy.deepcopy(document)
    revised["revision"] = 2
    revised["issued_at"] = format_timestamp(issued_at)
    persons = document["estimated_persons"] or rng.randint(5, 40)
    change = rng.choice((-1, 1)) * rng.randint(1, max(2, persons // 4))
    revised["estimated_persons"] = max(1, persons + change)
    revised["narrative"] = (
        f"{document['narrative']} Revision 2: head count updated after interviews."
    )
    return revised
