"""Deliveries to STIX: which documents map, and bundles of them (pure).

Only verified alerts and incidents map. A rejected delivery maps to nothing (the
inbox client reports it); a recall notice maps to revocations
(:func:`revoked_report_id`), applied by whoever holds the report.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from typing import Any

import stix2

from consumers.stix import markings
from consumers.stix.alert import agency_identity, alert_objects
from consumers.stix.ids import NAMESPACE, report_id
from consumers.stix.incident import incident_objects


def mappable(document: dict[str, Any]) -> bool:
    """True for a verified alert or incident delivery."""
    return document.get("status") == "verified" and document.get("kind") in ("alert", "incident")


def delivery_objects(document: dict[str, Any]) -> list[Any]:
    """Every STIX object a verified alert or incident delivery needs, fixed ones included.

    The first object is the delivery's own (report or grouping).
    """
    if not mappable(document):
        raise ValueError("only verified alert and incident deliveries map to STIX")
    if document["kind"] == "alert":
        own = alert_objects(document)
        body = document["alert"]
        creators = [body["agency"]]
    else:
        own = incident_objects(document)
        body = document["incident"]
        creators = [document["origin"]]
    fixed = markings.shared_objects({body["tlp"]}, {body["handling_code"]})
    return [*own, *(agency_identity(a) for a in creators), *fixed]


def revoked_report_id(document: dict[str, Any]) -> str | None:
    """The report a verified recall notice withdraws, else None."""
    if document.get("status") != "verified" or document.get("kind") != "recall":
        return None
    recall = document["recall"]
    return report_id(recall["origin"], recall["alert_id"], recall["revision"])


def to_dict(stix_object: Any) -> dict[str, Any]:
    """A ``stix2`` object as plain JSON values (its serialisation, parsed back)."""
    parsed: dict[str, Any] = json.loads(stix_object.serialize())
    return parsed


def unique(objects: Iterable[Any]) -> list[Any]:
    """Objects without repeats of an (id, modified) pair; the first copy wins."""
    seen: set[tuple[str, str]] = set()
    kept = []
    for item in objects:
        key = (str(item["id"]), str(item.get("modified", "")))
        if key not in seen:
            seen.add(key)
            kept.append(item)
    return kept


def bundle_of(documents: Iterable[dict[str, Any]]) -> stix2.Bundle:
    """One bundle of the verified alerts and incidents among ``documents``.

    Its id derives from the ids of its objects, so the same deliveries give the same bundle.
    """
    objects = unique(o for d in documents if mappable(d) for o in delivery_objects(d))
    name = "\n".join(sorted(f"{o['id']}@{o.get('modified', '')}" for o in objects))
    return stix2.Bundle(
        id=f"bundle--{uuid.uuid5(NAMESPACE, 'bundle/' + name)}",
        objects=objects,
        allow_custom=False,
    )
