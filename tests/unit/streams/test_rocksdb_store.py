"""The worker's ``--store rocksdb://`` needs the rocksdict binding installed with the project."""

from __future__ import annotations

from pathlib import Path

from faust.stores.rocksdb import RocksDBOptions


def test_faust_opens_a_rocksdb_store_with_the_installed_binding(tmp_path: Path) -> None:
    db = RocksDBOptions().open(tmp_path / "table")
    db.put(b"PK-FIA:PK-FIA-2026-000042", b"\x00\x00\x00\x02")
    assert db.get(b"PK-FIA:PK-FIA-2026-000042") == b"\x00\x00\x00\x02"
    assert db.get(b"missing") is None
