"""Reading what the pipeline left behind, directly: recipients' SQLite stores and topics.

Nothing here asks a pipeline process: stores are opened read-only beside the
running inbox clients, topics are read from the beginning without a consumer group.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from consumers.topic_reader import read_to_end
from faults.checker import FinalIncident, StoredDelivery, last_versions
from schemas.catalog import incident_schema
from schemas.codec import decode_single_object
from schemas.envelope import open_envelope
from schemas.json_mapping import from_json
from schemas.topics import TopicNames
from streams.incidents import ACTIVE, content_digest


def _connect(path: Path) -> sqlite3.Connection:
    # Read-only: the inbox client owns the file and may be writing to it.
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30.0)


def read_store(path: Path) -> list[StoredDelivery]:
    """Every row of a ``corridor inbox --db`` store (none if the file is not there yet)."""
    if not path.exists():
        return []
    with _connect(path) as db:
        rows = db.execute(
            "SELECT delivery_id, verified, document FROM deliveries ORDER BY rowid"
        ).fetchall()
    return [StoredDelivery(r[0], bool(r[1]), json.loads(r[2])) for r in rows]


class StoreWatcher:
    """Follows one store as it grows: when each message id was first seen stored."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._rowid = 0
        self.first_seen: dict[str, float] = {}
        """Message id -> ``time.monotonic()`` when this watcher first saw it stored."""
        self.rows = 0
        """Rows seen so far."""

    def poll(self) -> int:
        """Read rows stored since the last poll; returns how many there were."""
        if not self.path.exists():
            return 0
        with _connect(self.path) as db:
            try:
                rows = db.execute(
                    "SELECT rowid, document FROM deliveries WHERE rowid > ? ORDER BY rowid",
                    (self._rowid,),
                ).fetchall()
            except sqlite3.OperationalError:  # created, schema not written yet
                return 0
        now = time.monotonic()
        for rowid, document in rows:
            self._rowid = rowid
            message_id = json.loads(document).get("message_id")
            if message_id is not None:
                self.first_seen.setdefault(message_id, now)
        self.rows += len(rows)
        return len(rows)


def quarantined(bootstrap: str, topics: TopicNames) -> list[str]:
    """One line per record on the quarantine topic (key and the start of its value)."""
    lines = []
    for record in read_to_end(bootstrap, topics.quarantine):
        key = bytes(record.key or b"").decode("utf-8", "replace")
        value = bytes(record.value or b"")[:300].decode("utf-8", "replace")
        lines.append(f"{key} @{record.partition}:{record.offset}: {value}")
    return lines


def incidents_on_topic(bootstrap: str, topics: TopicNames) -> list[dict[str, Any]]:
    """Every incident version on the incidents topic (datums; signatures not re-checked)."""
    versions = []
    for record in read_to_end(bootstrap, topics.incidents):
        _, incident = decode_single_object(open_envelope(bytes(record.value)).payload)
        versions.append(incident)
    return versions


def active_finals(versions: Iterable[dict[str, Any]]) -> dict[str, FinalIncident]:
    """Active incidents as the last version of each leaves them."""
    return {
        incident_id: FinalIncident(incident_id, content_digest(incident))
        for incident_id, incident in last_versions(versions).items()
        if incident["status"] == ACTIVE
    }


def stored_incident_digest(document: dict[str, Any]) -> str:
    """Content digest of an incident as a recipient's store holds it (the JSON mapping)."""
    return content_digest(from_json(incident_schema().schema, document))


def inbound_alerts(bootstrap: str, topics: TopicNames, agencies: Iterable[str]) -> list[Any]:
    """Every alert datum on the agencies' inbound topics, each partition in order."""
    alerts = []
    for agency in agencies:
        records = read_to_end(bootstrap, topics.inbound(agency))
        for record in sorted(records, key=lambda r: (r.partition, r.offset)):
            _, alert = decode_single_object(open_envelope(bytes(record.value)).payload)
            alerts.append(alert)
    return alerts
