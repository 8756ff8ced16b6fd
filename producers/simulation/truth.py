"""What really happened: the scenario's world and each network's identifiers."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from producers.simulation.accounts import Account, Payment, new_account, new_payment
from producers.simulation.agencies import Profile
from producers.simulation.conveyances import Vehicle, Vessel, new_vehicle, new_vessel
from producers.simulation.gazetteer import ROUTES, leg_modes
from producers.simulation.knobs import Dice
from producers.simulation.name_table import CULTURES_OF_COUNTRY, given_names, surnames
from producers.simulation.names import Alias, honorific_keys
from producers.simulation.phones import SIM_COUNTRIES, Phone, new_phone

T = TypeVar("T")

#: Public numbers many unrelated alerts mention: an NGO's distress line at sea, a ministry hotline.
HOTLINES: dict[str, Phone] = {
    "sea": Phone("GR", "2105234411", True),
    "land": Phone("PK", "518449120", True),
}


class Registry:
    """Identities already handed out, so that no two networks share a private identifier."""

    def __init__(self) -> None:
        self._taken: set[str] = {f"phone:{p.e164}" for p in HOTLINES.values()}

    def unique(
        self, kind: str, make: Callable[[int], T], identity: Callable[[T], str], tries: int = 5000
    ) -> T:
        """``make(attempt)`` until its identity is free; remember it."""
        for attempt in range(tries):
            value = make(attempt)
            key = f"{kind}:{identity(value)}"
            if key not in self._taken:
                self._taken.add(key)
                return value
        raise ValueError(f"scenario too large: ran out of distinct {kind} values")


@dataclass(frozen=True)
class World:
    """Fixed context of one scenario."""

    agencies: tuple[str, ...]
    """Agencies that may report."""
    profiles: dict[str, Profile]
    """Profile of each agency."""
    start: dt.datetime
    """Start of the scenario."""
    busy_week: dt.datetime
    """Monday of the busy week."""
    registry: Registry
    """Identities handed out so far."""
    smugglers: list[Alias] = field(default_factory=list)
    """Names of the operations' smugglers so far (near-miss decoy names imitate them)."""


@dataclass(frozen=True)
class Network:
    """The identifiers of one operation or decoy."""

    phones: tuple[Phone, ...]
    """Mobile numbers."""
    accounts: tuple[Account, ...]
    """Messaging and social-media accounts."""
    payments: tuple[Payment, ...]
    """Where migrants pay."""
    aliases: tuple[Alias, ...]
    """Smugglers' names."""
    vessel: Vessel | None
    """Boat of the sea leg, if any."""
    vehicle: Vehicle | None
    """Vehicle of the road leg, if any."""

    def items(self) -> list[tuple[str, int]]:
        """Every identifier as (kind, index), in a fixed order."""
        found = [("phone", i) for i in range(len(self.phones))]
        found += [("account", i) for i in range(len(self.accounts))]
        found += [("payment", i) for i in range(len(self.payments))]
        found += [("alias", i) for i in range(len(self.aliases))]
        if self.vessel is not None:
            found.append(("vessel", 0))
        if self.vehicle is not None:
            found.append(("vehicle", 0))
        return found


@dataclass(frozen=True)
class Subject:
    """What is reported: an operation, or the event behind a decoy."""

    route: str
    """Route name."""
    segment: range
    """Route indices involved."""
    arrivals: tuple[dt.datetime, ...]
    """When the group reached each waypoint of the segment; one more entry: when it ended."""
    mode: str
    """Main transport mode."""
    network: Network
    """Identifiers."""
    persons: int
    """Real head count."""
    flags: tuple[str, ...]
    """Real vulnerability flags."""
    severity: str
    """Real severity."""

    @property
    def observed_from(self) -> dt.datetime:
        """Start of the operation."""
        return self.arrivals[0]

    @property
    def observed_to(self) -> dt.datetime:
        """End of the operation."""
        return self.arrivals[-1]


def new_network(dice: Dice, world: World, route: str, segment: range, decoy: bool) -> Network:
    """Fresh identifiers for an operation (several of each) or a decoy (a few, by chance)."""
    rng = dice.rng
    points = ROUTES[route]
    countries = [points[i][1] for i in segment]

    def count(low: int, high: int, chance: float) -> int:
        if decoy:
            return 1 if rng.random() < chance else 0
        return rng.randint(low, high)

    def phone(_: int) -> Phone:
        sims = [c for country in countries for c in SIM_COUNTRIES.get(country, ("PK",))]
        return new_phone(rng, rng.choice(sims), dice.happens("phone_invalid"))

    def unique_phone() -> Phone:
        return world.registry.unique("phone", phone, lambda p: p.e164)

    phones = tuple(unique_phone() for _ in range(count(1, 2, 0.6)))

    def unique_account(social: bool) -> Account:
        return world.registry.unique(
            "account", lambda attempt: new_account(rng, social, attempt), _account_id
        )

    kinds = [False] * count(1, 2, 0.4) + [True] * count(0, 1, 0.3)
    accounts = tuple(unique_account(social) for social in kinds)
    payments = tuple(
        world.registry.unique(
            "payment",
            lambda a: new_payment(rng, rng.choice(countries), unique_phone(), a),
            lambda p: p.value,
        )
        for _ in range(count(1, 2, 0.3))
    )
    aliases = tuple(new_alias(rng, world, countries) for _ in range(count(1, 3, 0.4)))
    vessel = vehicle = None
    boat_leg = leg_of(route, segment, "BOAT")
    if boat_leg is not None and (not decoy or rng.random() < 0.5):
        vessel = world.registry.unique(
            "vessel", lambda _: new_vessel(rng, route, boat_leg), lambda v: f"{v.mmsi}/{v.imo}"
        )
    road_leg = leg_of(route, segment, "LAND_VEHICLE")
    if road_leg is not None and (not decoy or rng.random() < 0.4):
        place, country = points[road_leg][0], points[road_leg][1]
        vehicle = world.registry.unique(
            "plate", lambda _: new_vehicle(rng, country, place, road_leg), lambda v: v.plate
        )
    return Network(phones, accounts, payments, aliases, vessel, vehicle)


def _account_id(account: Account) -> str:
    return "".join(c for c in account.handle.casefold() if c.isalnum())


def new_alias(rng: random.Random, world: World, countries: list[str]) -> Alias:
    """A smuggler's own name, of a culture active there, that nobody else in the scenario has."""
    cultures = [c for country in countries for c in CULTURES_OF_COUNTRY.get(country, ("pk",))]

    def make(attempt: int) -> Alias:
        culture = rng.choice(cultures)
        given = [rng.choice(given_names(culture))]
        if attempt > 20 or rng.random() < 0.15:
            given.append(rng.choice(given_names(culture)))
        words = (*given, rng.choice(surnames(culture)))
        honorific = rng.choice(honorific_keys()) if rng.random() < 0.3 else None
        return Alias(words, honorific)

    return world.registry.unique("alias", make, lambda a: "|".join(a.words))


def leg_of(route: str, segment: range, mode: str) -> int | None:
    """Route index where the first ``mode`` leg touching ``segment`` starts."""
    legs = leg_modes(route)
    for i in range(max(segment.start - 1, 0), min(segment.stop, len(legs))):
        inside = i in segment and i + 1 in segment
        touching = len(segment) == 1 and segment.start in (i, i + 1)
        if legs[i] == mode and (inside or touching):
            return i
    return None
