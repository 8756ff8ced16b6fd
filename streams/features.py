"""What correlation needs of an alert, extracted once: identifiers, names, places, times.

Everything an alert can be linked by becomes a *blocking key* (``kind:value``).
Two alerts are compared only when they share a key, and a key shared by too
many alerts stops counting (see ``streams.correlator``). Geographic keys carry
the ISO week, so "the same port" only meets "the same port in the same week".
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass
from typing import Any

from schemas.topics import message_key
from streams.indicators import alert_indicators
from streams.names import name_key

#: Grid cell size in degrees (about 22 km of latitude); two grids offset by half a cell
#: so that two points a few km apart share a cell in at least one of them.
CELL_DEG = 0.2
WEEK_MS = 7 * 24 * 3600 * 1000


@dataclass(frozen=True)
class Place:
    """One waypoint, as correlation sees it."""

    lat: float
    """Latitude, degrees."""
    lon: float
    """Longitude, degrees."""
    name: str
    """Place name as written by the originator."""
    name_key: str
    """Transliteration-tolerant key of the name."""
    country: str
    """ISO country code."""
    role: str
    """Waypoint role (ORIGIN, TRANSIT, ...)."""


@dataclass(frozen=True)
class AlertFeatures:
    """The correlation-relevant facts of one alert revision."""

    key: str
    """``AGENCY:alert_id``."""
    agency: str
    """Originating agency."""
    alert_id: str
    """The originator's alert id."""
    revision: int
    """Revision these features come from."""
    observed_from_ms: int
    """Start of the observation window (epoch ms)."""
    observed_to_ms: int
    """End of the observation window (epoch ms)."""
    transport_mode: str
    """Transport mode symbol."""
    places: tuple[Place, ...]
    """Waypoints in route order."""
    identifiers: tuple[tuple[str, str], ...]
    """Normalised strong identifiers and alias keys as ``(kind, value)``, sorted."""
    tlp: str
    """The originator's TLP."""
    tlp_recipients: tuple[str, ...]
    """Named recipients for TLP:RED."""
    handling_code: str
    """Handling code H0-H3."""

    def blocking_keys(self) -> frozenset[str]:
        """Every key this alert can be found by."""
        keys = {f"{kind}:{value}" for kind, value in self.identifiers}
        for index in range(len(self.places)):
            keys.update(self.place_keys(index))
        return frozenset(keys)

    def place_keys(self, index: int) -> frozenset[str]:
        """Keys of waypoint ``index``: grid cells (two offset grids) times observed weeks."""
        place = self.places[index]
        weeks = range(self.observed_from_ms // WEEK_MS, self.observed_to_ms // WEEK_MS + 1)
        cells = (
            ("a", math.floor(place.lat / CELL_DEG), math.floor(place.lon / CELL_DEG)),
            (
                "b",
                math.floor(place.lat / CELL_DEG + 0.5),
                math.floor(place.lon / CELL_DEG + 0.5),
            ),
        )
        return frozenset(f"geo:{g}{i}/{j}@{w}" for g, i, j in cells for w in weeks)

    def to_json(self) -> bytes:
        """Compact JSON, for the correlation topic and table."""
        doc = {
            "key": self.key,
            "agency": self.agency,
            "alert_id": self.alert_id,
            "revision": self.revision,
            "from": self.observed_from_ms,
            "to": self.observed_to_ms,
            "mode": self.transport_mode,
            "places": [[p.lat, p.lon, p.name, p.name_key, p.country, p.role] for p in self.places],
            "ids": [list(pair) for pair in self.identifiers],
            "tlp": self.tlp,
            "tlp_recipients": list(self.tlp_recipients),
            "handling": self.handling_code,
        }
        return json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> AlertFeatures:
        """Inverse of :meth:`to_json`."""
        doc = json.loads(raw)
        return cls(
            key=doc["key"],
            agency=doc["agency"],
            alert_id=doc["alert_id"],
            revision=doc["revision"],
            observed_from_ms=doc["from"],
            observed_to_ms=doc["to"],
            transport_mode=doc["mode"],
            places=tuple(
                Place(lat=p[0], lon=p[1], name=p[2], name_key=p[3], country=p[4], role=p[5])
                for p in doc["places"]
            ),
            identifiers=tuple((kind, value) for kind, value in doc["ids"]),
            tlp=doc["tlp"],
            tlp_recipients=tuple(doc["tlp_recipients"]),
            handling_code=doc["handling"],
        )


def _ms(value: dt.datetime) -> int:
    return int(value.timestamp() * 1000)


def features_of(alert: dict[str, Any]) -> AlertFeatures:
    """Extract the features of a verified alert datum (as decoded from Avro)."""
    identifiers = sorted((i.kind, i.value) for i in alert_indicators(alert))
    return AlertFeatures(
        key=message_key(alert["agency"], alert["alert_id"]).decode(),
        agency=alert["agency"],
        alert_id=alert["alert_id"],
        revision=alert["revision"],
        observed_from_ms=_ms(alert["observed_from"]),
        observed_to_ms=_ms(alert["observed_to"]),
        transport_mode=alert["transport_mode"],
        places=tuple(
            Place(
                lat=p["lat"],
                lon=p["lon"],
                name=p["place_name"],
                name_key=name_key(p["place_name"]),
                country=p["country"],
                role=p["role"],
            )
            for p in alert["route"]
        ),
        identifiers=tuple(identifiers),
        tlp=alert["tlp"],
        tlp_recipients=tuple(alert["tlp_recipients"]),
        handling_code=alert["handling_code"],
    )
