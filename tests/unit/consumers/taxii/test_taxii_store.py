"""The TAXII store: idempotent adds, strictly increasing date_added, versions, revocation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from consumers.errors import StoreOpenError
from consumers.taxii.store import Position, Query, TaxiiStore

FROZEN = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)


def _sdo(stix_id: str, modified: str) -> dict[str, Any]:
    return {
        "type": "report",
        "id": stix_id,
        "created": "2026-11-01T00:00:00.000Z",
        "modified": modified,
    }


@pytest.fixture
def store(tmp_path: Path) -> Iterator[TaxiiStore]:
    with TaxiiStore(tmp_path / "taxii.db", clock=lambda: FROZEN) as opened:
        yield opened


def test_adding_the_same_versions_again_stores_nothing_new(store: TaxiiStore) -> None:
    objects = [
        _sdo("report--1", "2026-11-02T00:00:00.000Z"),
        {"type": "user-account", "id": "user-account--1"},
    ]
    assert store.add("GR-HCG", objects, Position("inbox.GR-HCG", 0, 4)) == 2
    assert store.add("GR-HCG", objects, Position("inbox.GR-HCG", 0, 5)) == 0
    assert store.count("GR-HCG") == 2
    assert store.next_offset("inbox.GR-HCG", 0) == 6


def test_collections_are_separate(store: TaxiiStore) -> None:
    store.add("GR-HCG", [_sdo("report--1", "2026-11-02T00:00:00.000Z")], None)
    assert store.query(Query("TR-SG")) == []
    assert [o.id for o in store.query(Query("GR-HCG"))] == ["report--1"]


def test_date_added_strictly_increases_even_when_the_clock_stands_still(
    store: TaxiiStore,
) -> None:
    for n in range(5):
        store.add("GR-HCG", [_sdo(f"report--{n}", "2026-11-02T00:00:00.000Z")], None)
    added = [o.date_added for o in store.query(Query("GR-HCG"))]
    assert added == sorted(set(added))
    later = store.query(Query("GR-HCG", added_after=added[2]))
    assert [o.id for o in later] == ["report--3", "report--4"]


def test_match_version_last_first_all(store: TaxiiStore) -> None:
    store.add("GR-HCG", [_sdo("report--1", "2026-11-02T00:00:00.000Z")], None)
    store.add("GR-HCG", [_sdo("report--1", "2026-11-03T00:00:00.000Z")], None)
    assert [o.version for o in store.query(Query("GR-HCG"))] == ["2026-11-03T00:00:00.000Z"]
    first = store.query(Query("GR-HCG", versions=["first"]))
    assert [o.version for o in first] == ["2026-11-02T00:00:00.000Z"]
    assert len(store.query(Query("GR-HCG", versions=["all"]))) == 2


def test_revoke_adds_a_revoked_version_after_the_latest(store: TaxiiStore) -> None:
    store.add("GR-HCG", [_sdo("report--1", "2026-11-02T00:00:00.000Z")], None)
    assert (
        store.revoke(
            "GR-HCG",
            ["report--1", "report--unknown"],
            "2026-11-01T00:00:00.000Z",
            Position("inbox.GR-HCG", 1, 9),
        )
        == 1
    )
    latest = store.latest("GR-HCG", "report--1")
    assert latest is not None
    assert latest["revoked"] is True
    assert latest["modified"] == "2026-11-02T00:00:00.001Z"
    assert store.next_offset("inbox.GR-HCG", 1) == 10
    assert store.revoke("GR-HCG", ["report--1"], "2026-11-05T00:00:00.000Z", None) == 0


def test_date_added_keeps_increasing_after_a_reopen_with_a_clock_set_back(tmp_path: Path) -> None:
    path = tmp_path / "taxii.db"
    with TaxiiStore(path, clock=lambda: FROZEN) as first:
        first.add("GR-HCG", [_sdo("report--1", "2026-11-02T00:00:00.000Z")], None)
    earlier = FROZEN - dt.timedelta(hours=1)
    with TaxiiStore(path, clock=lambda: earlier) as reopened:
        reopened.add("GR-HCG", [_sdo("report--2", "2026-11-02T00:00:00.000Z")], None)
        added = [o.date_added for o in reopened.query(Query("GR-HCG"))]
    assert added[0] < added[1]


@pytest.mark.parametrize("kind", ["directory", "not-sqlite"])
def test_a_path_that_cannot_be_a_store_is_a_local_problem(tmp_path: Path, kind: str) -> None:
    """Like the delivery store: exit 2 (not retriable), never "Kafka unreachable"."""
    path = tmp_path / "taxii.db"
    if kind == "directory":
        path.mkdir()
    else:
        path.write_bytes(b"this is not a SQLite database, just text " * 100)
    with pytest.raises(StoreOpenError) as raised:
        TaxiiStore(path)
    assert not raised.value.retriable
