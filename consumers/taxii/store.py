"""The TAXII server's objects, one collection per agency, in SQLite.

Each row is one version of one STIX object in one collection, keyed by (collection,
id, version), with the time the server added it (``date_added``, strictly increasing
in the store, so ``added_after`` never misses or repeats an object). The version is
the object's ``modified`` (``created``, or empty for observables, which have neither).
The position of the inbox record each object came from is written in the same
transaction as the objects: after a crash the ingester resumes exactly there, so no
delivery is lost or stored twice, without a consumer group.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from consumers.errors import StoreError, StoreOpenError
from consumers.receiver_store import open_sqlite
from consumers.taxii.timestamps import format_added, later_than, object_version, parse_timestamp

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS objects (
        seq        INTEGER PRIMARY KEY AUTOINCREMENT,
        collection TEXT NOT NULL,
        id         TEXT NOT NULL,
        version    TEXT NOT NULL,
        type       TEXT NOT NULL,
        date_added TEXT NOT NULL,
        object     TEXT NOT NULL,
        UNIQUE (collection, id, version)
    )""",
    "CREATE INDEX IF NOT EXISTS objects_by_added ON objects (collection, date_added)",
    """CREATE TABLE IF NOT EXISTS positions (
        topic       TEXT NOT NULL,
        partition   INTEGER NOT NULL,
        next_offset INTEGER NOT NULL,
        PRIMARY KEY (topic, partition)
    )""",
)


@dataclass(frozen=True)
class Position:
    """Where an ingested record was read."""

    topic: str
    """The inbox topic."""
    partition: int
    """Its partition."""
    offset: int
    """The record's offset."""


@dataclass(frozen=True)
class StoredObject:
    """One version of one object in one collection."""

    seq: int
    """Storage order (pagination position)."""
    id: str
    """The STIX id."""
    version: str
    """See :func:`object_version`."""
    date_added: str
    """When this server added it (TAXII timestamp)."""
    object: dict[str, Any]
    """The STIX object."""


@dataclass(frozen=True)
class Query:
    """A TAXII filter on one collection."""

    collection: str
    """The collection (agency id)."""
    added_after: str | None = None
    """Only versions added strictly after this (normalised TAXII timestamp)."""
    ids: Sequence[str] = ()
    """``match[id]``: only these ids."""
    types: Sequence[str] = ()
    """``match[type]``: only these types."""
    versions: Sequence[str] = ("last",)
    """``match[version]``: ``last``, ``first``, ``all`` or explicit versions."""
    after_seq: int = 0
    """Pagination: only rows stored after this one."""
    limit: int | None = None
    """At most this many rows."""


class TaxiiStore:
    """Objects per collection and ingest positions; safe to share between threads."""

    def __init__(
        self,
        path: Path,
        *,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
        busy_timeout_s: float = 30.0,
    ) -> None:
        self.path = path
        self._clock = clock
        self._lock = threading.Lock()
        self._last_added: str | None = None
        self._db = open_sqlite(path, "TAXII store", _SCHEMA, busy_timeout_s=busy_timeout_s)
        try:
            (self._last_added,) = self._db.execute("SELECT max(date_added) FROM objects").fetchone()
        except sqlite3.Error as exc:
            self._db.close()
            raise StoreOpenError(f"cannot open the TAXII store {path}: {exc}") from exc

    def add(
        self, collection: str, objects: Sequence[dict[str, Any]], position: Position | None
    ) -> int:
        """Add the versions not stored yet and record ``position`` as read; how many were new."""
        with self._lock:
            return int(self._transaction(lambda: self._add(collection, objects, position)))

    def latest(self, collection: str, stix_id: str) -> dict[str, Any] | None:
        """The latest stored version of ``stix_id`` in ``collection``."""
        with self._lock:
            row = self._db.execute(
                "SELECT object FROM objects WHERE collection = ? AND id = ?"
                " ORDER BY version DESC LIMIT 1",
                (collection, stix_id),
            ).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def revoke(
        self, collection: str, stix_ids: Sequence[str], at: str, position: Position | None
    ) -> int:
        """Store a revoked version of the latest version of each of ``stix_ids``.

        Ids not stored, observables (no ``modified``) and objects revoked already are
        left alone. A new version's ``modified`` is ``at`` (a STIX timestamp), or one
        millisecond after the latest version's if that is not earlier. Returns how many
        objects were revoked.
        """

        def revoke() -> int:
            revoked = []
            for stix_id in stix_ids:
                row = self._db.execute(
                    "SELECT object FROM objects WHERE collection = ? AND id = ?"
                    " ORDER BY version DESC LIMIT 1",
                    (collection, stix_id),
                ).fetchone()
                latest = json.loads(row[0]) if row is not None else None
                if latest is None or "modified" not in latest or latest.get("revoked"):
                    continue
                revoked.append(
                    {**latest, "modified": later_than(at, latest["modified"]), "revoked": True}
                )
            return int(self._add(collection, revoked, position))

        with self._lock:
            return int(self._transaction(revoke))

    def mark(self, position: Position) -> None:
        """Record that the record at ``position`` was handled (nothing to store)."""
        with self._lock:
            self._transaction(lambda: self._mark(position))

    def next_offset(self, topic: str, partition: int) -> int | None:
        """Where to resume reading ``topic``/``partition``; None if never read."""
        with self._lock:
            row = self._db.execute(
                "SELECT next_offset FROM positions WHERE topic = ? AND partition = ?",
                (topic, partition),
            ).fetchone()
        return None if row is None else int(row[0])

    def query(self, query: Query) -> list[StoredObject]:
        """The rows matching ``query`` in storage order."""
        where = ["o.collection = ?", "o.seq > ?"]
        params: list[Any] = [query.collection, query.after_seq]
        if query.added_after is not None:
            where.append("o.date_added > ?")
            params.append(query.added_after)
        for column, values in (("o.id", query.ids), ("o.type", query.types)):
            if values:
                where.append(f"{column} IN ({','.join('?' * len(values))})")
                params += list(values)
        versions = [v for v in query.versions if v not in ("last", "first", "all")]
        chosen = []
        if "all" not in query.versions:
            same = "SELECT {f}(v.version) FROM objects v WHERE v.collection = o.collection"
            same += " AND v.id = o.id"
            if "last" in query.versions:
                chosen.append(f"o.version = ({same.format(f='MAX')})")
            if "first" in query.versions:
                chosen.append(f"o.version = ({same.format(f='MIN')})")
            if versions:
                chosen.append(f"o.version IN ({','.join('?' * len(versions))})")
                params += versions
            where.append("(" + " OR ".join(chosen) + ")")
        # The clauses are constants with ? placeholders; every value is a parameter.
        sql = (
            "SELECT o.seq, o.id, o.version, o.date_added, o.object FROM objects o WHERE "  # noqa: S608
            + " AND ".join(where)
            + " ORDER BY o.seq"
        )
        if query.limit is not None:
            sql += " LIMIT ?"
            params.append(query.limit)
        with self._lock:
            rows = self._db.execute(sql, params).fetchall()
        return [StoredObject(r[0], r[1], r[2], r[3], json.loads(r[4])) for r in rows]

    def count(self, collection: str) -> int:
        """How many object versions ``collection`` holds."""
        with self._lock:
            (n,) = self._db.execute(
                "SELECT count(*) FROM objects WHERE collection = ?", (collection,)
            ).fetchone()
        return int(n)

    def _add(
        self, collection: str, objects: Sequence[dict[str, Any]], position: Position | None
    ) -> int:
        new = 0
        for item in objects:
            added = self._next_added()
            cursor = self._db.execute(
                "INSERT INTO objects (collection, id, version, type, date_added, object)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (collection, id, version) DO NOTHING",
                (
                    collection,
                    item["id"],
                    object_version(item),
                    item["type"],
                    added,
                    json.dumps(item, separators=(",", ":"), sort_keys=True),
                ),
            )
            new += cursor.rowcount
        if position is not None:
            self._mark(position)
        return new

    def _next_added(self) -> str:
        """Now, or one microsecond after the latest date_added if the clock is not later.

        The latest is kept in memory: this object is the store's only writer. A rolled
        back transaction may leave it ahead of the table, which only skips microseconds.
        """
        now = self._clock()
        latest = self._last_added
        if latest is not None and format_added(now) <= latest:
            now = parse_timestamp(latest) + dt.timedelta(microseconds=1)
        self._last_added = format_added(now)
        return self._last_added

    def _mark(self, position: Position) -> None:
        self._db.execute(
            "INSERT INTO positions (topic, partition, next_offset) VALUES (?, ?, ?)"
            " ON CONFLICT (topic, partition) DO UPDATE SET next_offset = excluded.next_offset",
            (position.topic, position.partition, position.offset + 1),
        )

    def _transaction(self, work: Callable[[], Any]) -> Any:
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                result = work()
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise StoreError(f"cannot write to the TAXII store {self.path}: {exc}") from exc
        return result

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()

    def __enter__(self) -> TaxiiStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
