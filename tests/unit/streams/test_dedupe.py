"""Deduplication decisions and the table entries that carry them."""

from __future__ import annotations

import struct
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streams.dedupe import (
    MAX_EARLIER_ORIGINS,
    Decision,
    decide,
    digest_entry,
    digest_written_at,
    format_origin,
    parse_digest_entry,
    parse_origin,
    parse_passed_origins,
    parse_revision_entry,
    parse_revision_origin,
    revision_entry,
    revision_written_at,
    value_digest,
)


@pytest.mark.parametrize(
    ("delivered", "incoming", "expected"),
    [
        pytest.param(None, 1, Decision.NEW, id="first"),
        pytest.param(None, 3, Decision.NEW, id="first-seen-at-rev-3"),
        pytest.param(1, 2, Decision.UPDATE, id="higher"),
        pytest.param(2, 2, Decision.DUPLICATE, id="same"),
        pytest.param(3, 2, Decision.STALE, id="late-older"),
    ],
)
def test_decisions(delivered: int | None, incoming: int, expected: Decision) -> None:
    assert decide(delivered, incoming) is expected


@given(st.lists(st.integers(min_value=1, max_value=20), min_size=1, max_size=30))
def test_delivered_revisions_increase_and_end_at_the_maximum(revisions: list[int]) -> None:
    delivered: int | None = None
    sent: list[int] = []
    for revision in revisions:
        if decide(delivered, revision) in (Decision.NEW, Decision.UPDATE):
            sent.append(revision)
            delivered = revision
    assert sent == sorted(set(sent))
    assert delivered == max(revisions)


@given(
    st.integers(0, 2**62), st.integers(0, 65535), st.integers(0, 2**32 - 1), st.integers(0, 2**62)
)
def test_digest_entries_round_trip(
    written_ms: int, partition: int, topic: int, offset: int
) -> None:
    entry = digest_entry(written_ms, partition, topic, offset)
    assert parse_digest_entry(entry) == (written_ms, partition, topic, offset)


@given(st.integers(1, 2**31 - 1), st.integers(0, 2**62), st.integers(0, 65535))
def test_revision_entries_round_trip(revision: int, written_ms: int, partition: int) -> None:
    entry = revision_entry(revision, written_ms, partition)
    assert parse_revision_entry(entry) == (revision, written_ms, partition)


def test_a_forged_copy_never_has_the_genuine_digest() -> None:
    assert value_digest(b"genuine") != value_digest(b"genuine but forged")
    assert len(value_digest(b"genuine")) == 32


@pytest.mark.parametrize(
    ("delivered_origin", "origin", "expected"),
    [
        ((1, 9), (1, 5), Decision.SUPERSEDED),  # published before, read after: the hub's order
        ((1, 5), (1, 9), Decision.STALE),  # published after the higher one: a late resend
        ((1, 9), (2, 5), Decision.STALE),  # another partition: offsets do not compare
        (None, (1, 5), Decision.STALE),  # an entry written before origins were kept
        ((1, 9), None, Decision.STALE),
    ],
    ids=["reordered", "late", "other-partition", "old-entry", "no-header"],
)
def test_a_lower_revision_is_stale_only_if_published_after_the_delivered_one(
    delivered_origin: tuple[int, int] | None,
    origin: tuple[int, int] | None,
    expected: Decision,
) -> None:
    assert decide(2, 1, delivered_origin, origin) is expected
    # Higher and equal revisions do not depend on where they were read.
    assert decide(2, 3, delivered_origin, origin) is Decision.UPDATE
    assert decide(2, 2, delivered_origin, origin) is Decision.DUPLICATE


def test_revision_entries_keep_the_inbound_origin_and_read_old_entries() -> None:
    entry = revision_entry(3, 1_000, 2, (1, 66))
    assert parse_revision_entry(entry) == (3, 1_000, 2)
    assert parse_revision_origin(entry) == (1, 66)
    assert parse_revision_origin(revision_entry(3, 1_000, 2)) is None
    old = struct.pack(">iqH", 3, 1_000, 2)  # written before the origin was appended
    assert parse_revision_entry(old) == (3, 1_000, 2)
    assert parse_revision_origin(old) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(b"1:66", (1, 66)), (None, None), (b"x:1", None), (b"1", None), (b"-1:3", None)],
)
def test_origin_header(raw: bytes | None, expected: tuple[int, int] | None) -> None:
    assert parse_origin(raw) == expected
    if expected is not None:
        assert format_origin(*expected) == raw


def test_a_lower_revision_read_from_where_it_was_passed_is_a_duplicate() -> None:
    assert decide(2, 1, (1, 9), (1, 5), [(1, 5), (1, 9)]) is Decision.DUPLICATE
    assert decide(2, 1, (1, 9), (1, 5), [(1, 9)]) is Decision.SUPERSEDED
    assert decide(2, 1, (1, 9), (1, 12), [(1, 5), (1, 9)]) is Decision.STALE


@given(
    st.integers(1, 2**31 - 1),
    st.lists(st.tuples(st.integers(0, 65535), st.integers(0, 2**62)), max_size=40),
)
def test_revision_entries_keep_the_latest_earlier_origins(
    revision: int, earlier: list[tuple[int, int]]
) -> None:
    entry = revision_entry(revision, 5, 1, (3, 9), earlier)
    assert parse_revision_entry(entry) == (revision, 5, 1)
    assert parse_revision_origin(entry) == (3, 9)
    assert parse_passed_origins(entry) == [*earlier[-MAX_EARLIER_ORIGINS:], (3, 9)]


@pytest.mark.parametrize(
    ("value", "written_at", "expected"),
    [
        (
            digest_entry(1_767_225_600_123, 7, 0xDEADBEEF, 42),
            digest_written_at,
            (1_767_225_600_123, 7),
        ),
        (
            revision_entry(3, 1_767_225_600_456, 2, (1, 9), [(1, 5)]),
            revision_written_at,
            (1_767_225_600_456, 2),
        ),
        (revision_entry(3, 99, 2)[:14], revision_written_at, (99, 2)),
    ],
    ids=["digest", "revision", "revision-before-origins"],
)
def test_an_entry_tells_when_and_on_which_partition_it_was_written(
    value: bytes, written_at: Callable[[bytes], tuple[int, int]], expected: tuple[int, int]
) -> None:
    assert written_at(value) == expected
