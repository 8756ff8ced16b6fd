"""The packed mapping behaves as a dict, and its logs give each partition's write order."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streams.packed_log import PackedLog
from streams.retention import RetentionIndex

_VALUE = struct.Struct(">qH")


def _value(written_ms: int, partition: int, pad: int = 0) -> bytes:
    return _VALUE.pack(written_ms, partition) + b"x" * pad


def _written_at(value: bytes) -> tuple[int, int]:
    written_ms, partition = _VALUE.unpack_from(value)
    return written_ms, partition


def test_keys_map_to_their_latest_value() -> None:
    log = PackedLog(_written_at)
    log[b"a"] = _value(1, 0)
    log[b"b"] = _value(2, 1)
    log[b"a"] = _value(3, 0, pad=40)
    assert log[b"a"] == _value(3, 0, pad=40)
    assert log.get(b"b") == _value(2, 1)
    assert log.get(b"c") is None
    assert b"a" in log and b"c" not in log
    assert len(log) == 2
    del log[b"a"]
    assert dict(log) == {b"b": _value(2, 1)}
    with pytest.raises(KeyError):
        del log[b"a"]
    with pytest.raises(KeyError):
        log[b"a"]


def test_a_key_that_is_a_prefix_of_another_is_another_key() -> None:
    log = PackedLog(_written_at)
    log[b"PK-FIA:A1"] = _value(1, 0)
    log[b"PK-FIA:A10"] = _value(2, 0)
    assert log[b"PK-FIA:A1"] == _value(1, 0)
    assert log.get(b"PK-FIA:A") is None


def test_fields_too_long_for_a_record_are_refused() -> None:
    log = PackedLog(_written_at)
    with pytest.raises(ValueError, match="65,535"):
        log[b"k" * 70_000] = _value(0, 0)
    assert len(log) == 0
    negative = PackedLog(lambda value: (0, -1))
    with pytest.raises(ValueError, match="partition"):
        negative[b"k"] = b"v"
    assert len(negative) == 0


def test_writes_pop_in_order_per_partition_dead_ones_included() -> None:
    log = PackedLog(_written_at)
    log[b"a"] = _value(10, 0)
    log[b"b"] = _value(20, 1)
    log[b"a"] = _value(30, 0)
    log[b"c"] = _value(40, 0)
    assert log.pop_written_before(0, 35) == [(10, b"a"), (30, b"a")]
    assert log.pop_written_before(0, 35) == []
    assert log.pop_written_before(1, 100) == [(20, b"b")]
    assert log.pop_written_before(7, 100) == []
    # Popping is the caller's cue to delete: the entries stay until it does.
    assert len(log) == 3


def test_sorting_a_partition_keeps_its_live_entries_oldest_first() -> None:
    log = PackedLog(_written_at)
    for key, at in ((b"c", 30), (b"a", 5), (b"b", 20), (b"a", 25)):
        log[key] = _value(at, 3)
    log[b"other"] = _value(1, 4)
    assert log.sort(3) == 30
    assert log.sort(9) is None
    assert log.pop_written_before(3, 1_000) == [(20, b"b"), (25, b"a"), (30, b"c")]
    assert dict(log) == {
        b"a": _value(25, 3),
        b"b": _value(20, 3),
        b"c": _value(30, 3),
        b"other": _value(1, 4),
    }


def test_dropping_a_partition_deletes_only_its_entries() -> None:
    log = PackedLog(_written_at)
    log[b"a"] = _value(1, 0)
    log[b"b"] = _value(1, 1)
    log[b"moved"] = _value(1, 1)
    log[b"moved"] = _value(2, 0)  # written again on partition 0: lives there now
    assert log.drop(1) == 1
    assert log.drop(1) == 0
    assert dict(log) == {b"a": _value(1, 0), b"moved": _value(2, 0)}
    assert log.partitions() == {0}


def test_an_entry_popped_but_not_deleted_survives_compaction() -> None:
    log = PackedLog(_written_at)
    log[b"kept"] = _value(0, 0)
    for i in range(20_000):  # well past the size at which the popped front is dropped
        log[str(i).encode()] = _value(i, 0)
    popped = log.pop_written_before(0, 15_000)
    for _, key in popped[1:]:
        del log[key]
    log[b"late"] = _value(20_000, 0)
    before = log.nbytes()
    log.pop_written_before(0, 15_000)  # compacts what the previous call popped
    assert log.nbytes() < before * 0.6
    assert log[b"kept"] == _value(0, 0)
    assert len(log) == 5_000 + 2
    # Moved to the end, it is popped again, once the window passes the later writes.
    assert log.pop_written_before(0, 30_000)[-1] == (0, b"kept")


def test_growing_keeps_every_entry_and_space_is_a_fraction_of_a_dicts() -> None:
    log = PackedLog(_written_at)
    n = 50_000
    for i in range(n):
        log[i.to_bytes(32, "big")] = _value(i, i % 3)
    assert len(log) == n
    assert all(log[i.to_bytes(32, "big")] == _value(i, i % 3) for i in range(0, n, 997))
    # 4 + 32 + 10 bytes of record and at most 24 of slot table per entry.
    assert log.nbytes() < n * 80


def test_clear_empties_everything() -> None:
    log = PackedLog(_written_at)
    log[b"a"] = _value(1, 0)
    log.clear()
    assert len(log) == 0
    assert log.partitions() == set()
    assert log.get(b"a") is None


_ops = st.lists(
    st.tuples(
        st.sampled_from(["set", "del", "pop", "sort", "drop"]),
        st.integers(0, 40),  # key
        st.integers(0, 2),  # partition
        st.integers(0, 50),  # time step
        st.integers(0, 30),  # value padding
    ),
    max_size=200,
)


@settings(max_examples=150, deadline=None)
@given(_ops)
def test_a_packed_log_is_a_dict(ops: list[tuple[str, int, int, int, int]]) -> None:
    """Any sequence of writes, deletions, pops (deleting as the retained table does),
    sorts and drops: the same entries as a dict given the same operations."""
    log, model = PackedLog(_written_at), {}
    at = 0
    for op, k, partition, step, pad in ops:
        key = b"key-%d" % k
        at += step
        if op == "set":
            log[key] = model[key] = _value(at, partition, pad)
        elif op == "del" and key in model:
            del log[key], model[key]
        elif op == "pop":
            for written_ms, popped in log.pop_written_before(partition, at - 60):
                if popped in model and _written_at(model[popped])[0] == written_ms:
                    del log[popped], model[popped]
        elif op == "sort":
            log.sort(partition)
        elif op == "drop":
            log.drop(partition)
            model = {k: v for k, v in model.items() if _written_at(v)[1] != partition}
        assert len(log) == len(model)
    assert dict(log) == model
    assert all(log.get(key) == value for key, value in model.items())


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 20), st.integers(0, 30)), max_size=150))
def test_pops_equal_a_retention_index(writes: list[tuple[int, int]]) -> None:
    """The log's write order is what the retention index would have kept of the same writes."""
    log, index = PackedLog(_written_at), RetentionIndex(window_ms=40)
    at = 0
    for k, step in writes:
        at += step
        key = b"k%d" % k
        log[key] = _value(at, 0)
        index.written(0, at, key)
        assert log.pop_written_before(0, at - 40) == index.expired(0)
