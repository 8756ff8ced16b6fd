"""The public types of a scenario: alert lines, the truth behind them, labels and files."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from schemas.topics import message_key

LABELS_FORMAT = "corridor-scenario-labels/1"
LABELS_FILE = "labels.json"


@dataclass(frozen=True)
class SimulatedAlert:
    """One line of an agency's alerts file."""

    agency: str
    """Publishing agency."""
    document: dict[str, Any]
    """The alert in the Corridor JSON mapping (timestamps as ISO-8601 strings)."""
    operation: str | None
    """Operation it reports (``OP-007``), None for a decoy."""
    kind: str
    """``original``, ``duplicate`` (same revision re-sent), ``revision`` or ``stale``."""
    published_at: dt.datetime
    """When the agency sends this line; lines are in this order."""

    @property
    def key(self) -> str:
        """``AGENCY:alert_id``, as :func:`schemas.topics.message_key` spells it."""
        return message_key(self.agency, self.document["alert_id"]).decode()


@dataclass(frozen=True)
class OperationTruth:
    """What really happened in one operation (for scoring; no alert says it all)."""

    operation: str
    """Operation id, ``OP-001`` ..."""
    route: str
    """Name of the route in :data:`producers.scenarios.ROUTES`."""
    places: tuple[str, ...]
    """Canonical names of the places of the operation, in travel order."""
    transport_mode: str
    """Main transport mode."""
    observed_from: dt.datetime
    """Start of the real observation window."""
    observed_to: dt.datetime
    """End of the real observation window."""


@dataclass(frozen=True)
class ScenarioStats:
    """Counts for a summary line."""

    records: int
    """Alert lines, duplicates and stale re-sends included."""
    alerts: int
    """Distinct alerts (``AGENCY:alert_id``)."""
    operations: int
    """Operations."""
    operation_alerts: int
    """Distinct alerts that report an operation."""
    decoys: int
    """Distinct decoy alerts."""
    duplicates: int
    """Lines that re-send an alert unchanged."""
    revisions: int
    """Revision-2 lines."""
    stale: int
    """Revision-1 lines re-sent after revision 2."""
    per_agency: tuple[tuple[str, int], ...]
    """Alert lines per agency, in agency order."""


@dataclass(frozen=True)
class Scenario:
    """A generated scenario: alert lines in publish order, and what they really are."""

    seed: int
    """Seed it was generated from."""
    difficulty: float
    """Difficulty it was generated at."""
    agencies: tuple[str, ...]
    """Agencies that could report, in the order given."""
    alerts: tuple[SimulatedAlert, ...]
    """Every alert line, in publish order."""
    operations: tuple[OperationTruth, ...]
    """The real operations, in id order."""
    variants: tuple[tuple[str, int, int], ...] = ()
    """(variant, times drawn, times it happened), for checking the stated rates."""

    def labels(self) -> dict[str, Any]:
        """The answer key, as JSON-able data (format ``corridor-scenario-labels/1``)."""
        owner: dict[str, str | None] = {}
        highest: dict[str, int] = {}
        for alert in self.alerts:
            owner[alert.key] = alert.operation
            highest[alert.key] = max(highest.get(alert.key, 0), alert.document["revision"])
        keys = sorted(owner)
        return {
            "format": LABELS_FORMAT,
            "seed": self.seed,
            "difficulty": self.difficulty,
            "operations": {
                op.operation: [k for k in keys if owner[k] == op.operation]
                for op in self.operations
            },
            "alerts": {k: owner[k] for k in keys},
            "expected_deliveries": {k: highest[k] for k in keys},
            "records": len(self.alerts),
        }

    def by_agency(self) -> dict[str, list[dict[str, Any]]]:
        """Each agency's documents in publish order (agencies without alerts left out)."""
        files: dict[str, list[dict[str, Any]]] = {a: [] for a in self.agencies}
        for alert in self.alerts:
            files[alert.agency].append(alert.document)
        return {a: docs for a, docs in files.items() if docs}

    def write(self, directory: Path) -> tuple[Path, ...]:
        """Write ``alerts-<AGENCY>.jsonl`` per agency and ``labels.json``; return the paths.

        One JSON alert per line in publish order, ready for ``corridor publish``.
        Creates ``directory``; overwrites these files but removes nothing else.
        """
        directory.mkdir(parents=True, exist_ok=True)
        written = []
        for agency, documents in self.by_agency().items():
            path = directory / f"alerts-{agency}.jsonl"
            path.write_text("".join(_json_line(doc) for doc in documents), "utf-8")
            written.append(path)
        labels = directory / LABELS_FILE
        labels.write_text(json.dumps(self.labels(), indent=2, ensure_ascii=False) + "\n", "utf-8")
        return (*written, labels)

    def stats(self) -> ScenarioStats:
        """Counts of lines, alerts and kinds."""
        owner = {a.key: a.operation for a in self.alerts}
        kinds = [a.kind for a in self.alerts]
        return ScenarioStats(
            records=len(self.alerts),
            alerts=len(owner),
            operations=len(self.operations),
            operation_alerts=sum(op is not None for op in owner.values()),
            decoys=sum(op is None for op in owner.values()),
            duplicates=kinds.count("duplicate"),
            revisions=kinds.count("revision"),
            stale=kinds.count("stale"),
            per_agency=tuple(
                (agency, sum(a.agency == agency for a in self.alerts)) for agency in self.agencies
            ),
        )


def _json_line(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False) + "\n"
