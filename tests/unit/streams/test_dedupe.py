"""Deduplication decisions and the table entries that carry them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streams.dedupe import (
    Decision,
    decide,
    digest_entry,
    parse_digest_entry,
    parse_revision_entry,
    revision_entry,
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
