"""Feed a scenario's alerts straight through the correlator's code, without broker or worker.

The one function below is the adapter between the simulator's alert lines and
the correlator's API; when that API changes, only it is re-wired. It follows the
worker's path (``streams/app.py``): dedupe passes an alert's first line and its
higher revisions only; features are extracted from the Avro datum and travel as
JSON on the correlation topic; the correlator takes them one by one, and forgets
alerts past the retention window as the correlation stage does.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from schemas.catalog import alert_schema
from schemas.json_mapping import from_json
from streams.correlation_stage import EVICT_EVERY
from streams.correlator import Correlator
from streams.features import AlertFeatures, features_of

#: The worker's default ``--correlation-retention-days`` (30), in milliseconds.
RETENTION_MS = 30 * 24 * 3600 * 1000


@dataclass(frozen=True)
class InProcessRun:
    """What the correlator made of a scenario."""

    membership: dict[str, str]
    """``AGENCY:alert_id -> incident id`` of the members of ACTIVE incidents."""
    alerts: int
    """Alert versions passed to the correlator (after dedupe)."""
    seconds: float
    """CPU time spent in the correlator (``Correlator.add``) alone.

    CPU time of this process, not wall-clock: on a shared machine the wall clock
    measures the neighbours as much as the correlator.
    """
    feature_seconds: float
    """CPU time spent extracting features and passing them as JSON, as the dedupe agent does."""

    @property
    def rate(self) -> float:
        """Alert versions per second through the correlator alone."""
        return self.alerts / self.seconds if self.seconds else float("inf")


def correlate_in_process(documents: Iterable[Mapping[str, Any]]) -> InProcessRun:
    """Run alert lines (Corridor JSON mapping, in event-time order) through the correlator."""
    schema = alert_schema().schema
    correlator = Correlator()
    highest: dict[str, int] = {}
    passed, seconds, feature_seconds = 0, 0.0, 0.0
    for document in documents:
        key = f"{document['agency']}:{document['alert_id']}"
        if highest.get(key, 0) >= document["revision"]:
            continue  # dedupe drops repeats and late older revisions
        highest[key] = document["revision"]
        datum = from_json(schema, dict(document))
        started = time.process_time()
        features = AlertFeatures.from_json(features_of(datum).to_json())
        extracted = time.process_time()
        correlator.add(features)
        passed += 1
        if passed % EVICT_EVERY == 0:
            correlator.evict_before(features.observed_to_ms - RETENTION_MS)
        seconds += time.process_time() - extracted
        feature_seconds += extracted - started
    membership = {
        f"{m['agency']}:{m['alert_id']}": incident["incident_id"]
        for incident in correlator.active_incidents()
        for m in incident["members"]
    }
    return InProcessRun(
        membership=membership, alerts=passed, seconds=seconds, feature_seconds=feature_seconds
    )
