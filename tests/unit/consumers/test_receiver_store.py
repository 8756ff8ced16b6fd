"""The receiver's SQLite store: each delivery id stored once, durable across reopening."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from consumers.errors import StoreError
from consumers.inbox.check import InboxItem, check_delivery
from consumers.receiver_store import ReceiverStore, storage_key
from schemas.topics import TopicNames
from schemas.truststore import TrustStore
from tests.unit.consumers.webhooks.webhook_fixtures import inbox_record


def _item(
    alert: dict[str, Any], key: Ed25519PrivateKey, topics: TopicNames, store: TrustStore
) -> InboxItem:
    record = inbox_record(alert, key, topics)
    return check_delivery(record.value, record.headers, store, topics, offset=record.offset)


def test_a_delivery_is_stored_once_however_often_it_arrives(
    tmp_path: Path,
    alert: dict[str, Any],
    fia_key: Ed25519PrivateKey,
    topics: TopicNames,
    trust_store: TrustStore,
) -> None:
    item = _item(alert, fia_key, topics, trust_store)
    assert item.verified and item.delivery_id
    with ReceiverStore(tmp_path / "r.db") as store:
        assert store.store(item, channel="webhook") is True
        assert store.store(item, channel="webhook") is False
        assert store.store(item, channel="inbox") is False
        assert store.count() == 1
        row = store.get(item.delivery_id)
    assert row is not None
    assert row.channel == "webhook"
    assert row.verified and row.status == "verified" and row.origin == "PK-FIA"
    assert row.document == item.document
    assert row.received_at.endswith("Z")


def test_what_was_stored_survives_reopening_and_stays_deduplicated(
    tmp_path: Path,
    alert: dict[str, Any],
    fia_key: Ed25519PrivateKey,
    topics: TopicNames,
    trust_store: TrustStore,
) -> None:
    item = _item(alert, fia_key, topics, trust_store)
    with ReceiverStore(tmp_path / "r.db") as store:
        store.store(item, channel="inbox")
    with ReceiverStore(tmp_path / "r.db") as store:
        assert store.store(item, channel="inbox") is False
        assert store.delivery_ids() == [item.delivery_id]
    mode = sqlite3.connect(tmp_path / "r.db").execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_rejected_deliveries_are_stored_as_rejected(
    tmp_path: Path,
    alert: dict[str, Any],
    tr_key: Ed25519PrivateKey,
    topics: TopicNames,
    trust_store: TrustStore,
) -> None:
    # Signed by TR-SG's key but claiming PK-FIA: the originator check fails.
    record = inbox_record(alert, tr_key, topics)
    item = check_delivery(record.value, record.headers, trust_store, topics)
    assert not item.verified
    with ReceiverStore(tmp_path / "r.db") as store:
        assert store.store(item, channel="webhook")
        row = store.get(storage_key(item))
    assert row is not None
    assert not row.verified and row.status == "rejected" and row.origin is None


def test_an_item_without_a_delivery_id_is_keyed_by_its_inbox_position(tmp_path: Path) -> None:
    item = InboxItem(None, 2, 41, False, {"status": "rejected", "reason": "x", "detail": "y"})
    with ReceiverStore(tmp_path / "r.db") as store:
        assert store.store(item, channel="inbox")
        assert not store.store(item, channel="inbox")
        assert store.delivery_ids() == ["no-delivery-id:2:41"]


def test_concurrent_stores_of_one_id_store_it_once(tmp_path: Path) -> None:
    items = [
        InboxItem(f"id-{i % 5}", 0, i, True, {"status": "verified", "origin": "PK-FIA"})
        for i in range(100)
    ]
    results: list[bool] = []
    lock = threading.Lock()
    with ReceiverStore(tmp_path / "r.db") as store:

        def work(chunk: list[InboxItem]) -> None:
            for item in chunk:
                new = store.store(item, channel="webhook")
                with lock:
                    results.append(new)

        threads = [threading.Thread(target=work, args=(items[i::4],)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert store.count() == 5
    assert results.count(True) == 5 and len(results) == 100


def test_an_unwritable_store_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="cannot open"):
        ReceiverStore(tmp_path / "missing-dir" / "r.db")


@pytest.mark.parametrize("kind", ["directory", "not-sqlite"])
def test_a_path_that_cannot_be_a_store_is_not_retriable(tmp_path: Path, kind: str) -> None:
    path = tmp_path
    if kind == "not-sqlite":
        path = tmp_path / "notes.txt"
        path.write_text("not a database\n" * 100, "utf-8")
    with pytest.raises(StoreError) as info:
        ReceiverStore(path)
    assert not info.value.retriable, "a local file problem is exit 2, not 'retry later'"
    assert str(path) in str(info.value)
