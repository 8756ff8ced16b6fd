"""A route as STIX: one ``location`` per place and a relationship from each to the next."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import stix2

from consumers.stix.ids import stix_id

#: relationship_type from one place of a route to the next (a Corridor term: STIX has none).
ROUTE_NEXT = "route-continues-to"


@dataclass(frozen=True)
class Place:
    """One place of a route, from an alert's waypoint or an incident's merged route."""

    name: str
    """The place name as written."""
    country: str
    """ISO 3166-1 alpha-2 code."""
    lat: float
    """WGS84 latitude."""
    lon: float
    """WGS84 longitude."""
    description: str
    """What the place is on the route (roles, who reported it)."""


@dataclass(frozen=True)
class Authorship:
    """What every object of one delivery shares."""

    key: str
    """The signed name the ids derive from (an alert key, or an incident id and version)."""
    created: dt.datetime
    """``created`` and ``modified`` of every object: a signed time of the delivery."""
    created_by_ref: str
    """The originator's identity."""
    marking_refs: list[str]
    """``object_marking_refs``: TLP 2.0 and handling code."""

    def common(self) -> dict[str, Any]:
        """Keyword arguments every SDO and SRO of the delivery gets."""
        return {
            "created": self.created,
            "modified": self.created,
            "created_by_ref": self.created_by_ref,
            "object_marking_refs": self.marking_refs,
        }


def route_objects(places: Sequence[Place], who: Authorship) -> list[Any]:
    """The locations of ``places`` in order, then one relationship per leg."""
    locations = [
        stix2.Location(
            id=stix_id("location", who.key, str(index)),
            name=place.name,
            country=place.country,
            latitude=place.lat,
            longitude=place.lon,
            description=place.description,
            **who.common(),
        )
        for index, place in enumerate(places)
    ]
    legs = [
        stix2.Relationship(
            id=stix_id("relationship", who.key, "route", str(index)),
            relationship_type=ROUTE_NEXT,
            source_ref=locations[index].id,
            target_ref=locations[index + 1].id,
            description=f"leg {index + 1} of the route",
            **who.common(),
        )
        for index in range(len(locations) - 1)
    ]
    return [*locations, *legs]
