"""The fault-free reference: the incidents the same alerts give through the correlator's code.

The correlator's results do not depend on arrival order or batching
(docs/correlation.md, "Order independence"): the final incidents are a function of
the alert revisions passed on. So a fault-free run need not go through a broker:
the alerts go straight through ``Correlator``, as the dedupe agent would pass them
(an alert's first revision and its higher ones only), and the active incidents it
ends with are what the pipeline must converge to, whatever it went through.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from faults.checker import FinalIncident
from streams.correlator import Correlator
from streams.features import AlertFeatures, features_of
from streams.incidents import content_digest, incident_release


def reference_incidents(alerts: Iterable[Mapping[str, Any]]) -> dict[str, FinalIncident]:
    """Active incidents (with who may receive them) after ``alerts`` (Avro datums)."""
    correlator = Correlator()
    highest: dict[str, int] = {}
    for alert in alerts:
        key = f"{alert['agency']}:{alert['alert_id']}"
        if highest.get(key, 0) >= alert["revision"]:
            continue
        highest[key] = alert["revision"]
        # Through JSON, as the features travel on the correlation topic.
        correlator.add(AlertFeatures.from_json(features_of(dict(alert)).to_json()))
    final = {}
    for incident in correlator.active_incidents():
        members = [correlator.alerts[f"{m['agency']}:{m['alert_id']}"] for m in incident["members"]]
        final[incident["incident_id"]] = FinalIncident(
            incident_id=incident["incident_id"],
            digest=content_digest(incident),
            release=incident_release(members),
        )
    return final
