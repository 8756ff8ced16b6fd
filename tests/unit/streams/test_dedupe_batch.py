"""The dedupe stage over batches decides exactly as over one record at a time."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import MutableMapping
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from producers.scenarios import sample_datum
from schemas import hub_headers
from schemas.codec import decode_single_object
from schemas.envelope import open_envelope
from schemas.keys import generate_private_key
from schemas.signing import sign_alert
from schemas.topics import TopicNames, message_key
from streams import dedupe_batch
from streams.dedupe import format_origin, revision_written_at
from streams.dedupe_batch import DedupeStage
from streams.dedupe_stage import RevisionGate
from streams.features import features_of
from streams.packed_log import PackedLog
from streams.stage_plan import ALERTS, AUDIT, CORRELATION, QUARANTINE
from tests.unit.streams.stage_fakes import (
    FakeEvent,
    FakeMessage,
    FakeTopic,
    drive,
    fake_topics,
    new_metrics,
)

NOW = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)
VERIFIED_TOPIC = "unit.verified"
ALERT_IDS = ("A", "B", "C")


@functools.cache
def _signed(alert: str, revision: int) -> tuple[bytes, bytes]:
    """(key, value) of a verified record: revision ``revision`` of alert ``alert``."""
    datum = sample_datum("PK-FIA", ALERT_IDS.index(alert) + 1, now=NOW)
    datum["revision"] = revision
    record = sign_alert(datum, _KEY, TopicNames("unit"), produced_at=NOW)
    return message_key(datum["agency"], datum["alert_id"]), record.value


_KEY = generate_private_key()


def _event(
    alert: str, revision: int, offset: int, inbound_offset: int | None = None, at_ms: int = 0
) -> FakeEvent:
    key, value = _signed(alert, revision)
    partition = ALERT_IDS.index(alert) % 2  # keyed: one alert, one partition
    headers = [
        (hub_headers.REVISION, str(revision).encode()),
        (
            hub_headers.INBOUND_OFFSET,
            format_origin(0, offset if inbound_offset is None else inbound_offset),
        ),
    ]
    return FakeEvent(
        FakeMessage(VERIFIED_TOPIC, partition, offset, key, value, headers, timestamp=at_ms / 1000)
    )


def _run(
    batches: list[list[FakeEvent]],
    refuse: tuple[int, ...] = (),
    window_ms: int = 10**9,
    packed: bool = False,
) -> tuple[dict[str, FakeTopic], dict[bytes, bytes]]:
    """Outputs and final state; ``packed``: the table kept as the memory store keeps it."""
    metrics = new_metrics()
    table: MutableMapping[bytes, bytes] = PackedLog(revision_written_at) if packed else {}
    stage = DedupeStage(RevisionGate(table, window_ms, metrics), metrics)
    topics = fake_topics(refuse)
    drive(stage, batches, topics, metrics)
    return topics, dict(table)


def _statuses(topics: dict[str, FakeTopic]) -> list[tuple[bytes | None, bytes | None]]:
    return [
        (key, hub_headers.header_value(headers, hub_headers.REVISION_STATUS))
        for key, _, headers in topics[ALERTS].records
    ]


def _observed(topics: dict[str, FakeTopic], table: dict[bytes, bytes]) -> dict[str, Any]:
    """What a batching change must not alter: every output (quarantine and audit values
    carry the time they were written, so their keys and count only) and the state."""
    return {
        ALERTS: topics[ALERTS].records,
        CORRELATION: topics[CORRELATION].records,
        QUARANTINE: sorted(str(key) for key, _, _ in topics[QUARANTINE].records),
        AUDIT: sorted(str(key) for key, _, _ in topics[AUDIT].records),
        "table": table,
    }


@pytest.mark.parametrize(
    ("revisions", "expected"),
    [
        ([(1, 10), (1, 11)], [b"new"]),
        ([(1, 10), (2, 11)], [b"new", b"update"]),
        ([(2, 11), (1, 12)], [b"new"]),  # published after 2: stale, dropped
        ([(2, 11), (1, 10)], [b"new", b"superseded"]),  # published before 2, read after
        ([(2, 11), (1, 10), (3, 12), (3, 13)], [b"new", b"superseded", b"update"]),
        # The verify stage passed inbound 10 on twice (a restart): its copy is a duplicate.
        ([(2, 11), (1, 10), (1, 10)], [b"new", b"superseded"]),
        # Revisions 1 and 2 passed, then read again after a restart: nothing passes again.
        ([(1, 10), (2, 11), (1, 10), (2, 11)], [b"new", b"update"]),
    ],
    ids=[
        "same-twice",
        "lower-then-higher",
        "higher-then-stale",
        "higher-then-superseded",
        "mixed",
        "superseded-copy",
        "replayed-after-restart",
    ],
)
def test_revisions_of_one_alert_in_one_batch(
    revisions: list[tuple[int, int]], expected: list[bytes]
) -> None:
    events = [_event("A", rev, offset, inbound) for offset, (rev, inbound) in enumerate(revisions)]
    batched, batched_table = _run([events])
    one_by_one, table = _run([[event] for event in events])
    key = _signed("A", 1)[0]
    assert _statuses(batched) == [(key, status) for status in expected]
    assert _observed(batched, batched_table) == _observed(one_by_one, table)
    assert len(batched[AUDIT].records) == len(revisions) - len(expected)


def test_a_refused_pass_is_quarantined_and_the_next_revision_is_new_as_one_at_a_time() -> None:
    """The first pass is refused (too large): the same revision again is not a duplicate."""
    events = [_event("A", 1, 0), _event("A", 1, 1)]
    batched, batched_table = _run([events], refuse=(0,))
    one_by_one, table = _run([[event] for event in events], refuse=(0,))
    key = _signed("A", 1)[0]
    assert _statuses(batched) == [(key, b"new")]
    assert len(batched[QUARANTINE].records) == 1
    assert batched[AUDIT].records == []
    assert _observed(batched, batched_table) == _observed(one_by_one, table)


def test_a_batch_is_decided_up_to_the_first_record_waiting_on_an_unacknowledged_pass() -> None:
    metrics = new_metrics()
    stage = DedupeStage(RevisionGate({}, 10**9, metrics), metrics)
    events = [_event("A", 1, 0), _event("B", 1, 1), _event("A", 2, 2), _event("C", 1, 3)]
    steps = stage.process(events)
    assert [step.event for step in steps] == events[:2]
    assert all(step.passed is not None and step.follow_ups for step in steps)


def test_superseded_revisions_send_no_features() -> None:
    topics, _ = _run([[_event("A", 2, 0, 11), _event("A", 1, 1, 10)]])
    assert len(topics[ALERTS].records) == 2
    assert len(topics[CORRELATION].records) == 1


_records = st.lists(
    st.tuples(st.sampled_from(ALERT_IDS), st.integers(1, 3), st.integers(0, 30), st.integers(0, 3)),
    max_size=14,
)


@settings(max_examples=60, deadline=None)
@given(
    records=_records,
    cuts=st.lists(st.integers(1, 14), max_size=6),
    refuse=st.lists(st.integers(0, 10), max_size=3),
    window_ms=st.sampled_from([5, 10**9]),
    packed=st.booleans(),
)
def test_batch_decisions_equal_one_at_a_time_decisions(
    records: list[tuple[str, int, int, int]],
    cuts: list[int],
    refuse: list[int],
    window_ms: int,
    packed: bool,
) -> None:
    """Any sequence, cut into any batches, with any passes refused, expiring or not, and
    the same whether the table is a dict or packed as in the memory store."""
    events = []
    at_ms = 0
    for offset, (alert, revision, inbound, step_ms) in enumerate(records):
        at_ms += step_ms
        events.append(_event(alert, revision, offset, inbound, at_ms))
    batches, start = [], 0
    for size in cuts:
        batches.append(events[start : start + size])
        start += size
    batches.append(events[start:])
    batched = _run([b for b in batches if b], tuple(refuse), window_ms, packed)
    one_by_one = _run([[event] for event in events], tuple(refuse), window_ms)
    assert _observed(*batched) == _observed(*one_by_one)


@pytest.mark.parametrize(
    "records",
    [
        # C is remembered after A at event time 6 expired what was written at 0.
        [
            ("A", 1, 0, 0),
            ("A", 1, 0, 0),
            ("C", 1, 0, 0),
            ("A", 1, 0, 1),
            ("A", 1, 0, 1),
            ("A", 1, 0, 2),
            ("A", 1, 0, 2),
        ],
        # C's revision 1 expires between revision 2's decision and its remembering.
        [("C", 1, 0, 0), ("A", 1, 0, 1), ("A", 1, 0, 1), ("C", 2, 0, 2), ("A", 1, 0, 2)],
    ],
    ids=["remembered-after-expiry", "expired-before-remembered"],
)
def test_expiry_within_a_batch_leaves_the_state_of_one_at_a_time(
    records: list[tuple[str, int, int, int]],
) -> None:
    """Found by the property below (window 5 ms): the state differed, not the outputs."""
    events, at_ms = [], 0
    for offset, (alert, revision, inbound, step_ms) in enumerate(records):
        at_ms += step_ms
        events.append(_event(alert, revision, offset, inbound, at_ms))
    batched = _run([events], (), 5)
    one_by_one = _run([[event] for event in events], (), 5)
    assert _observed(*batched) == _observed(*one_by_one)


def test_features_carried_from_the_verify_stage_are_passed_on_without_decoding_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    carried = _event("A", 1, 10)
    key, value = _signed("A", 1)
    _, alert = decode_single_object(open_envelope(value).payload)
    features = features_of(alert).to_json()
    carried.message.headers.append((hub_headers.FEATURES, features))
    decoded: list[bytes] = []
    monkeypatch.setattr(dedupe_batch, "decode_single_object", decoded.append)
    topics, _ = _run([[carried]])
    assert decoded == []
    assert [(k, v) for k, v, _ in topics[CORRELATION].records] == [(b"taskforce", features)]
    [(alert_key, _, headers)] = topics[ALERTS].records
    assert alert_key == key
    assert hub_headers.header_value(headers, hub_headers.FEATURES) is None  # hub-only


def test_without_carried_features_deduplication_extracts_them_itself() -> None:
    _, value = _signed("A", 1)
    _, alert = decode_single_object(open_envelope(value).payload)
    topics, _ = _run([[_event("A", 1, 10)]])
    assert [v for _, v, _ in topics[CORRELATION].records] == [features_of(alert).to_json()]
