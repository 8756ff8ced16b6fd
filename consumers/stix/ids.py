"""Deterministic STIX identifiers: the same delivery always maps to the same ids.

A receiving tool (MISP, OpenCTI) deduplicates by STIX id, so exporting the same
alert twice, or from two servers, must not create a second copy. Every id is a
UUID version 5 under :data:`NAMESPACE` over a name built from signed content only.
Observables (SCOs) are the exception: ``stix2`` gives them the ids the STIX 2.1
specification defines from their values, so the same phone reported by two
agencies is one observable.
"""

from __future__ import annotations

import uuid

#: Namespace of every Corridor STIX id (a fixed random UUID; never change it).
NAMESPACE = uuid.UUID("3d5b1c4e-8f0a-4f57-9a43-6c1d2e7b9f10")


def stix_id(stix_type: str, *parts: str) -> str:
    """``<stix_type>--UUIDv5(NAMESPACE, "<stix_type>/<part>/<part>...")``."""
    name = "/".join((stix_type, *parts))
    return f"{stix_type}--{uuid.uuid5(NAMESPACE, name)}"


def alert_key(agency: str, alert_id: str, revision: int) -> str:
    """The signed identity of one alert revision, ``AGENCY:alert_id#revision``.

    Incidents name their members this way (they do not carry the members' message
    ids), so an alert's objects are keyed by it: an incident's grouping can point at
    the report of each member alert.
    """
    return f"{agency}:{alert_id}#{revision}"


def report_id(agency: str, alert_id: str, revision: int) -> str:
    """The id of the report one alert revision maps to."""
    return stix_id("report", alert_key(agency, alert_id, revision))


def identity_id(agency: str) -> str:
    """The id of an agency's (or the hub's) identity: the same in every bundle."""
    return stix_id("identity", agency)


def collection_id(agency: str) -> str:
    """The TAXII collection id of an agency's deliveries (a bare UUID)."""
    return str(uuid.uuid5(NAMESPACE, f"taxii-collection/{agency}"))
