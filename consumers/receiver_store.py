"""The receiving agency's store: each delivery kept exactly once, by its delivery id.

A SQLite file (write-ahead log, ``synchronous=FULL``: a stored row survives a crash
of the process or the machine) with the delivery id as PRIMARY KEY. The pipeline
delivers at least once: after a crash it repeats what it had not yet committed, with
the same delivery id, and :meth:`ReceiverStore.store` then returns False instead of
storing a second copy. Callers acknowledge (commit the inbox offset, answer the POST)
only after ``store`` returned, so nothing acknowledged is missing from the store.

The first stored copy wins: a later copy of the same delivery id is not compared or
merged (the hub sends the same signed bytes under the same id).

A verified recall notice (docs/wire-format.md 12.5) is stored like any delivery and
also marks the delivery it recalls, in the ``recalls`` table keyed by the recalled
delivery id: the recalled delivery is kept (audit) and reads back with ``recalled_at``.
The mark does not need the recalled delivery to be stored first, so the notice and
the delivery may arrive in either order; the first notice for a delivery wins.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from consumers.errors import StoreError, StoreOpenError
from consumers.inbox.check import InboxItem
from schemas.json_mapping import format_timestamp

CHANNELS = ("inbox", "webhook")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS deliveries (
    delivery_id TEXT PRIMARY KEY,
    channel     TEXT NOT NULL,
    status      TEXT NOT NULL,
    origin      TEXT,
    verified    INTEGER NOT NULL,
    document    TEXT NOT NULL,
    received_at TEXT NOT NULL
)
"""
_RECALLS_SCHEMA = """
CREATE TABLE IF NOT EXISTS recalls (
    recalled_delivery_id TEXT PRIMARY KEY,
    recall_delivery_id   TEXT NOT NULL,
    reason               TEXT NOT NULL,
    recalled_at          TEXT NOT NULL
)
"""
_SELECT = (
    "SELECT d.delivery_id, d.channel, d.status, d.origin, d.verified, d.document,"
    " d.received_at, r.recalled_at, r.recall_delivery_id, r.reason"
    " FROM deliveries d LEFT JOIN recalls r ON r.recalled_delivery_id = d.delivery_id"
)


@dataclass(frozen=True)
class StoredDelivery:
    """One row of the store."""

    delivery_id: str
    """The hub's stable delivery id (the primary key)."""
    channel: str
    """How it arrived: ``inbox`` or ``webhook``."""
    status: str
    """``verified`` or ``rejected`` (the originator's signature did not check out)."""
    origin: str | None
    """Originating agency (signer) when verified."""
    verified: bool
    """True when the originator's signature and the content checked out."""
    document: dict[str, Any]
    """The delivery's JSON document, as ``corridor inbox`` prints it."""
    received_at: str
    """When this store first stored it (RFC 3339, UTC)."""
    recalled_at: str | None = None
    """When a verified recall notice for it was stored (RFC 3339, UTC); None if not recalled."""
    recalled_by: str | None = None
    """The delivery id of that recall notice."""
    recall_reason: str | None = None
    """The notice's reason, e.g. ``key_compromised``."""


def storage_key(item: InboxItem) -> str:
    """The primary key of an item: its delivery id, else its inbox position.

    Every record the delivery service writes has a delivery id; the fallback keeps a
    record without one (not written by the hub) idempotent too, as it stays at its offset.
    """
    if item.delivery_id:
        return item.delivery_id
    return f"no-delivery-id:{item.partition}:{item.offset}"


def open_sqlite(
    path: Path, what: str, statements: Sequence[str], *, busy_timeout_s: float
) -> sqlite3.Connection:
    """Open (or create) the SQLite file of a store, durable (WAL, synchronous FULL).

    ``statements`` create its schema. A path that cannot be such a file (a directory,
    another kind of file) is a local problem, :class:`StoreOpenError`, not retriable.
    """
    if path.is_dir():
        raise StoreOpenError(f"{what} {path} is a directory, not a SQLite file")
    db: sqlite3.Connection | None = None
    try:
        db = sqlite3.connect(
            path, timeout=busy_timeout_s, isolation_level=None, check_same_thread=False
        )
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        for statement in statements:
            db.execute(statement)
    except sqlite3.Error as exc:
        if db is not None:
            db.close()
        raise StoreOpenError(f"cannot open the {what} {path}: {exc}") from exc
    return db


class ReceiverStore:
    """Exactly-once storage of deliveries; safe to share between threads."""

    def __init__(self, path: Path, *, busy_timeout_s: float = 30.0) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._db = open_sqlite(
            path, "delivery store", (_SCHEMA, _RECALLS_SCHEMA), busy_timeout_s=busy_timeout_s
        )

    def store(
        self, item: InboxItem, *, channel: str, received_at: dt.datetime | None = None
    ) -> bool:
        """Store ``item`` unless its delivery id is stored already; True if it was new.

        A verified recall notice also marks the delivery it recalls (in one transaction).
        """
        if channel not in CHANNELS:
            raise ValueError(f"channel must be one of {CHANNELS}, got {channel!r}")
        at = received_at or dt.datetime.now(dt.UTC)
        row = (
            storage_key(item),
            channel,
            item.document.get("status", "verified" if item.verified else "rejected"),
            item.document.get("origin") if item.verified else None,
            int(item.verified),
            json.dumps(item.document, separators=(",", ":"), sort_keys=True),
            format_timestamp(at),
        )
        recall = None
        if item.verified and item.recalled_delivery_id is not None:
            recall = (
                item.recalled_delivery_id,
                storage_key(item),
                str(item.document.get("reason", "")),
                format_timestamp(at),
            )
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    cursor = self._db.execute(
                        "INSERT INTO deliveries (delivery_id, channel, status, origin, verified,"
                        " document, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
                        " ON CONFLICT (delivery_id) DO NOTHING",
                        row,
                    )
                    new = cursor.rowcount == 1
                    if recall is not None:
                        self._db.execute(
                            "INSERT INTO recalls (recalled_delivery_id, recall_delivery_id,"
                            " reason, recalled_at) VALUES (?, ?, ?, ?)"
                            " ON CONFLICT (recalled_delivery_id) DO NOTHING",
                            recall,
                        )
                    self._db.execute("COMMIT")
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
            except sqlite3.Error as exc:
                raise StoreError(f"cannot write to the delivery store {self.path}: {exc}") from exc
            return new

    def get(self, delivery_id: str) -> StoredDelivery | None:
        """The stored delivery with this id, if any."""
        with self._lock:
            row = self._db.execute(f"{_SELECT} WHERE d.delivery_id = ?", (delivery_id,)).fetchone()
        if row is None:
            return None
        return StoredDelivery(
            delivery_id=row[0],
            channel=row[1],
            status=row[2],
            origin=row[3],
            verified=bool(row[4]),
            document=json.loads(row[5]),
            received_at=row[6],
            recalled_at=row[7],
            recalled_by=row[8],
            recall_reason=row[9],
        )

    def recall_marks(self) -> list[str]:
        """Every delivery id a verified recall notice named, stored or not (yet), in order."""
        with self._lock:
            rows = self._db.execute(
                "SELECT recalled_delivery_id FROM recalls ORDER BY rowid"
            ).fetchall()
        return [r[0] for r in rows]

    def recalled(self) -> list[str]:
        """Delivery ids of stored deliveries that were recalled, in storing order."""
        with self._lock:
            rows = self._db.execute(
                "SELECT d.delivery_id FROM deliveries d JOIN recalls r"
                " ON r.recalled_delivery_id = d.delivery_id ORDER BY d.rowid"
            ).fetchall()
        return [r[0] for r in rows]

    def delivery_ids(self) -> list[str]:
        """Every stored delivery id, in storing order."""
        with self._lock:
            rows = self._db.execute("SELECT delivery_id FROM deliveries ORDER BY rowid").fetchall()
        return [r[0] for r in rows]

    def count(self) -> int:
        """How many deliveries are stored."""
        with self._lock:
            (n,) = self._db.execute("SELECT count(*) FROM deliveries").fetchone()
        return int(n)

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()

    def __enter__(self) -> ReceiverStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
