"""The incidents topic read as a log: verify each version, keep the latest per incident."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from schemas.envelope import RecordHeaders
from schemas.errors import VerifyError
from schemas.json_mapping import to_json
from schemas.topics import TopicNames
from schemas.truststore import TrustStore
from schemas.verification import verify_incident


def export_document(incident: dict[str, Any]) -> dict[str, Any]:
    """An incident as exported: its JSON mapping plus ``member_keys`` (``AGENCY:alert_id``)."""
    document: dict[str, Any] = to_json(incident)
    document["member_keys"] = [f"{m['agency']}:{m['alert_id']}" for m in incident["members"]]
    return document


@dataclass
class IncidentLog:
    """Folds incident versions (any order) into the latest version of each incident."""

    trust_store: TrustStore
    """Holds the hub's public key."""
    topics: TopicNames
    """Topic naming of the deployment."""
    hub_id: str
    """The hub's signing identity."""
    latest: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Incident id to its highest version seen."""
    versions: list[dict[str, Any]] = field(default_factory=list)
    """Every verified version, in reading order."""
    rejected: list[str] = field(default_factory=list)
    """Why records failed verification."""

    def add(self, value: bytes | None, headers: RecordHeaders) -> None:
        """Verify one record of the incidents topic and fold it in."""
        try:
            if value is None:
                raise VerifyError("malformed_envelope", "record has no value (tombstone)")
            incident = verify_incident(
                value, headers, self.trust_store, self.topics, self.hub_id
            ).incident
        except VerifyError as exc:
            self.rejected.append(f"{exc.reason}: {exc.detail}")
            return
        self.versions.append(incident)
        current = self.latest.get(incident["incident_id"])
        if current is None or incident["version"] > current["version"]:
            self.latest[incident["incident_id"]] = incident
