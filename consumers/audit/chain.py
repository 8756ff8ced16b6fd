"""Reading the audit chain back: the writer's head from its tail, or the whole chain.

The auditor resumes from :func:`head_of` the tail :func:`read_tail` returns (from the
last checkpoint); ``corridor audit verify`` and ``corridor trace`` read it whole
(:func:`load_chain`).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaError

from consumers.errors import BrokerUnavailable
from consumers.kafka_clients import (
    kafka_consumer,
)
from producers.kafka_client import client_config
from schemas import audit
from schemas.client_security import PLAINTEXT_CLIENT, ClientSecurity
from schemas.errors import CorridorError
from schemas.truststore import TrustSource


class AuditChainError(CorridorError):
    """The audit chain's tail does not verify: the auditor refuses to extend it."""


@dataclass
class ChainHead:
    """The writer's state: the last record and where each source stands."""

    seq: int = 0
    """Seq of the last record (0: empty chain)."""
    hash: str = audit.GENESIS
    """Its hash."""
    positions: dict[tuple[str, int], int] | None = None
    """Next offset to read per source partition."""
    uncovered: int = 0
    """Event records after the last checkpoint."""

    def position(self, topic: str, partition: int) -> int:
        """Next offset of a source partition (0: from its start)."""
        return (self.positions or {}).get((topic, partition), 0)

    def advance(self, topic: str, partition: int, offset: int) -> None:
        """Record that ``offset`` of this partition is in the chain (or has no event)."""
        if self.positions is None:
            self.positions = {}
        key = (topic, partition)
        self.positions[key] = max(self.positions.get(key, 0), offset + 1)


def hub_key_lookup(trust: TrustSource, hub_id: str) -> audit.KeyLookup:
    """The hub's checkpoint keys from the trust store (or registry) in use."""

    def lookup(kid: str, at: dt.datetime) -> Ed25519PublicKey:
        return trust.current().public_key(hub_id, kid, at)

    return lookup


def head_of(records: Sequence[tuple[int, bytes | None]], hub_keys: audit.KeyLookup) -> ChainHead:
    """The writer's state from the chain's tail: from its last checkpoint (or start) to the end.

    Raises :class:`AuditChainError` if that tail does not verify.
    """
    parsed: list[tuple[int, audit.AuditRecord]] = []
    for offset, value in records:
        try:
            parsed.append((offset, audit.parse_record(value)))
        except audit.AuditFormatError as exc:
            raise AuditChainError(f"audit record at offset {offset} is malformed: {exc}") from exc
    if not parsed:
        return ChainHead(positions={})
    report = audit.verify_chain(records, hub_keys, from_start=parsed[0][1].seq == 1)
    errors = [f.detail for f in report.findings if f.severity == audit.ERROR]
    if errors:
        raise AuditChainError("the audit chain's tail does not verify: " + "; ".join(errors))
    head = ChainHead(seq=report.head_seq, hash=report.head_hash, positions={})
    for _, record in parsed:
        if record.kind == audit.CHECKPOINT:
            head.positions = audit.checkpoint_positions(record)
            head.uncovered = 0
        elif record.source is not None:
            head.advance(record.source.topic, record.source.partition, record.source.offset)
            head.uncovered += 1
        else:
            head.uncovered += 1
    return head


def read_chain(
    consumer: Any, topic: str, from_offset: int = 0, timeout: float = 60.0
) -> list[tuple[int, bytes | None]]:
    """``(offset, value)`` of ``topic`` partition 0 from ``from_offset`` to its current end."""
    part = TopicPartition(topic, 0)
    consumer.assign([part])
    end = consumer.end_offsets([part])[part]
    begin = consumer.beginning_offsets([part])[part]
    start = max(from_offset, begin)
    if start >= end:
        return []
    consumer.seek(part, start)
    out: list[tuple[int, bytes | None]] = []
    deadline = time.monotonic() + timeout
    while consumer.position(part) < end:
        if time.monotonic() > deadline:
            raise BrokerUnavailable(f"could not read {topic} to its end in {timeout:.0f}s")
        for batch in consumer.poll(timeout_ms=200).values():
            out.extend((r.offset, r.value) for r in batch if r.offset < end)
    return out


def read_tail(consumer: Any, topic: str, window: int) -> list[tuple[int, bytes | None]]:
    """The chain from its last checkpoint (or start) to the end; widens the window as needed."""
    part = TopicPartition(topic, 0)
    consumer.assign([part])
    end = consumer.end_offsets([part])[part]
    begin = consumer.beginning_offsets([part])[part]
    while True:
        start = max(begin, end - window)
        records = read_chain(consumer, topic, start)
        for i in range(len(records) - 1, -1, -1):
            if _is_checkpoint(records[i][1]):
                return records[i:]
        if start == begin:
            return records
        window *= 4


def _is_checkpoint(value: bytes | None) -> bool:
    try:
        return audit.parse_record(value).kind == audit.CHECKPOINT
    except audit.AuditFormatError:
        return False


def open_reader(bootstrap: str, security: ClientSecurity = PLAINTEXT_CLIENT) -> Any:
    """A group-less consumer for reading the chain."""
    return kafka_consumer(
        KafkaConsumer,
        bootstrap=bootstrap,
        security=security,
        client_id="corridor-audit-reader",
        enable_auto_commit=False,
    )


def load_chain(
    bootstrap: str,
    topic: str,
    security: ClientSecurity = PLAINTEXT_CLIENT,
    from_offset: int = 0,
) -> list[tuple[int, bytes | None]]:
    """Every ``(offset, value)`` of an audit topic from ``from_offset`` to its current end."""
    consumer = KafkaConsumer(**client_config(bootstrap, security), enable_auto_commit=False)
    try:
        if not consumer.partitions_for_topic(topic):
            raise AuditChainError(f"topic {topic} does not exist")
        return read_chain(consumer, topic, from_offset)
    except KafkaError as exc:
        raise BrokerUnavailable(f"cannot read {topic} at {bootstrap}: {exc}") from exc
    finally:
        consumer.close()
