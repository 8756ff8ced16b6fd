"""Deduplication decisions and the bounded digest window."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streams.dedupe import Decision, RecentDigests, decide, value_digest


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


def test_digest_window_forgets_after_the_window() -> None:
    window = RecentDigests(window_s=60)
    digest = value_digest(b"signed bytes")
    assert not window.seen(digest, at=0)
    window.add(digest, at=0)
    assert window.seen(digest, at=59)
    assert not window.seen(digest, at=61)
    assert len(window) == 0


def test_a_forged_copy_never_matches_the_genuine_digest() -> None:
    window = RecentDigests(window_s=60)
    window.add(value_digest(b"genuine"), at=0)
    assert not window.seen(value_digest(b"genuine-but-forged"), at=1)


@given(st.lists(st.integers(min_value=0, max_value=10_000), max_size=200))
def test_memory_is_bounded_by_the_window(times: list[int]) -> None:
    window = RecentDigests(window_s=100)
    for i, at in enumerate(sorted(times)):
        window.add(value_digest(str(i).encode()), at=at)
    if times:
        latest = max(times)
        assert len(window) == sum(1 for t in times if latest - t <= 100)
