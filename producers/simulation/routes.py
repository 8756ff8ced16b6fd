"""Which part of a route an operation covers, which agencies can see it, and what each reports."""

from __future__ import annotations

import random
from collections.abc import Sequence

from producers.simulation.agencies import Profile
from producers.simulation.gazetteer import ROUTES, leg_modes
from producers.simulation.knobs import Dice
from producers.simulation.truth import World


def main_mode(legs: Sequence[str]) -> str:
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


def segment_legs(route: str, segment: range) -> tuple[str, ...]:
    return leg_modes(route)[segment.start : segment.stop - 1]


def coverage_view(profile: Profile, route: str, segment: range) -> list[int]:
    """Waypoints of ``segment`` the agency can see: its countries, across sea legs and borders."""
    if profile.coverage is None:
        return list(segment)
    points, legs = ROUTES[route], leg_modes(route)
    seen = {i for i in segment if points[i][1] in profile.coverage}
    reach = set()
    for i in seen:
        for j in (i - 1, i + 1):
            if j in segment and (legs[min(i, j)] == "BOAT" or points[j][4] == "BORDER_CROSSING"):
                reach.add(j)
    return sorted(seen | reach)


def slice_view(rng: random.Random, view: list[int], longest: int) -> list[int]:
    length = rng.randint(1, max(1, min(longest, len(view))))
    first = rng.randint(0, len(view) - length)
    return view[first : first + length]


def report_view(dice: Dice, profile: Profile, route: str, segment: range) -> list[int]:
    """The waypoints an agency reports: what it sees, an international body a stretch of it."""
    rng = dice.rng
    view = coverage_view(profile, route, segment) or list(segment)
    if profile.coverage is None and len(view) > 1 and rng.random() < 0.5:
        view = slice_view(rng, view, len(view))
    if len(view) > 1 and dice.happens("trim_view"):
        view = slice_view(rng, view, len(view) - 1)
    return view


def pick_segment(rng: random.Random, world: World) -> tuple[str, range, list[str]]:
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
        plausible = [a for a in world.agencies if coverage_view(world.profiles[a], route, segment)]
        if len(plausible) >= 2:
            return route, segment, plausible
    return route, segment, list(world.agencies)


def choose_agencies(
    rng: random.Random, world: World, plausible: list[str], wanted: int
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


def point_mode(route: str, index: int) -> str:
    legs = leg_modes(route)
    touching = [legs[i] for i in (index - 1, index) if 0 <= i < len(legs)]
    return "BOAT" if "BOAT" in touching else main_mode(touching)
