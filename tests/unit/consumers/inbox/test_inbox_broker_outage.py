"""The inbox client outlives a broker outage: a failed commit postpones it, a failed poll
is polled again; neither kills it.

Found by the fault matrix's ``leader-kill`` case: with the group coordinator's broker
SIGKILLed, ``commit()`` raised KafkaConnectionError out of the reader and the inbox
client exited with a traceback, so its agency received nothing more. The ``two-down``
case found the same of ``poll()`` (KafkaConnectionError finding the coordinator).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from kafka.errors import KafkaConnectionError, TopicAuthorizationFailedError
from prometheus_client import CollectorRegistry

from consumers.delivery.plan import plan_delivery
from consumers.inbox.metrics import InboxMetrics
from consumers.inbox.reader import InboxReader
from consumers.inbox.settings import InboxSettings
from schemas.errors import NotAuthorized
from schemas.signing import sign_alert
from schemas.taskforce import Member, TaskForce
from schemas.topics import TopicNames
from schemas.truststore import TrustStore
from tests.unit.consumers.known_topics import KnownTopics

RECIPIENT = "TR-SG"


class _OutageConsumer(KnownTopics):
    """Hands out one record per poll; commit fails with the errors it is given, in turn."""

    def __init__(
        self,
        records: list[Any],
        commit_errors: list[Exception | None],
        poll_errors: list[Exception | None] | None = None,
    ) -> None:
        self._records = records
        self._commit_errors = commit_errors
        self._poll_errors = poll_errors or []
        self.commits = 0

    def partitions_for_topic(self, topic: str) -> set[int]:
        return {0}

    def poll(self, timeout_ms: int, max_records: int | None = None) -> dict[str, list[Any]]:
        error = self._poll_errors.pop(0) if self._poll_errors else None
        if error is not None:
            raise error
        return {"tp": [self._records.pop(0)]} if self._records else {}

    def commit(self) -> None:
        error = self._commit_errors.pop(0) if self._commit_errors else None
        if error is not None:
            raise error
        self.commits += 1


def _records(
    alert: dict[str, Any], key: Ed25519PrivateKey, topics: TopicNames, count: int
) -> list[Any]:
    members = (
        Member("PK-FIA", "PK-FIA", "coast_guard", publishes=True, receives=False),
        Member(RECIPIENT, RECIPIENT, "coast_guard", publishes=False, receives=True),
    )
    taskforce = TaskForce("t", topics, "trust.json", members)  # type: ignore[arg-type]
    records = []
    for revision in range(1, count + 1):
        signed = sign_alert({**alert, "revision": revision}, key, topics)
        write = plan_delivery(signed.key, signed.value, signed.headers, taskforce).writes[0]
        records.append(
            SimpleNamespace(value=write.value, headers=write.headers, partition=0, offset=revision)
        )
    return records


def _reader(consumer: _OutageConsumer, trust: TrustStore, topics: TopicNames) -> InboxReader:
    settings = InboxSettings(
        bootstrap="127.0.0.1:1", agency=RECIPIENT, topics=topics, max_messages=3
    )
    metrics = InboxMetrics.create(CollectorRegistry())
    return InboxReader(settings, trust, metrics, consumer_factory=lambda *a, **k: consumer)


def _read(reader: InboxReader) -> Iterator[Any]:
    return reader.items(threading.Event())


def test_a_commit_failing_while_the_coordinator_is_down_is_postponed(
    alert: dict[str, Any], fia_key: Ed25519PrivateKey, trust_store: TrustStore, topics: TopicNames
) -> None:
    lost_coordinator = KafkaConnectionError("111 ECONNREFUSED")
    consumer = _OutageConsumer(_records(alert, fia_key, topics, 3), [lost_coordinator, None])
    items = list(_read(_reader(consumer, trust_store, topics)))
    assert [item.verified for item in items] == [True, True, True]
    assert consumer.commits == 2  # the later commits cover the offsets of the failed one


def test_an_acl_refusal_of_the_commit_still_stops_the_client(
    alert: dict[str, Any], fia_key: Ed25519PrivateKey, trust_store: TrustStore, topics: TopicNames
) -> None:
    refused = TopicAuthorizationFailedError("group")
    consumer = _OutageConsumer(_records(alert, fia_key, topics, 1), [refused])
    with pytest.raises(NotAuthorized):
        list(_read(_reader(consumer, trust_store, topics)))


def test_a_poll_failing_while_the_coordinator_is_down_is_polled_again(
    alert: dict[str, Any], fia_key: Ed25519PrivateKey, trust_store: TrustStore, topics: TopicNames
) -> None:
    lost_coordinator = KafkaConnectionError("111 ECONNREFUSED")
    records = _records(alert, fia_key, topics, 3)
    consumer = _OutageConsumer(records, [], poll_errors=[None, lost_coordinator, lost_coordinator])
    items = list(_read(_reader(consumer, trust_store, topics)))
    assert [item.offset for item in items] == [1, 2, 3]


def test_an_acl_refusal_of_the_poll_still_stops_the_client(
    alert: dict[str, Any], fia_key: Ed25519PrivateKey, trust_store: TrustStore, topics: TopicNames
) -> None:
    refused = TopicAuthorizationFailedError("inbox")
    consumer = _OutageConsumer(_records(alert, fia_key, topics, 1), [], poll_errors=[refused])
    with pytest.raises(NotAuthorized):
        list(_read(_reader(consumer, trust_store, topics)))
