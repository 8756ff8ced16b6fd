"""The incidents topic folded into each incident's last version, as the rebuild takes it."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest
from kafka import TopicPartition
from kafka.errors import KafkaConnectionError, TopicAuthorizationFailedError

from schemas.client_security import PLAINTEXT_CLIENT
from schemas.keys import generate_private_key
from schemas.topics import TopicNames
from schemas.truststore import TrustStore
from streams import incident_recovery
from streams.correlation_stage import CorrelationStage, Publication
from streams.correlator import Correlator
from streams.incident_recovery import TopicRecord, hub_verifier, last_versions
from tests.unit.streams.correlation_fixtures import features

HUB = "TF-HUB"
TOPICS = TopicNames("t")
HUB_KEY = generate_private_key()
PHONE = (("phone", "+905321234567"),)


def _versions(hub_key: object = HUB_KEY) -> list[Publication]:
    """Versions 1 and 2 of one incident, signed by ``hub_key``."""
    stage = CorrelationStage(
        Correlator(),
        {},
        {},
        hub_id=HUB,
        hub_key=hub_key,  # type: ignore[arg-type]
        topics=TOPICS,
        retention_ms=30 * 24 * 3600 * 1000,
    )
    stage.process(features("TR-SG", "a1", ids=PHONE).to_json())
    [v1] = stage.process(features("GR-HCG", "b1", ids=PHONE).to_json())
    [v2] = stage.process(features("PK-FIA", "c1", ids=PHONE).to_json())
    return [v1, v2]


def _record(publication: Publication, offset: int) -> TopicRecord:
    return TopicRecord(publication.record.value, list(publication.record.headers), offset)


def _verify() -> object:
    trust = TrustStore(agencies={}).with_key(HUB, "hub", HUB_KEY.public_key())
    return hub_verifier(trust, TOPICS, HUB)


def test_the_highest_version_of_each_incident_counts_in_any_order() -> None:
    v1, v2 = _versions()
    verify = _verify()
    for order in ([v1, v2], [v2, v1]):
        records = [_record(p, i) for i, p in enumerate(order)]
        [last] = last_versions(records, verify)  # type: ignore[arg-type]
        assert last == v2.incident


def test_what_is_not_a_hub_signed_version_is_skipped_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    v1, _ = _versions()
    _, forged = _versions(generate_private_key())
    records = [
        TopicRecord(None, [], 0),
        TopicRecord(b"garbage", [], 1),
        _record(forged, 2),
        _record(v1, 3),
    ]
    with caplog.at_level(logging.WARNING):
        assert last_versions(records, _verify()) == [v1.incident]  # type: ignore[arg-type]
    assert [r.message.split(":")[0] for r in caplog.records] == [
        "incidents topic offset 0",
        "incidents topic offset 1",
        "incidents topic offset 2",
    ]


class _FakeConsumer:
    """A consumer of one partition holding ``values``; ``fail`` is raised by its first poll."""

    def __init__(self, values: list[tuple[bytes, list[tuple[str, bytes]]]], fail: Exception | None):
        self._values = values
        self._fail = fail
        self._position = 0
        self.closed = False

    def partitions_for_topic(self, topic: str) -> set[int]:
        return {0}

    def assign(self, parts: list[TopicPartition]) -> None:
        self._tp = parts[0]

    def seek_to_beginning(self, *parts: TopicPartition) -> None:
        self._position = 0

    def end_offsets(self, parts: list[TopicPartition]) -> dict[TopicPartition, int]:
        return {self._tp: len(self._values)}

    def position(self, tp: TopicPartition) -> int:
        return self._position

    def poll(self, timeout_ms: int) -> dict[TopicPartition, list[SimpleNamespace]]:
        if self._fail is not None:
            raise self._fail
        records = [
            SimpleNamespace(offset=offset, value=value, headers=headers)
            for offset, (value, headers) in enumerate(self._values)
        ]
        self._position = len(self._values)
        return {self._tp: records}

    def close(self) -> None:
        self.closed = True


def _read_with(
    monkeypatch: pytest.MonkeyPatch, consumers: list[_FakeConsumer], timeout_s: float = 30.0
) -> list[dict[str, object]]:
    handed = iter(consumers)
    monkeypatch.setattr(incident_recovery, "kafka_consumer", lambda *a, **k: next(handed))
    monkeypatch.setattr(incident_recovery, "RETRY_BACKOFF_S", 0.0)
    verify = _verify()
    return incident_recovery.read_last_versions(
        "127.0.0.1:9",
        "t.incidents",
        PLAINTEXT_CLIENT,
        verify,
        timeout_s,  # type: ignore[arg-type]
    )


def test_a_broker_lost_mid_read_is_read_again_not_a_reason_to_stop_the_worker(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Seen when a broker was killed during the first read after a start: the worker stopped.
    v1, v2 = _versions()
    values = [(p.record.value, list(p.record.headers)) for p in (v1, v2)]
    reset = KafkaConnectionError(ConnectionResetError(104, "Connection reset by peer"))
    consumers = [_FakeConsumer(values, reset), _FakeConsumer(values, None)]
    assert _read_with(monkeypatch, consumers) == [v2.incident]
    assert all(consumer.closed for consumer in consumers)


def test_a_refusal_for_good_stops_the_read_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    refused = TopicAuthorizationFailedError("t.incidents")
    values = [(p.record.value, list(p.record.headers)) for p in _versions()]
    consumers = [_FakeConsumer(values, refused), _FakeConsumer(values, None)]
    with pytest.raises(incident_recovery.IncidentRecoveryError, match="TopicAuthorization"):
        _read_with(monkeypatch, consumers)
    assert not consumers[1].closed  # never asked for a second consumer


def test_retries_end_at_the_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    reset = KafkaConnectionError("Connection reset by peer")
    values = [(p.record.value, list(p.record.headers)) for p in _versions()]
    consumers = [_FakeConsumer(values, reset) for _ in range(100_000)]
    monkeypatch.setattr(incident_recovery, "MAX_RETRY_BACKOFF_S", 0.0)
    with pytest.raises(incident_recovery.IncidentRecoveryError):
        _read_with(monkeypatch, consumers, timeout_s=0.2)
    assert 1 < sum(consumer.closed for consumer in consumers) < len(consumers)
