"""One delivered incident as STIX 2.1 objects (pure).

The incident version becomes a ``grouping`` by the hub whose ``object_refs`` are the
reports of its member alerts (ids from the signed member keys, so they meet the
reports of the alerts the recipient received) and the incident's own merged route,
shared identifiers and aliases; the correlator's explanation is a ``note`` on it.
Everything comes from the hub-signed incident the recipient was delivered, which
the sharing policy releases only to members entitled to every member alert.
"""

from __future__ import annotations

from typing import Any

import stix2

from consumers.stix import markings
from consumers.stix.alert import parse_time
from consumers.stix.ids import identity_id, report_id, stix_id
from consumers.stix.observables import (
    ACCOUNT_KINDS,
    CONVEYANCE_KINDS,
    account_objects,
    account_of,
    conveyance_object,
)
from consumers.stix.route import Authorship, Place, route_objects

_CONVEYANCE_LABELS = {"imo": "IMO", "mmsi": "MMSI", "plate": "registration"}


def incident_key(incident: dict[str, Any]) -> str:
    """The signed name of one incident version, ``INC-...#vN``."""
    return f"{incident['incident_id']}#v{incident['version']}"


def incident_objects(document: dict[str, Any]) -> list[Any]:
    """STIX objects of a verified incident delivery: the grouping first, then its note."""
    incident = document["incident"]
    key = incident_key(incident)
    who = Authorship(
        key=key,
        created=parse_time(document["produced_at"]),
        created_by_ref=identity_id(document["origin"]),
        marking_refs=markings.marking_refs(incident["tlp"], incident["handling_code"]),
    )
    objects: list[Any] = route_objects([_place(p) for p in incident["route"]], who)
    shared = incident.get("shared_indicators") or []
    accounts = [
        (s["kind"], account_of(s["kind"], s["value"])) for s in shared if s["kind"] in ACCOUNT_KINDS
    ]
    found, _ = account_objects(accounts, who, parse_time(incident["first_seen"]))
    objects += found
    objects += [
        conveyance_object(
            f"{s['kind']}:{s['value']}",
            f"{_CONVEYANCE_LABELS[s['kind']]} {s['value']}",
            [f"{_CONVEYANCE_LABELS[s['kind']]} {s['value']}"],
            f"reported by {', '.join(s['agencies'])}",
            who,
        )
        for s in shared
        if s["kind"] in CONVEYANCE_KINDS
    ]
    aliases = [s["value"] for s in shared if s["kind"] == "alias"]
    if aliases:
        objects.append(
            stix2.ThreatActor(
                id=stix_id("threat-actor", key),
                name=aliases[0],
                aliases=aliases,
                threat_actor_types=["crime-syndicate"],
                description=f"The network behind {key}, by the alias keys several agencies "
                "reported (transliterated, lower case).",
                **who.common(),
            )
        )
    members = [report_id(m["agency"], m["alert_id"], m["revision"]) for m in incident["members"]]
    common = who.common()
    grouping = stix2.Grouping(
        id=stix_id("grouping", key),
        name=f"Corridor incident {incident['incident_id']} version {incident['version']}",
        description=_summary(incident),
        context="suspicious-activity",
        object_refs=[*members, *(o.id for o in objects)],
        confidence=round(float(incident["confidence"]) * 100),
        external_references=[{"source_name": "corridor", "external_id": incident["incident_id"]}],
        extensions=markings.extension(_incident_properties(document)),
        **common,
    )
    note = stix2.Note(
        id=stix_id("note", key),
        abstract="Why Corridor linked these alerts",
        content=incident["explanation"],
        object_refs=[grouping.id],
        **common,
    )
    return [grouping, note, *objects]


def _summary(incident: dict[str, Any]) -> str:
    status = incident["status"].lower()
    merged = incident.get("merged_into")
    text = (
        f"{len(incident['members'])} alerts of {', '.join(incident['agencies'])} linked by the "
        f"task force's correlator; status {status}"
    )
    if merged:
        text += f", merged into {merged}"
    return f"{text}. Seen {incident['first_seen']} to {incident['last_seen']}."


def _incident_properties(document: dict[str, Any]) -> dict[str, Any]:
    incident = document["incident"]
    properties: dict[str, Any] = {
        "kind": "incident",
        "incident_id": incident["incident_id"],
        "version": incident["version"],
        "status": incident["status"],
        "message_id": document["message_id"],
        "members": [f"{m['agency']}:{m['alert_id']}#{m['revision']}" for m in incident["members"]],
        "agencies": incident["agencies"],
        "first_seen": incident["first_seen"],
        "last_seen": incident["last_seen"],
        "tlp": incident["tlp"],
        "handling_code": incident["handling_code"],
    }
    if incident.get("merged_into"):
        properties["merged_into"] = incident["merged_into"]
    return properties


def _place(place: dict[str, Any]) -> Place:
    roles = ", ".join(r.lower().replace("_", " ") for r in place["roles"])
    return Place(
        name=place["place_name"],
        country=place["country"],
        lat=place["lat"],
        lon=place["lon"],
        description=f"{roles}; reported by {', '.join(place['reported_by'])}",
    )
