"""The dedupe state machine over tables: plain dicts, and the packed mapping of the
memory store, stand in for Faust tables and decide alike."""

from __future__ import annotations

import logging
from collections.abc import Callable, MutableMapping

import pytest
from prometheus_client import CollectorRegistry

from streams.dedupe import Decision, digest_written_at, revision_written_at
from streams.dedupe_stage import ExactRepeats, Repeat, RevisionGate
from streams.metrics import StreamMetrics
from streams.packed_log import PackedLog, WrittenAt

Store = Callable[[WrittenAt], MutableMapping[bytes, bytes]]

DAY_MS = 24 * 3600 * 1000


@pytest.fixture(params=["dict", "packed"])
def store(request: pytest.FixtureRequest) -> Store:
    """A new table's store: a dict (as rocksdb or Faust's dict), or the packed memory store."""
    if request.param == "dict":
        return lambda written_at: {}
    return PackedLog


def _metrics() -> tuple[StreamMetrics, CollectorRegistry]:
    registry = CollectorRegistry()
    return StreamMetrics.create(registry), registry


def _count(registry: CollectorRegistry, name: str, **labels: str) -> float:
    return registry.get_sample_value(name, labels) or 0.0


def _walk(gate: RevisionGate, key: bytes, revisions: list[int]) -> list[Decision]:
    decisions = []
    for at, revision in enumerate(revisions):
        decision = gate.decide(key, revision, 0, at)
        if decision in (Decision.NEW, Decision.UPDATE):
            gate.passed(key, revision, 0, at, decision)
        decisions.append(decision)
    return decisions


T = "corridor.inbound.PK-FIA"


def test_exact_repeats_are_recognised_only_after_verification_was_recorded(store: Store) -> None:
    metrics, registry = _metrics()
    repeats = ExactRepeats(store(digest_written_at), DAY_MS, metrics)
    assert repeats.check(b"signed", T, 0, 10, 1) is Repeat.FIRST
    repeats.remember(b"signed", T, 0, 10, 1)
    # The hub re-reading the same record after a restart: dropped silently.
    assert repeats.check(b"signed", T, 0, 10, 2) is Repeat.REREAD
    # The same bytes in a new record, on any partition: a replay.
    assert repeats.check(b"signed", T, 0, 11, 3) is Repeat.REPLAYED
    assert repeats.check(b"signed", T, 2, 10, 3) is Repeat.REPLAYED
    # On another topic: verification will say it was signed for another topic.
    assert repeats.check(b"signed", "corridor.inbound.TR-SG", 0, 10, 3) is Repeat.OTHER_TOPIC
    assert repeats.check(b"signed but altered", T, 0, 12, 3) is Repeat.FIRST
    assert _count(registry, "corridor_stream_duplicates_total", kind="exact", agency="PK-FIA") == 1


def test_an_unverified_lookalike_never_enters_the_digest_table(store: Store) -> None:
    metrics, _ = _metrics()
    table = store(digest_written_at)
    repeats = ExactRepeats(table, DAY_MS, metrics)
    assert repeats.check(b"forged copy of a real alert id", T, 0, 1, 1) is Repeat.FIRST
    assert table == {}


def test_digests_expire_after_the_window_of_event_time(store: Store) -> None:
    metrics, registry = _metrics()
    table = store(digest_written_at)
    repeats = ExactRepeats(table, DAY_MS, metrics)
    repeats.remember(b"old", T, 0, 1, 0)
    assert repeats.check(b"new", T, 0, 2, 2 * DAY_MS) is Repeat.FIRST
    assert table == {}
    assert _count(registry, "corridor_stream_state_expired_total", table="dedupe-digests") == 1


def test_revisions_new_update_duplicate_stale(store: Store) -> None:
    metrics, registry = _metrics()
    gate = RevisionGate(store(revision_written_at), DAY_MS, metrics)
    decisions = _walk(gate, b"PK-FIA:A1", [1, 1, 2, 1, 3, 3])
    assert decisions == [
        Decision.NEW,
        Decision.DUPLICATE,
        Decision.UPDATE,
        Decision.STALE,
        Decision.UPDATE,
        Decision.DUPLICATE,
    ]
    fia = {"agency": "PK-FIA"}
    assert _count(registry, "corridor_stream_accepted_total", status="update", **fia) == 2
    assert _count(registry, "corridor_stream_duplicates_total", kind="duplicate", **fia) == 2
    assert _count(registry, "corridor_stream_duplicates_total", kind="stale", **fia) == 1


def test_a_decision_not_followed_by_a_send_remembers_nothing(store: Store) -> None:
    # The agent records a pass only after the broker acknowledged the send; a crash in
    # between must leave the alert undelivered-looking so it is sent again.
    metrics, _ = _metrics()
    gate = RevisionGate(store(revision_written_at), DAY_MS, metrics)
    assert gate.decide(b"K", 1, 0, 0) is Decision.NEW
    assert gate.decide(b"K", 1, 0, 1) is Decision.NEW


def test_recovered_entries_expire_too(store: Store) -> None:
    metrics, _ = _metrics()
    table = store(revision_written_at)
    RevisionGate(table, DAY_MS, metrics).passed(b"K", 1, 2, 0, Decision.NEW)
    restarted = RevisionGate(table, DAY_MS, metrics)  # index rebuilt from the store
    assert restarted.decide(b"other", 1, 2, 2 * DAY_MS) is Decision.NEW
    assert b"K" not in table


def test_a_revision_read_out_of_order_is_passed_on_superseded_and_not_remembered(
    store: Store,
) -> None:
    metrics, registry = _metrics()
    gate = RevisionGate(store(revision_written_at), DAY_MS, metrics)
    # Revision 2 published at inbound offset 67, revision 1 at 66; the hub read 67 first.
    assert gate.decide(b"K", 2, 0, 1, (1, 67)) is Decision.NEW
    gate.passed(b"K", 2, 0, 1, Decision.NEW, (1, 67))
    assert gate.decide(b"K", 1, 0, 2, (1, 66)) is Decision.SUPERSEDED
    gate.passed(b"K", 1, 0, 2, Decision.SUPERSEDED, (1, 66))
    assert _count(registry, "corridor_stream_accepted_total", status="superseded", agency="K") == 1
    # Revision 2 stays the one delivered: re-reading it is a duplicate, 3 an update.
    assert gate.decide(b"K", 2, 0, 3, (1, 67)) is Decision.DUPLICATE
    assert gate.decide(b"K", 3, 0, 3, (1, 70)) is Decision.UPDATE
    # The same old bytes resent after revision 2 are stale, as before.
    assert gate.decide(b"K", 1, 0, 4, (1, 80)) is Decision.STALE


def test_a_passed_revision_read_again_after_a_restart_is_a_duplicate_not_a_late_read(
    store: Store,
    caplog: pytest.LogCaptureFixture,
) -> None:
    metrics, registry = _metrics()
    table = store(revision_written_at)
    gate = RevisionGate(table, DAY_MS, metrics)
    # Revisions 1 and 2 published at inbound offsets 37 and 46, both passed on in order.
    for revision, offset, decision in ((1, 37, Decision.NEW), (2, 46, Decision.UPDATE)):
        assert gate.decide(b"K", revision, 0, offset, (0, offset)) is decision
        gate.passed(b"K", revision, 0, offset, decision, (0, offset))
    # A restarted worker recovers the table and reads both verified records again.
    restarted = RevisionGate(table, DAY_MS, metrics)
    with caplog.at_level(logging.ERROR, logger="streams.dedupe_stage"):
        assert restarted.decide(b"K", 1, 0, 37, (0, 37)) is Decision.DUPLICATE
        assert restarted.decide(b"K", 2, 0, 46, (0, 46)) is Decision.DUPLICATE
    assert caplog.records == []
    assert _count(registry, "corridor_stream_duplicates_total", kind="duplicate", agency="K") == 2


def test_a_late_read_is_still_told_apart_from_a_replay_of_a_passed_revision(
    store: Store,
    caplog: pytest.LogCaptureFixture,
) -> None:
    metrics, _ = _metrics()
    gate = RevisionGate(store(revision_written_at), DAY_MS, metrics)
    # Revisions 1 and 3 passed on; revision 2 (offset 40, between them) was never read.
    for revision, offset, decision in ((1, 30, Decision.NEW), (3, 50, Decision.UPDATE)):
        gate.passed(b"K", revision, 0, offset, decision, (0, offset))
    with caplog.at_level(logging.ERROR, logger="streams.dedupe_stage"):
        assert gate.decide(b"K", 2, 0, 60, (0, 40)) is Decision.SUPERSEDED
    assert [r.levelno for r in caplog.records] == [logging.ERROR]
    # Once passed on as superseded, reading it again is a duplicate; 1 still is too.
    gate.passed(b"K", 2, 0, 60, Decision.SUPERSEDED, (0, 40))
    assert gate.decide(b"K", 2, 0, 61, (0, 40)) is Decision.DUPLICATE
    assert gate.decide(b"K", 1, 0, 61, (0, 30)) is Decision.DUPLICATE
    assert gate.decide(b"K", 3, 0, 61, (0, 50)) is Decision.DUPLICATE
    # Revision 1 resent in a new record after revision 3: stale, as before.
    assert gate.decide(b"K", 1, 0, 62, (0, 70)) is Decision.STALE
