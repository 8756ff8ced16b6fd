"""An incident's content from its member alerts and the links between them (pure).

The content depends only on the members and their links, never on the order
they arrived in: ids, route, shared indicators, confidence and explanation are
all derived from sorted data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections import Counter
from collections.abc import Iterable
from typing import Any

from schemas.marking import Release
from streams.features import AlertFeatures, Place
from streams.scoring import Link

ACTIVE = "ACTIVE"
MERGED = "MERGED"
WITHDRAWN = "WITHDRAWN"

ROLE_ORDER = ("ORIGIN", "TRANSIT", "BORDER_CROSSING", "DEPARTURE_POINT", "DESTINATION")
#: Waypoints of different alerts closer than this are one place of the merged route.
SAME_PLACE_KM = 15.0
_SAME_PLACE_DEG = SAME_PLACE_KM / 111.0 + 0.01
_IDENTIFIER_LABELS = {
    "phone": "phone",
    "phone~": "phone (one digit apart or partial)",
    "handle~": "account (one character apart)",
    "payment~": "payment channel (one character apart)",
    "agent": "payment agent",
    "agent~": "payment agent (one character apart)",
    "plate~": "vehicle plate (one character apart)",
    "name": "alias",
    "time": "observed",
    "imo": "vessel IMO",
    "mmsi": "vessel MMSI",
    "handle": "account",
    "payment": "payment channel",
    "plate": "vehicle plate",
    "alias": "alias",
    "place": "route points",
}


def incident_id(members: Iterable[str]) -> str:
    """Deterministic id: derived from the smallest member key, so it survives growth."""
    anchor = min(members)
    return "INC-" + hashlib.sha256(anchor.encode()).hexdigest()[:12].upper()


def distance_km(a: Place, b: Place) -> float:
    """Great-circle distance (haversine)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a.lat, a.lon, b.lat, b.lon))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(min(1.0, h)))


def spanning_links(
    members: list[str], links: dict[tuple[str, str], Link]
) -> list[tuple[str, str, Link]]:
    """Maximum spanning tree (Kruskal, deterministic ties): the strongest reasons."""
    parent = {m: m for m in members}

    def root(node: str) -> str:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    tree = []
    for (a, b), link in sorted(links.items(), key=lambda item: (-item[1].weight, item[0])):
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
            tree.append((a, b, link))
    return tree


def _merged_route(alerts: list[AlertFeatures]) -> list[dict[str, Any]]:
    clusters: list[list[tuple[Place, str]]] = []
    points = sorted(
        ((p, a.agency) for a in alerts for p in a.places),
        key=lambda item: (item[0].lat, item[0].lon, item[0].name, item[1]),
    )
    # Waypoints the gazetteer names alike are one place, whatever reference point
    # each agency geocoded; the others join a place within SAME_PLACE_KM.
    by_name: dict[str, list[tuple[Place, str]]] = {}
    for place, agency in points:
        if place.name_key and place.name_key in by_name:
            by_name[place.name_key].append((place, agency))
            continue
        for cluster in clusters:
            anchor = cluster[0][0]
            # One degree of latitude is 111 km: most clusters are ruled out without haversine.
            if abs(anchor.lat - place.lat) > _SAME_PLACE_DEG:
                continue
            if distance_km(anchor, place) <= SAME_PLACE_KM:
                cluster.append((place, agency))
                break
        else:
            cluster = [(place, agency)]
            clusters.append(cluster)
        if place.name_key:
            by_name[place.name_key] = cluster
    route: list[dict[str, Any]] = []
    for cluster in clusters:
        names = Counter(p.name for p, _ in cluster)
        name = sorted(names.items(), key=lambda item: (-item[1], item[0]))[0][0]
        roles = sorted({p.role for p, _ in cluster}, key=ROLE_ORDER.index)
        route.append(
            {
                "place_name": name,
                "country": Counter(p.country for p, _ in cluster).most_common(1)[0][0],
                "lat": round(sum(p.lat for p, _ in cluster) / len(cluster), 4),
                "lon": round(sum(p.lon for p, _ in cluster) / len(cluster), 4),
                "roles": roles,
                "reported_by": sorted({agency for _, agency in cluster}),
            }
        )
    route.sort(key=lambda r: (ROLE_ORDER.index(r["roles"][0]), r["place_name"]))
    return route


def _shared_indicators(
    alerts: list[AlertFeatures], common: set[str] | frozenset[str]
) -> list[dict[str, Any]]:
    holders: dict[tuple[str, str], set[str]] = {}
    countries: dict[tuple[str, str], set[str]] = {}
    for alert in alerts:
        for kind, value, extra in alert.identifiers:
            holders.setdefault((kind, value), set()).add(alert.agency)
            if kind == "phone" and extra.isdigit():
                countries.setdefault((kind, value), set()).add(extra)
    return [
        {"kind": kind, "value": _shown(kind, value, countries), "agencies": sorted(agencies)}
        for (kind, value), agencies in sorted(holders.items())
        if len(agencies) > 1 and f"{kind}:{value}" not in common
    ]


def _shown(kind: str, value: str, countries: dict[tuple[str, str], set[str]]) -> str:
    """A shared phone in E.164 when its holders agree on one country, else its digits."""
    codes = countries.get((kind, value), set())
    if kind == "phone" and len(codes) == 1:
        return f"+{next(iter(codes))}{value}"
    return value


def incident_release(alerts: Iterable[AlertFeatures]) -> Release:
    """Who may receive an incident: only agencies entitled to every member alert.

    It travels beside the incident in the hub's ``corridor-release`` header, not in the
    signed incident, so that no recipient learns who else may receive it.
    """
    return Release.combine(
        Release.of_alert(a.agency, a.tlp, a.tlp_recipients, a.handling_code) for a in alerts
    )


def _restrictions(alerts: list[AlertFeatures]) -> dict[str, Any]:
    """The most restrictive markings of the members (an incident reveals all of them)."""
    release = incident_release(alerts)
    return {"tlp": release.tlp, "handling_code": release.handling}


def _explain(tree: list[tuple[str, str, Link]], agencies: list[str], size: int) -> str:
    lines = [f"{size} alerts from {len(agencies)} agencies ({', '.join(agencies)}) linked:"]
    for a, b, link in tree:
        reasons = "; ".join(
            f"{_IDENTIFIER_LABELS.get(e.kind, e.kind)} {e.value} ({e.weight:+.1f} bits)"
            for e in link.evidence
        )
        lines.append(
            f"- {a} ~ {b} (match weight {link.weight:.1f} bits, p={link.score:.3f}): {reasons}"
        )
    return "\n".join(lines)


def _ms_to_dt(ms: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC)


def build_incident(
    alerts: list[AlertFeatures],
    links: dict[tuple[str, str], Link],
    common: set[str] | frozenset[str],
) -> dict[str, Any]:
    """The incident datum (without ``version``) of a linked group of alerts."""
    alerts = sorted(alerts, key=lambda a: a.key)
    keys = [a.key for a in alerts]
    tree = spanning_links(keys, links)
    agencies = sorted({a.agency for a in alerts})
    return {
        "incident_id": incident_id(keys),
        "status": ACTIVE,
        "merged_into": None,
        "members": [
            {"agency": a.agency, "alert_id": a.alert_id, "revision": a.revision} for a in alerts
        ],
        "agencies": agencies,
        "route": _merged_route(alerts),
        "shared_indicators": _shared_indicators(alerts, common),
        "first_seen": _ms_to_dt(min(a.observed_from_ms for a in alerts)),
        "last_seen": _ms_to_dt(max(a.observed_to_ms for a in alerts)),
        "confidence": min(link.score for _, _, link in tree) if tree else 0.0,
        "explanation": _explain(tree, agencies, len(alerts)),
        **_restrictions(alerts),
    }


def content_digest(incident: dict[str, Any]) -> str:
    """Digest of an incident's content, to tell a real change from a no-op."""
    body = {k: v for k, v in incident.items() if k != "version"}
    text = json.dumps(body, sort_keys=True, default=_plain)
    return hashlib.sha256(text.encode()).hexdigest()


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return int(value.timestamp() * 1000)
    return str(value)
