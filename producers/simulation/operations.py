"""Operations and decoys: what happens, who reports which leg, and what each report carries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from producers.simulation.gazetteer import BUSY_PLACES, ROUTES
from producers.simulation.knobs import Dice
from producers.simulation.name_table import SURNAME_CULTURE, given_names, surnames
from producers.simulation.names import Alias
from producers.simulation.report import Draft, Extras, common_name, draft_report
from producers.simulation.routes import (
    choose_agencies,
    coverage_view,
    main_mode,
    pick_segment,
    point_mode,
    report_view,
    segment_legs,
)
from producers.simulation.scenario import OperationTruth
from producers.simulation.truth import Subject, World, new_network

#: Operations start within this many days of the scenario's start.
SCENARIO_DAYS = 28
FLAGS = (
    "MINORS",
    "UNACCOMPANIED_MINORS",
    "PREGNANT_WOMEN",
    "MEDICAL_NEEDS",
    "DISABILITY",
    "ELDERLY",
    "SUSPECTED_TRAFFICKING_VICTIMS",
)


@dataclass(frozen=True)
class Slot:
    """One alert an agency files about an operation: its agency and the waypoints it covers."""

    agency: str
    """Reporting agency."""
    view: list[int]
    """Route indices it reports."""


def operation(dice: Dice, world: World, op_id: str) -> tuple[OperationTruth, list[Draft]]:
    """One operation and the 2-4 agencies' reports of it (some agencies file two)."""
    rng = dice.rng
    route, segment, plausible = pick_segment(rng, world)
    agencies = choose_agencies(rng, world, plausible, rng.choice((2, 2, 3, 3, 3, 4)))
    subject = new_subject(dice, world, route, segment, dice.happens("busy_week_operations"), False)
    world.smugglers.extend(subject.network.aliases)
    slots: list[Slot] = []
    for agency in agencies:
        view = report_view(dice, world.profiles[agency], route, segment)
        if len(view) > 1 and dice.happens("followup_alert"):
            cut = rng.randrange(1, len(view))
            slots += [Slot(agency, view[:cut]), Slot(agency, view[cut:])]
        else:
            slots.append(Slot(agency, view))
    eligible = [_eligible(subject, world, slot) for slot in slots]
    carried = link_plan(dice, eligible)
    drafts = []
    for slot, items in zip(slots, carried, strict=True):
        names = (common_name(dice),) if dice.happens("common_name") else ()
        extras = Extras(dice.happens("hotline_operations"), names)
        drafts.append(
            draft_report(dice, world, slot.agency, subject, slot.view, items, extras, op_id)
        )
    truth = OperationTruth(
        operation=op_id,
        route=route,
        places=tuple(ROUTES[route][i][0] for i in segment),
        transport_mode=subject.mode,
        observed_from=subject.observed_from,
        observed_to=subject.observed_to,
    )
    return truth, drafts


def _eligible(subject: Subject, world: World, slot: Slot) -> list[tuple[str, int]]:
    """Identifiers the agency can know: a boat or vehicle only if it sees its leg."""
    anywhere = world.profiles[slot.agency].coverage is None
    found = []
    for kind, index in subject.network.items():
        conveyance = subject.network.vessel if kind == "vessel" else subject.network.vehicle
        unseen = conveyance is not None and not {conveyance.leg, conveyance.leg + 1} & set(
            slot.view
        )
        if kind in ("vessel", "vehicle") and not anywhere and unseen:
            continue
        found.append((kind, index))
    return found


def link_plan(dice: Dice, eligible: list[list[tuple[str, int]]]) -> list[list[tuple[str, int]]]:
    """Which identifiers each report carries.

    Each is kept at ``keep_identifier``; then a random spanning tree over the
    reports makes each share at least one underlying identifier with an earlier
    one (a name only, at ``alias_link``). How each side writes it is not forced.
    """
    rng = dice.rng
    order = list(range(len(eligible)))
    rng.shuffle(order)
    carried = [{i for i in items if dice.happens("keep_identifier")} for items in eligible]
    for position in range(1, len(order)):
        a, b = order[position], order[rng.randrange(position)]
        common = [i for i in eligible[a] if i in eligible[b]]
        aliases = [i for i in common if i[0] == "alias"]
        strong = [i for i in common if i[0] != "alias"]
        pool = aliases if aliases and (not strong or dice.happens("alias_link")) else strong
        link = rng.choice(pool)
        carried[a].add(link)
        carried[b].add(link)
    return [[i for i in items if i in carried[n]] for n, items in enumerate(eligible)]


def new_subject(
    dice: Dice, world: World, route: str, segment: range, busy: bool, decoy: bool
) -> Subject:
    """What happened: timeline, network, head count, flags and severity."""
    rng = dice.rng
    legs = segment_legs(route, segment)
    mode = main_mode(legs) if legs else point_mode(route, segment.start)
    arrivals = _timeline(dice, world, len(segment), busy, decoy)
    network = new_network(dice, world, route, segment, decoy)
    sea = mode in ("BOAT", "MIXED")
    if sea and route == "central-mediterranean":
        persons = rng.randint(80, 650)
    elif sea:
        persons = rng.randint(12, 60)
    elif mode == "AIR":
        persons = rng.randint(2, 10)
    else:
        persons = rng.randint(5, 40)
    flags = tuple(sorted(rng.sample(FLAGS, rng.randint(0, 3))))
    if persons > 200 or (sea and "UNACCOMPANIED_MINORS" in flags):
        severity = "CRITICAL"
    elif sea or persons > 30:
        severity = "HIGH"
    else:
        severity = rng.choice(("LOW", "MEDIUM", "MEDIUM"))
    return Subject(route, segment, arrivals, mode, network, persons, flags, severity)


def _timeline(
    dice: Dice, world: World, waypoints: int, busy: bool, decoy: bool
) -> tuple[dt.datetime, ...]:
    """Arrival at each waypoint and the end: 2 days to ``max_operation_days`` (decoys: hours)."""
    rng = dice.rng
    if decoy:
        total = dt.timedelta(hours=rng.randint(6, 60))
    else:
        total = dt.timedelta(hours=rng.uniform(48, 24 * max(2.0, dice.k.max_operation_days)))
    if busy:
        middle = world.busy_week + dt.timedelta(hours=rng.uniform(0, 6 * 24))
        begin = middle - total / 2
    else:
        begin = world.start + dt.timedelta(hours=rng.uniform(0, SCENARIO_DAYS * 24))
    weights = [rng.uniform(0.5, 2.0) for _ in range(waypoints)]
    arrivals, elapsed = [begin], 0.0
    for weight in weights:
        elapsed += weight
        arrivals.append(begin + total * (elapsed / sum(weights)))
    if not decoy and waypoints > 1 and dice.happens("week_boundary"):
        j = rng.randrange(1, waypoints)
        at = arrivals[j]
        monday = (at + dt.timedelta(days=7 - at.weekday())).replace(hour=0, minute=0, second=0)
        shift = monday + dt.timedelta(hours=rng.uniform(-8, 8)) - at
        arrivals = [a + shift for a in arrivals]
    return tuple(arrivals)


def decoy(dice: Dice, world: World) -> Draft:
    """An unrelated alert: often at a busy place in the busy week, often with the hotline."""
    rng = dice.rng
    routes = sorted(ROUTES)
    busy = [(r, i) for r in routes for i, point in enumerate(ROUTES[r]) if point[0] in BUSY_PLACES]
    if dice.happens("busy_place_decoys"):
        route, index = rng.choice(busy)
    else:
        route = rng.choice(routes)
        index = rng.randrange(len(ROUTES[route]))
    segment = range(
        max(0, index - rng.randint(0, 1)),
        min(len(ROUTES[route]) - 1, index + rng.randint(0, 1)) + 1,
    )
    candidates = [
        a for a in world.agencies if index in coverage_view(world.profiles[a], route, segment)
    ] or list(world.agencies)
    agency = choose_agencies(rng, world, candidates, 1)[0]
    subject = new_subject(dice, world, route, segment, dice.happens("busy_week_decoys"), True)
    view = coverage_view(world.profiles[agency], route, segment) or list(segment)
    slot = Slot(agency, view)
    names: list[Alias] = []
    if dice.happens("common_name"):
        names.append(common_name(dice))
    if world.smugglers and dice.happens("near_miss_name"):
        other = near_miss(dice, world, rng.choice(world.smugglers))
        names += [other] if other is not None else []
    extras = Extras(dice.happens("hotline_decoys"), tuple(names))
    return draft_report(
        dice, world, agency, subject, view, _eligible(subject, world, slot), extras, None
    )


def near_miss(dice: Dice, world: World, alias: Alias) -> Alias | None:
    """Another person whose name is one word away from ``alias`` (Tariq Baloch vs Tariq Bugti)."""
    rng = dice.rng

    def make(_: int) -> Alias:
        words = list(alias.words)
        i = rng.randrange(len(words))
        culture = SURNAME_CULTURE[words[-1]]
        pool = surnames(culture) if i == len(words) - 1 else given_names(culture)
        words[i] = rng.choice([w for w in pool if w != words[i]])
        return Alias(tuple(words), alias.honorific)

    try:
        return world.registry.unique("alias", make, lambda a: "|".join(a.words), tries=50)
    except ValueError:
        return None  # every neighbour of this name is someone's already
