"""One delivered alert as STIX 2.1 objects (pure).

The alert becomes a ``report`` by its originator whose ``object_refs`` are the rest:
the route (``location`` objects and relationships), the identifiers (observables
and indicators), the conveyances (``infrastructure``) and the smugglers' aliases (a
``threat-actor``). Every object carries the alert's TLP 2.0 and handling-code
markings. Personal data is never mapped: only the fact that the alert names people
(``personal_data: "withheld"`` in Corridor's extension), never a field of it, even
when the delivery was decrypted. Mapping table: docs/stix-taxii.md.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import stix2

from consumers.stix import markings
from consumers.stix.identifiers import (
    normalise_handle,
    normalise_payment,
    normalise_phone,
    regions_for,
)
from consumers.stix.ids import alert_key, identity_id, report_id, stix_id
from consumers.stix.observables import Account, account_objects, conveyance_object
from consumers.stix.route import Authorship, Place, route_objects

#: STIX confidence of each Admiralty information-credibility grade (STIX 2.1
#: appendix A, "Admiralty Credibility"); 6, "cannot be judged", has none.
CREDIBILITY_CONFIDENCE = {1: 90, 2: 70, 3: 50, 4: 30, 5: 10}
PERSONAL_DATA_WITHHELD = "withheld"


def parse_time(text: str) -> dt.datetime:
    """An RFC 3339 timestamp of the Corridor JSON mapping as an aware datetime."""
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(dt.UTC)


def agency_identity(agency: str) -> stix2.Identity:
    """The identity of a task-force member (or the hub): the same object in every bundle."""
    return stix2.Identity(
        id=identity_id(agency),
        created=markings.FIXED_CREATED,
        modified=markings.FIXED_CREATED,
        name=agency,
        identity_class="organization",
        description="A member of the task force (Corridor agency id).",
    )


def alert_objects(document: dict[str, Any]) -> list[Any]:
    """STIX objects of a verified alert delivery (a ``corridor inbox`` document).

    The report comes first; the shared fixed objects (identities, marking and
    extension definitions) are added by the bundle.
    """
    alert = document["alert"]
    agency = alert["agency"]
    key = alert_key(agency, alert["alert_id"], alert["revision"])
    who = Authorship(
        key=key,
        created=parse_time(alert["issued_at"]),
        created_by_ref=identity_id(agency),
        marking_refs=markings.marking_refs(alert["tlp"], alert["handling_code"]),
    )
    objects: list[Any] = route_objects([_place(w) for w in alert["route"]], who)
    indicators, indicator_ids = account_objects(
        _accounts(alert), who, parse_time(alert["observed_from"])
    )
    objects += indicators
    conveyances = [
        _conveyance(index, c, who) for index, c in enumerate(alert.get("conveyances") or [])
    ]
    objects += conveyances
    aliases = alert["indicators"].get("smuggler_aliases") or []
    if aliases:
        actor = stix2.ThreatActor(
            id=stix_id("threat-actor", key),
            name=aliases[0],
            aliases=aliases,
            threat_actor_types=["crime-syndicate"],
            description=f"The smuggling network of alert {key}, by the aliases reported.",
            **who.common(),
        )
        objects.append(actor)
        objects += [
            stix2.Relationship(
                id=stix_id("relationship", key, "indicates", ref),
                relationship_type="indicates",
                source_ref=ref,
                target_ref=actor.id,
                **who.common(),
            )
            for ref in indicator_ids
        ]
        objects += [
            stix2.Relationship(
                id=stix_id("relationship", key, "uses", infrastructure.id),
                relationship_type="uses",
                source_ref=actor.id,
                target_ref=infrastructure.id,
                **who.common(),
            )
            for infrastructure in conveyances
        ]
    report = stix2.Report(
        id=report_id(agency, alert["alert_id"], alert["revision"]),
        name=f"{agency} alert {alert['alert_id']} revision {alert['revision']}",
        description=alert["narrative"],
        report_types=["threat-report"],
        published=who.created,
        object_refs=[o.id for o in objects],
        labels=["smuggling-route", f"severity-{alert['severity'].lower()}"],
        external_references=[
            {"source_name": "corridor", "external_id": f"{agency}:{alert['alert_id']}"}
        ],
        extensions=markings.extension(_alert_properties(document)),
        allow_custom=False,
        **_with_confidence(who.common(), alert["information_credibility"]),
    )
    return [report, *objects]


def _with_confidence(common: dict[str, Any], credibility: int) -> dict[str, Any]:
    confidence = CREDIBILITY_CONFIDENCE.get(credibility)
    return common if confidence is None else {**common, "confidence": confidence}


def _alert_properties(document: dict[str, Any]) -> dict[str, Any]:
    """Corridor's extension on the report: the fields STIX has no property for."""
    alert = document["alert"]
    properties: dict[str, Any] = {
        "kind": "alert",
        "agency": alert["agency"],
        "alert_id": alert["alert_id"],
        "revision": alert["revision"],
        "message_id": document["message_id"],
        "observed_from": alert["observed_from"],
        "observed_to": alert["observed_to"],
        "transport_mode": alert["transport_mode"],
        "severity": alert["severity"],
        "source_reliability": alert["source_reliability"],
        "information_credibility": alert["information_credibility"],
        "tlp": alert["tlp"],
        "handling_code": alert["handling_code"],
    }
    optional = {
        "tlp_recipients": alert.get("tlp_recipients") or None,
        "handling_note": alert.get("handling_note"),
        "estimated_persons": alert.get("estimated_persons"),
        "vulnerability_flags": alert.get("vulnerability_flags") or None,
        # Only whether the alert names people; the content (or "redacted"/"encrypted") never.
        "personal_data": (
            PERSONAL_DATA_WITHHELD if alert.get("personal_data") is not None else None
        ),
    }
    properties.update({k: v for k, v in optional.items() if v is not None})
    return properties


def _place(waypoint: dict[str, Any]) -> Place:
    seen = waypoint.get("observed_at")
    role = waypoint["role"].lower().replace("_", " ")
    return Place(
        name=waypoint["place_name"],
        country=waypoint["country"],
        lat=waypoint["lat"],
        lon=waypoint["lon"],
        description=role if seen is None else f"{role}, movement observed {seen}",
    )


def _accounts(alert: dict[str, Any]) -> list[tuple[str, Account]]:
    indicators = alert["indicators"]
    regions = regions_for(alert)
    accounts: list[tuple[str, Account]] = []
    for raw in indicators.get("phone_numbers") or []:
        # An unparseable number is kept as written: the analyst still wants it.
        accounts.append(("phone", Account("phone", normalise_phone(raw, regions) or raw.strip())))
    for what, field in (
        ("messaging handle", "messaging_handles"),
        ("social-media handle", "social_media_handles"),
    ):
        for handle in indicators.get(field) or []:
            platform, _, name = normalise_handle(handle["platform"], handle["handle"]).partition(
                ":"
            )
            accounts.append((what, Account(platform, name)))
    for channel in indicators.get("payment_channels") or []:
        method, _, identifier = normalise_payment(
            channel["method"], channel["identifier"]
        ).partition(":")
        accounts.append(
            ("payment channel", Account(f"payment-{method.lower().replace('_', '-')}", identifier))
        )
    return accounts


def _conveyance(index: int, conveyance: dict[str, Any], who: Authorship) -> stix2.Infrastructure:
    identifiers = [
        f"{label} {conveyance[field]}"
        for label, field in (("IMO", "imo"), ("MMSI", "mmsi"), ("registration", "registration"))
        if conveyance.get(field)
    ]
    kind = conveyance["kind"].lower()
    name = conveyance.get("name") or (identifiers[0] if identifiers else f"unnamed {kind}")
    flag = conveyance.get("flag")
    description = kind if flag is None else f"{kind}, flag or registration country {flag}"
    return conveyance_object(str(index), name, identifiers, description, who)
