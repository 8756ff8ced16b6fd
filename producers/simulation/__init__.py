"""Labelled, seeded correlation scenarios: several agencies report the same smuggling operations.

:func:`simulate` makes up smuggling *operations* along the region's routes. Two
to four agencies report each one, each the leg it saw, when it saw it, and each
writes what it knows its own way: its own alert ids, number formats, name
transliterations and scripts, place names, landmarks and clock. Unrelated
*decoy* alerts are mixed in; they share busy ports, the same weeks, public
hotlines, common names and boat names with the rest. The labels say which
alerts report the same operation, so a correlator can be scored against them.

The reporting model (what varies, how often, at which difficulty) is
documented in docs/correlation.md, "Reporting model", and its rates live in
:mod:`producers.simulation.knobs`. The model does not know how the correlator
matches: nothing here imports from ``streams``. The function is pure and
seeded: the same arguments give byte-identical output.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence

from producers.simulation.agencies import profile_of
from producers.simulation.gazetteer import BUSY_PLACES
from producers.simulation.knobs import Dice, Knobs, knobs
from producers.simulation.name_table import COMMON_NAMES
from producers.simulation.operations import decoy, operation
from producers.simulation.publishing import assign_ids, publish_order
from producers.simulation.report import Draft
from producers.simulation.scenario import (
    LABELS_FILE,
    LABELS_FORMAT,
    OperationTruth,
    Scenario,
    ScenarioStats,
    SimulatedAlert,
)
from producers.simulation.truth import HOTLINES, Registry, World
from schemas.validation import is_agency_id

__all__ = [
    "BUSY_PLACES",
    "COMMON_NAMES",
    "DEFAULT_AGENCIES",
    "DEFAULT_START",
    "HOTLINES",
    "LABELS_FILE",
    "LABELS_FORMAT",
    "Knobs",
    "OperationTruth",
    "Scenario",
    "ScenarioStats",
    "SimulatedAlert",
    "knobs",
    "simulate",
]

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
    dice = Dice(random.Random(seed), knobs(difficulty))
    world = World(
        agencies=tuple(agencies),
        profiles={a: profile_of(a) for a in agencies},
        start=start.astimezone(dt.UTC),
        busy_week=_busy_week(start),
        registry=Registry(),
    )
    drafts: list[Draft] = []
    truths: list[OperationTruth] = []
    width = max(3, len(str(operations)))
    for number in range(1, operations + 1):
        truth, reports = operation(dice, world, f"OP-{number:0{width}d}")
        truths.append(truth)
        drafts.extend(reports)
    drafts.extend(decoy(dice, world) for _ in range(decoys))
    lines = publish_order(dice, assign_ids(dice.rng, drafts))
    return Scenario(
        seed=seed,
        difficulty=difficulty,
        agencies=tuple(agencies),
        alerts=tuple(lines),
        operations=tuple(truths),
        variants=tuple((v, tried, hit) for v, (tried, hit) in dice.rates().items()),
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
    day = start.astimezone(dt.UTC) + dt.timedelta(days=7)
    monday = day - dt.timedelta(days=day.weekday())
    return monday.replace(hour=0, minute=0, second=0, microsecond=0)
