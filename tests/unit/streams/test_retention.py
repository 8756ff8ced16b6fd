"""Event-time expiry of table entries, per partition: the keyed index and the packed log's."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streams.packed_log import PackedLog
from streams.retention import PackedRetention, RetentionIndex


def test_entries_expire_once_the_partition_moves_past_the_window() -> None:
    index = RetentionIndex(window_ms=100)
    index.written(0, 1_000, b"a")
    index.written(0, 1_050, b"b")
    index.advance(0, 1_100)
    assert index.expired(0) == []
    index.advance(0, 1_101)
    assert index.expired(0) == [(1_000, b"a")]
    assert len(index) == 1


def test_partitions_expire_independently() -> None:
    index = RetentionIndex(window_ms=10)
    index.written(0, 0, b"p0")
    index.written(1, 0, b"p1")
    index.advance(1, 100)
    assert index.expired(0) == []
    assert index.expired(1) == [(0, b"p1")]


def test_event_time_never_goes_backwards() -> None:
    index = RetentionIndex(window_ms=10)
    index.written(0, 100, b"late-key")
    index.advance(0, 50)
    assert index.watermark(0) == 100


def test_loading_recovered_entries_orders_them_and_sets_the_watermark() -> None:
    index = RetentionIndex(window_ms=10)
    assert not index.knows(3)
    index.load(3, [(30, b"c"), (5, b"a"), (20, b"b")])
    assert index.knows(3)
    assert index.watermark(3) == 30
    assert index.expired(3) == [(5, b"a")]


def test_forgetting_a_revoked_partition_drops_its_entries() -> None:
    index = RetentionIndex(window_ms=10)
    index.written(2, 0, b"x")
    index.forget(2)
    assert not index.knows(2)
    assert len(index) == 0


def test_window_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        RetentionIndex(window_ms=0)


@given(st.lists(st.integers(0, 10_000), max_size=300), st.integers(1, 2_000))
def test_what_stays_is_exactly_what_is_inside_the_window(times: list[int], window: int) -> None:
    index = RetentionIndex(window_ms=window)
    kept: list[tuple[int, bytes]] = []
    for i, at in enumerate(sorted(times)):
        index.written(0, at, str(i).encode())
        kept.append((at, str(i).encode()))
        index.expired(0)
    if times:
        horizon = max(times) - window
        assert len(index) == sum(1 for at, _ in kept if at >= horizon)


def test_a_long_write_log_compacts_and_still_returns_each_key_once_in_order() -> None:
    index = RetentionIndex(window_ms=100)
    keys = [b"PK-FIA:PK-FIA-2026-%06d" % i for i in range(5_000)]
    popped: list[tuple[int, bytes]] = []
    for at, key in enumerate(keys):
        index.written(0, at, key)
        popped += index.expired(0)
    assert popped == [(at, key) for at, key in enumerate(keys[:-101])]
    assert len(index) == 101


def test_a_key_too_long_to_pack_is_refused() -> None:
    with pytest.raises(ValueError, match="65,535"):
        RetentionIndex(window_ms=10).written(0, 0, b"k" * 70_000)


def _packed(window_ms: int) -> tuple[PackedRetention, PackedLog]:
    log = PackedLog(lambda value: (int.from_bytes(value[:8]), value[8]))
    return PackedRetention(window_ms, log), log


def _put(log: PackedLog, key: bytes, written_ms: int, partition: int) -> None:
    log[key] = written_ms.to_bytes(8) + bytes([partition])


def test_a_packed_index_expires_from_the_log_once_past_the_window() -> None:
    index, log = _packed(window_ms=100)
    for key, at, partition in ((b"a", 1_000, 0), (b"b", 1_050, 0), (b"p1", 0, 1)):
        _put(log, key, at, partition)
        index.written(partition, at, key)
    index.advance(0, 1_100)
    assert index.expired(0) == []
    index.advance(0, 1_101)
    assert index.expired(0) == [(1_000, b"a")]
    assert index.expired(1) == []  # partition 1 has not moved on
    index.advance(0, 50)
    assert index.watermark(0) == 1_101


def test_a_packed_index_loads_recovered_entries_in_order_and_forgets_revoked_ones() -> None:
    index, log = _packed(window_ms=10)
    for key, at in ((b"c", 30), (b"a", 5), (b"b", 20)):
        _put(log, key, at, 3)  # as recovered from the changelog
    assert not index.knows(3)
    index.load(3)
    assert index.knows(3)
    assert index.watermark(3) == 30
    assert index.expired(3) == [(5, b"a")]
    index.forget(3)
    assert not index.knows(3)
    assert index.watermark(3) is None
    assert index.expired(3) == []
    with pytest.raises(ValueError, match="positive"):
        PackedRetention(0, log)
