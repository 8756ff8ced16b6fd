"""Inbox documents of alerts and of an incident, as ``corridor inbox`` prints them."""

from __future__ import annotations

import copy
import datetime as dt
import uuid
from typing import Any

from producers.scenarios import alert_schema, sample_alert
from schemas.json_mapping import from_json, to_json
from streams.correlator import Correlator
from streams.features import features_of

NOW = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)


def alert_document(agency: str, seq: int, **changes: Any) -> dict[str, Any]:
    """A verified alert delivery of a sample alert, with ``changes`` to the alert."""
    alert = {**sample_alert(agency, seq, now=NOW), **changes}
    alert.setdefault("personal_data", None)
    return {
        "delivery_id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{agency}/{seq}")),
        "status": "verified",
        "origin": agency,
        "key_id": "0123456789abcdef",
        "message_id": str(uuid.uuid5(uuid.NAMESPACE_DNS, f"{agency}/{seq}")),
        "produced_at": "2026-11-20T08:00:01.000Z",
        "kind": "alert",
        "delivery": "new",
        "alert": alert,
    }


def incident_document() -> dict[str, Any]:
    """The first incident the correlator makes of two agencies' alerts on one route."""
    correlator = Correlator()
    shared_phone = {"phone_numbers": ["+92 300 1234567"]}
    incidents = []
    for agency in ("PK-FIA", "GR-HCG"):
        alert = sample_alert(agency, 7, now=NOW, route="central-mediterranean")
        alert["indicators"] = {**alert["indicators"], **shared_phone}
        datum = from_json(alert_schema().schema, alert)
        incidents += [change.incident for change in correlator.add(features_of(datum))]
    incident = to_json(copy.deepcopy(incidents[-1]))
    return {
        "delivery_id": "5f1c7a8e-0d47-5b7a-9c2e-1b2a3c4d5e6f",
        "status": "verified",
        "origin": "TF-HUB",
        "key_id": "fedcba9876543210",
        "message_id": "7d4e2b1a-9c3f-4a5e-8b7d-6c5a4b3c2d1e",
        "produced_at": "2026-11-20T08:05:00.000Z",
        "kind": "incident",
        "incident": incident,
    }
