"""What correlation needs of an alert, extracted once: identifiers, names, places, times.

Features travel as compact JSON on the correlation topic and in its table. What
can be recomputed from them (name tokens, blocking keys) is derived on load.

Blocking keys (``kind:value``) decide which alerts are compared at all: an
exact identifier, its one-edit neighbourhood (``kind~value`` with one character
deleted, so a typo, a dropped or an extra digit still meets the original), the
last seven digits of a phone (``phone>``, for numbers written without area or
operator code) and the phonetic keys of uncommon name tokens. Places and time
are never blocking keys: they only weigh in once two alerts are compared, so
there is no grid cell or calendar week to fall on the wrong side of.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from schemas.topics import message_key
from streams.gazetteer import resolve
from streams.indicators import alert_indicators
from streams.names import NameToken, name_tokens, split_aliases

#: Identifier kinds whose one-edit neighbourhood is indexed (long enough to make it rare).
FUZZY_KINDS = frozenset({"phone", "handle", "payment", "agent", "plate"})
FUZZY_MIN_LENGTH = 6
PHONE_TAIL = 7


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
    """Gazetteer id of the name (``streams.gazetteer``), or "" when not listed."""
    country: str
    """ISO country code."""
    role: str
    """Waypoint role (ORIGIN, TRANSIT, ...)."""


def deletions(value: str) -> set[str]:
    """``value`` and every string one character shorter (symmetric-deletion neighbourhood)."""
    return {value} | {value[:i] + value[i + 1 :] for i in range(len(value))}


def near_keys(kind: str, value: str) -> set[str]:
    """Keys two values of ``kind`` one edit apart always share (symmetric deletion)."""
    if len(value) < FUZZY_MIN_LENGTH:
        return set()
    return {f"{kind}~{v}" for v in deletions(value)}


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
    identifiers: tuple[tuple[str, str, str], ...]
    """Normalised identifiers as ``(kind, value, context)``, sorted (see ``Indicator``)."""
    tlp: str
    """The originator's TLP."""
    tlp_recipients: tuple[str, ...]
    """Named recipients for TLP:RED."""
    handling_code: str
    """Handling code H0-H3."""
    aliases: tuple[str, ...] = field(default=())
    """Smuggler aliases as written."""

    @cached_property
    def alias_tokens(self) -> tuple[tuple[str, tuple[NameToken, ...]], ...]:
        """Each alias with its tokens (aliases without tokens left out)."""
        return tuple((a, t) for a, t in ((a, name_tokens(a)) for a in self.aliases) if t)

    @cached_property
    def ids_by_kind(self) -> dict[str, tuple[tuple[str, str], ...]]:
        """``kind -> ((value, context), ...)``, for comparisons."""
        found: dict[str, list[tuple[str, str]]] = {}
        for kind, value, context in self.identifiers:
            found.setdefault(kind, []).append((value, context))
        return {kind: tuple(values) for kind, values in found.items()}

    @cached_property
    def keys(self) -> frozenset[str]:
        """Every blocking key of this alert."""
        keys: set[str] = set()
        for kind, value, _ in self.identifiers:
            keys.add(f"{kind}:{value}")
            if kind in FUZZY_KINDS:
                keys.update(near_keys(kind, value))
            if kind == "phone" and len(value) >= PHONE_TAIL:
                keys.add(f"phone>{value[-PHONE_TAIL:]}")
        for _, tokens in self.alias_tokens:
            for token in tokens:
                keys.update(token.index_keys)
        return frozenset(keys)

    def blocking_keys(self) -> frozenset[str]:
        """Every key this alert can be found by."""
        return self.keys

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
            "ids": [list(triple) for triple in self.identifiers],
            "aliases": list(self.aliases),
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
            identifiers=tuple(
                (entry[0], entry[1], entry[2] if len(entry) > 2 else "") for entry in doc["ids"]
            ),
            aliases=tuple(doc.get("aliases", ())),
            tlp=doc["tlp"],
            tlp_recipients=tuple(doc["tlp_recipients"]),
            handling_code=doc["handling"],
        )


def _ms(value: dt.datetime) -> int:
    return int(value.timestamp() * 1000)


def place_of(point: dict[str, Any]) -> Place:
    """A route waypoint as correlation sees it, its name resolved in the gazetteer."""
    listed = resolve(point["place_name"])
    return Place(
        lat=point["lat"],
        lon=point["lon"],
        name=point["place_name"],
        name_key=listed.place_id if listed is not None else "",
        country=point["country"],
        role=point["role"],
    )


def features_of(alert: dict[str, Any]) -> AlertFeatures:
    """Extract the features of a verified alert datum (as decoded from Avro)."""
    identifiers = sorted((i.kind, i.value, i.context) for i in alert_indicators(alert))
    return AlertFeatures(
        key=message_key(alert["agency"], alert["alert_id"]).decode(),
        agency=alert["agency"],
        alert_id=alert["alert_id"],
        revision=alert["revision"],
        observed_from_ms=_ms(alert["observed_from"]),
        observed_to_ms=_ms(alert["observed_to"]),
        transport_mode=alert["transport_mode"],
        places=tuple(place_of(p) for p in alert["route"]),
        identifiers=tuple(identifiers),
        aliases=tuple(
            dict.fromkeys(
                name
                for field in alert["indicators"]["smuggler_aliases"]
                for name in split_aliases(field)
            )
        ),
        tlp=alert["tlp"],
        tlp_recipients=tuple(alert["tlp_recipients"]),
        handling_code=alert["handling_code"],
    )
