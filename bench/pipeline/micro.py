"""In-process rates of the per-alert work: sign, verify, decode, signature check, correlate."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bench.pipeline.datasets import sign_all
from bench.pipeline.results import rate
from schemas.codec import decode_single_object
from schemas.envelope import open_envelope
from schemas.truststore import TrustStore
from schemas.verification import verify_alert
from streams.correlator import Correlator
from streams.features import AlertFeatures, features_of
from throwaway_deployment import Deployment


@dataclass(frozen=True)
class MicroRates:
    """In-process rates (per second) of the per-alert work, over the same alerts."""

    dataset: str
    """Data set the alerts came from."""
    alerts: int
    """Alerts timed."""
    sign: float
    verify: float
    decode: float
    signature: float
    correlate: float
    """``Correlator.add`` (with the features' JSON decode, as the correlate agent does)."""
    incident_versions: int
    """Incident versions the correlator emitted for these alerts."""
    incidents: int
    """Incidents at the end."""
    largest_incident: int
    """Members of the largest incident."""
    mean_incident: float
    """Mean members per incident."""

    def as_dict(self) -> dict[str, float | int | str]:
        """For the JSON line."""
        return {
            "dataset": self.dataset,
            "alerts": self.alerts,
            "sign_per_s": round(self.sign, 1),
            "verify_per_s": round(self.verify, 1),
            "decode_per_s": round(self.decode, 1),
            "signature_check_per_s": round(self.signature, 1),
            "correlate_per_s": round(self.correlate, 1),
            "incident_versions": self.incident_versions,
            "incidents": self.incidents,
            "largest_incident": self.largest_incident,
            "mean_incident_members": round(self.mean_incident, 1),
        }


def measure_micro(
    dataset: str, deployment: Deployment, data: Sequence[dict[str, Any]]
) -> MicroRates:
    """Time each piece of per-alert work over ``data``, one piece at a time."""
    count = len(data)
    store = TrustStore(agencies={})
    for agency, key in deployment.keys.items():
        store = store.with_key(agency, agency, key.public_key())
    topics = deployment.topics

    started = time.perf_counter()
    records = sign_all(deployment, data)
    sign_s = time.perf_counter() - started

    started = time.perf_counter()
    for r in records:
        verify_alert(r.value, r.headers, store, topics, read_topic=r.topic)
    verify_s = time.perf_counter() - started

    envelopes = [open_envelope(r.value) for r in records]
    started = time.perf_counter()
    for envelope in envelopes:
        decode_single_object(envelope.payload)
    decode_s = time.perf_counter() - started

    public = {a: k.public_key() for a, k in deployment.keys.items()}
    started = time.perf_counter()
    for envelope in envelopes:
        envelope.verify_signature(public[envelope.header.agency])
    signature_s = time.perf_counter() - started

    # Features travel as JSON on the correlation topic: time their decode with the add.
    raw = [features_of(datum).to_json() for datum in data]
    correlator = Correlator()
    versions = 0
    started = time.perf_counter()
    for item in raw:
        versions += len(correlator.add(AlertFeatures.from_json(item)))
    correlate_s = time.perf_counter() - started
    sizes = [len(incident["members"]) for incident in correlator.active_incidents()]

    return MicroRates(
        dataset=dataset,
        alerts=count,
        sign=rate(count, sign_s),
        verify=rate(count, verify_s),
        decode=rate(count, decode_s),
        signature=rate(count, signature_s),
        correlate=rate(count, correlate_s),
        incident_versions=versions,
        incidents=len(sizes),
        largest_incident=max(sizes, default=0),
        mean_incident=sum(sizes) / len(sizes) if sizes else 0.0,
    )
