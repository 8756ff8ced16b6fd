"""The dedupe tables' memory store: packed, recovered from the changelog as Faust's dict is."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import faust
import pytest
from faust.stores.rocksdb import Store as RocksDBStore
from faust.types import TP

from streams.dedupe import Decision, revision_entry, revision_written_at
from streams.dedupe_stage import RevisionGate
from streams.packed_log import PackedLog, WrittenAt
from streams.packed_store import PackedStore
from streams.retention import PackedRetention, RetentionIndex
from streams.tables import PackedTable, RetainedTable
from tests.unit.streams.stage_fakes import new_metrics

DAY_MS = 24 * 3600 * 1000


@dataclass(frozen=True)
class _Message:
    partition: int
    value: bytes | None


@dataclass(frozen=True)
class _ChangelogEvent:
    """What Faust hands a store's ``apply_changelog_batch``: one changelog record."""

    key: bytes
    value: bytes | None
    message: _Message


class _ChangelogWriter(PackedLog):
    """The table a live worker writes, with the changelog records Faust would send."""

    def __init__(self, written_at: WrittenAt) -> None:
        super().__init__(written_at)
        self.changelog: list[_ChangelogEvent] = []

    def __setitem__(self, key: bytes, value: bytes) -> None:
        partition = revision_written_at(value)[1]
        self.changelog.append(_ChangelogEvent(key, value, _Message(partition, value)))
        super().__setitem__(key, value)

    def __delitem__(self, key: bytes) -> None:
        partition = revision_written_at(self[key])[1]
        self.changelog.append(_ChangelogEvent(key, None, _Message(partition, None)))
        super().__delitem__(key)


def _table(tmp_path: Path, store: str = "memory://") -> Any:
    app = faust.App(
        "packed-store-test", broker="kafka://127.0.0.1:1", datadir=tmp_path, store=store
    )
    return PackedTable(
        app,
        name="dedupe-revisions",
        default=None,
        key_type=bytes,
        value_type=bytes,
        written_at=revision_written_at,
    )


def _recover(store: PackedStore, changelog: list[_ChangelogEvent], active: set[int]) -> None:
    store.apply_changelog_batch(changelog, to_key=lambda k: k, to_value=lambda v: v)
    active_tps = {TP("app-dedupe-revisions-changelog", p) for p in active}
    asyncio.run(store.on_recovery_completed(active_tps, set()))


def test_a_memory_table_is_packed_and_a_rocksdb_one_is_fausts(tmp_path: Path) -> None:
    packed = _table(tmp_path)
    assert isinstance(packed.data.data, PackedLog)
    # Its own write order expires it: no second index of its keys.
    assert isinstance(RetainedTable(packed, DAY_MS, revision_written_at).index, PackedRetention)
    rocksdb = _table(tmp_path, "rocksdb://")
    assert isinstance(rocksdb.data, RocksDBStore)
    assert isinstance(RetainedTable(rocksdb, DAY_MS, revision_written_at).index, RetentionIndex)


def test_recovery_applies_values_and_tombstones_and_keeps_only_active_partitions(
    tmp_path: Path,
) -> None:
    store = _table(tmp_path).data
    a1, a2, b = revision_entry(1, 10, 0), revision_entry(2, 20, 0), revision_entry(1, 10, 1)
    changelog = [
        _ChangelogEvent(b"A", a1, _Message(0, a1)),
        _ChangelogEvent(b"B", b, _Message(1, b)),
        _ChangelogEvent(b"A", a2, _Message(0, a2)),
        _ChangelogEvent(b"C", a1, _Message(0, a1)),
        _ChangelogEvent(b"C", None, _Message(0, None)),
    ]
    _recover(store, changelog, active={0})
    assert dict(store.data) == {b"A": a2}


def test_a_changelog_value_of_another_encoding_is_logged_and_not_recovered(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = _table(tmp_path).data
    entry, old = revision_entry(1, 10, 0), b"\x00" * 5
    changelog = [
        _ChangelogEvent(b"A", entry, _Message(0, entry)),
        _ChangelogEvent(b"B", entry, _Message(0, entry)),
        _ChangelogEvent(b"B", old, _Message(0, old)),
    ]
    with caplog.at_level(logging.ERROR, logger="streams.packed_store"):
        _recover(store, changelog, active={0})
    assert dict(store.data) == {b"A": entry}
    assert "not recovered" in caplog.text


@pytest.mark.parametrize("window_days", [1, 3])
def test_a_restarted_worker_decides_as_the_one_that_wrote_the_changelog(
    tmp_path: Path, window_days: int
) -> None:
    """Revisions passed on and expired over 4 days of event time, then a restart: the
    recovered store holds the same entries and decides and expires alike."""
    metrics, window = new_metrics(), window_days * DAY_MS
    live = _ChangelogWriter(revision_written_at)
    gate = RevisionGate(live, window, metrics)
    for day in range(4):
        at = day * DAY_MS
        for n in range(5):
            key = b"PK-FIA:A%d" % (n + day)
            decision = gate.decide(key, day + 1, 0, at, (0, day * 10 + n))
            if decision in (Decision.NEW, Decision.UPDATE):
                gate.passed(key, day + 1, 0, at, decision, (0, day * 10 + n))
    store = _table(tmp_path).data
    _recover(store, live.changelog, active={0})
    assert dict(store.data) == dict(live)
    restarted = RevisionGate(store.data, window, metrics)
    at = 4 * DAY_MS
    for n in range(9):
        key = b"PK-FIA:A%d" % n
        assert restarted.decide(key, 4, 0, at) is gate.decide(key, 4, 0, at)
    assert dict(store.data) == dict(live)
