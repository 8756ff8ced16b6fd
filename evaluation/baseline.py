"""The naive baseline the correlator is measured against: shared raw identifier strings (pure).

Two alerts are linked when they carry the same string, exactly as written (no
case folding, no stripping, no normalisation), in any of these fields:

* ``indicators.phone_numbers[]``
* ``indicators.messaging_handles[].handle`` and ``indicators.social_media_handles[].handle``
* ``indicators.payment_channels[].identifier``
* ``indicators.smuggler_aliases[]``
* ``conveyances[].registration``, ``.imo``, ``.mmsi`` and ``.name`` (vessels only: a
  vehicle's ``name`` is its make, shared by thousands)

The field does not matter: the same string in two fields links too. A string
held by more than :data:`MAX_HOLDERS` alerts is ignored (a hotline, a common
boat name). Incidents are, as the correlator's, connected components that hold
alerts of at least two agencies; every other alert is a singleton.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

#: Strings held by more alerts than this carry no link (the correlator's default fan-out cap).
MAX_HOLDERS = 12


def raw_strings(document: Mapping[str, Any]) -> frozenset[str]:
    """The identifier strings of one alert (Corridor JSON mapping), as written."""
    found: set[str] = set()
    indicators = document.get("indicators") or {}
    found.update(indicators.get("phone_numbers", ()))
    found.update(indicators.get("smuggler_aliases", ()))
    for field in ("messaging_handles", "social_media_handles"):
        found.update(h["handle"] for h in indicators.get(field, ()))
    found.update(p["identifier"] for p in indicators.get("payment_channels", ()))
    for conveyance in document.get("conveyances", ()):
        for field in ("registration", "imo", "mmsi"):
            if conveyance.get(field):
                found.add(conveyance[field])
        if conveyance.get("kind") == "VESSEL" and conveyance.get("name"):
            found.add(conveyance["name"])
    found.discard("")
    return frozenset(found)


def baseline_incidents(
    documents: Iterable[Mapping[str, Any]], max_holders: int = MAX_HOLDERS
) -> dict[str, str]:
    """``AGENCY:alert_id -> incident id`` for alerts the baseline puts in an incident.

    ``documents`` are alert lines; for an alert sent several times, the line with
    the highest revision counts (the last one of that revision seen).
    """
    latest: dict[str, Mapping[str, Any]] = {}
    for document in documents:
        key = f"{document['agency']}:{document['alert_id']}"
        kept = latest.get(key)
        if kept is None or document["revision"] >= kept["revision"]:
            latest[key] = document
    holders: dict[str, list[str]] = defaultdict(list)
    for key in sorted(latest):
        for value in raw_strings(latest[key]):
            holders[value].append(key)
    parent = {key: key for key in latest}

    def root(key: str) -> str:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for keys in holders.values():
        if 2 <= len(keys) <= max_holders:
            for other in keys[1:]:
                a, b = root(keys[0]), root(other)
                if a != b:
                    parent[max(a, b)] = min(a, b)
    components: dict[str, list[str]] = defaultdict(list)
    for key in latest:
        components[root(key)].append(key)
    membership: dict[str, str] = {}
    for anchor, members in components.items():
        if len({m.split(":", 1)[0] for m in members}) >= 2:
            membership.update((m, f"BASELINE-{anchor}") for m in members)
    return membership
