"""The verify stage over batches decides exactly as over one record at a time."""

from __future__ import annotations

import datetime as dt
import functools
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from producers.scenarios import sample_datum
from schemas import hub_headers
from schemas.codec import decode_single_object
from schemas.envelope import open_envelope
from schemas.keys import generate_private_key
from schemas.signing import sign_alert
from schemas.topics import TopicNames
from schemas.truststore import TrustStore
from streams.dedupe_stage import ExactRepeats
from streams.features import features_of
from streams.stage_plan import QUARANTINE, VERIFIED
from streams.verifier import Verifier
from streams.verify_stage import LOG_APPEND_TIME, VerifyStage
from tests.unit.streams.stage_fakes import (
    FakeEvent,
    FakeMessage,
    FakeTopic,
    drive,
    fake_topics,
    new_metrics,
)

NOW = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)
TOPICS = TopicNames("unit")
INBOUND = TOPICS.inbound("PK-FIA")
_KEY = generate_private_key()
TRUST = TrustStore(agencies={}).with_key(
    "PK-FIA", "Federal Investigation Agency", _KEY.public_key()
)


@functools.cache
def _record(choice: int) -> tuple[bytes, list[tuple[str, bytes]]]:
    """Value and headers: revisions 1 and 2 of one alert, another alert, or a forgery."""
    if choice == 3:
        value, headers = _record(0)
        return value[:-1] + bytes([value[-1] ^ 1]), headers
    datum = sample_datum("PK-FIA", 1 if choice < 2 else 2, now=NOW)
    datum["revision"] = 2 if choice == 1 else 1
    record = sign_alert(datum, _KEY, TOPICS, produced_at=NOW)
    return record.value, list(record.headers)


def _event(choice: int, partition: int, offset: int) -> FakeEvent:
    value, headers = _record(choice)
    arrived = (NOW + dt.timedelta(seconds=1)).timestamp()
    return FakeEvent(
        FakeMessage(INBOUND, partition, offset, b"k", value, headers, arrived, LOG_APPEND_TIME)
    )


def _run(
    batches: list[list[FakeEvent]], refuse: tuple[int, ...] = ()
) -> tuple[dict[str, FakeTopic], dict[bytes, bytes]]:
    metrics = new_metrics()
    table: dict[bytes, bytes] = {}
    stage = VerifyStage(
        Verifier(TRUST, TOPICS, metrics), ExactRepeats(table, 10**9, metrics), metrics
    )
    topics = fake_topics(refuse)
    drive(stage, batches, topics, metrics)
    return topics, table


def _reasons(topics: dict[str, FakeTopic]) -> list[str]:
    return sorted(json.loads(value)["reason"] for _, value, _ in topics[QUARANTINE].records)


def _observed(topics: dict[str, FakeTopic], table: dict[bytes, bytes]) -> dict[str, Any]:
    return {VERIFIED: topics[VERIFIED].records, QUARANTINE: _reasons(topics), "table": table}


def test_a_replay_within_one_batch_is_quarantined_as_one_at_a_time() -> None:
    events = [_event(0, 0, 0), _event(1, 0, 1), _event(0, 1, 0), _event(3, 0, 2)]
    batched = _run([events])
    assert len(batched[0][VERIFIED].records) == 2
    assert _reasons(batched[0]) == ["bad_signature", "replayed"]
    assert _observed(*batched) == _observed(*_run([[event] for event in events]))


def test_a_record_read_again_in_one_batch_is_dropped_silently() -> None:
    events = [_event(0, 0, 5), _event(0, 0, 5)]  # after a restart, before the commit
    topics, _ = _run([events])
    assert len(topics[VERIFIED].records) == 1
    assert topics[QUARANTINE].records == []


def test_bytes_whose_pass_was_refused_are_verified_again_not_called_a_replay() -> None:
    events = [_event(0, 0, 0), _event(0, 0, 1)]
    batched = _run([events], refuse=(0,))
    assert _reasons(batched[0]) == ["record_too_large"]
    assert len(batched[0][VERIFIED].records) == 1
    assert _observed(*batched) == _observed(*_run([[e] for e in events], refuse=(0,)))


@settings(max_examples=40, deadline=None)
@given(
    records=st.lists(st.tuples(st.integers(0, 3), st.integers(0, 1), st.booleans()), max_size=12),
    cuts=st.lists(st.integers(1, 12), max_size=5),
    refuse=st.lists(st.integers(0, 8), max_size=3),
)
def test_batch_decisions_equal_one_at_a_time_decisions(
    records: list[tuple[int, int, bool]], cuts: list[int], refuse: list[int]
) -> None:
    """Any mix of repeats, replays, re-reads (a record again after a restart) and forgeries."""
    events: list[FakeEvent] = []
    next_offset = [0, 0]
    for choice, partition, again in records:
        if again and events:
            events.append(events[-1])  # the last record read once more
            continue
        events.append(_event(choice, partition, next_offset[partition]))
        next_offset[partition] += 1
    batches, start = [], 0
    for size in cuts:
        batches.append(events[start : start + size])
        start += size
    batches.append(events[start:])
    batched = _run([b for b in batches if b], tuple(refuse))
    one_by_one = _run([[event] for event in events], tuple(refuse))
    assert _observed(*batched) == _observed(*one_by_one)


def test_a_verified_record_carries_its_features_for_deduplication() -> None:
    topics, _ = _run([[_event(0, 0, 0)]])
    [(_, value, headers)] = topics[VERIFIED].records
    _, alert = decode_single_object(open_envelope(value).payload)
    carried = hub_headers.header_value(headers, hub_headers.FEATURES)
    assert carried == features_of(alert).to_json()
