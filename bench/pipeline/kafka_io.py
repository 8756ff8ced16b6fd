"""The bench's Kafka clients: a producer that notes send times, a consumer that notes arrivals."""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic

from bench.pipeline.results import Arrival, now_ms
from producers.publisher import AlertPublisher, PublishOutcome
from producers.settings import PublisherSettings
from schemas.keys import generate_private_key
from schemas.replication import Replication
from schemas.signing import SignedRecord
from schemas.topics import TopicNames

log = logging.getLogger("bench")


class Collector:
    """A consumer thread on one topic, assigned (at the end) before anything is produced.

    Records every arrival by key; :meth:`wait_for` blocks on a condition, not on sleeps.
    """

    def __init__(self, bootstrap: str, topic: str) -> None:
        self.topic = topic
        self.arrivals: dict[bytes, Arrival] = {}
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._consumer = KafkaConsumer(
            bootstrap_servers=bootstrap.split(","),
            client_id="bench-collector",
            group_id=None,
            enable_auto_commit=False,
            fetch_max_wait_ms=50,
            max_poll_records=2000,
        )
        partitions = self._wait_partitions(topic)
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        self._consumer.assign(tps)
        self._consumer.seek_to_end(*tps)
        for tp in tps:  # resolve the lazy seek now: only later records count
            self._consumer.position(tp)
        self._thread = threading.Thread(target=self._run, name=f"collect-{topic}", daemon=True)
        self._thread.start()

    def _wait_partitions(self, topic: str, timeout_s: float = 30.0) -> set[int]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            partitions = self._consumer.partitions_for_topic(topic)
            if partitions:
                return set(partitions)
            self._consumer.topics()  # forces a metadata refresh, bounded by the client timeouts
        raise RuntimeError(f"topic {topic} has no partitions after {timeout_s:.0f}s")

    def _run(self) -> None:
        while not self._stop.is_set():
            polled = self._consumer.poll(timeout_ms=100)
            if not polled:
                continue
            received = now_ms()
            with self._cond:
                for batch in polled.values():
                    for record in batch:
                        self.arrivals[record.key] = Arrival(
                            received, record.timestamp, record.value
                        )
                self._cond.notify_all()

    def count(self, keys: set[bytes]) -> int:
        """How many of ``keys`` arrived so far."""
        with self._cond:
            return len(keys & self.arrivals.keys())

    def wait_for(
        self, keys: set[bytes], deadline: float, alive: Callable[[], None] = lambda: None
    ) -> bool:
        """Wait until every key in ``keys`` arrived or ``deadline`` (monotonic) passes.

        ``alive`` is called about once a second and should raise if a process we depend on died.
        """
        with self._cond:
            while True:
                if keys <= self.arrivals.keys():
                    return True
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(timeout=min(remaining, 1.0))
                alive()

    def wait_while_progressing(
        self, keys: set[bytes], stall_s: float, alive: Callable[[], None] = lambda: None
    ) -> bool:
        """Wait until every key in ``keys`` arrived; give up once none arrived for ``stall_s``.

        A slow pipeline is waited for as long as it makes progress; a stuck one is not.
        """
        last = self.count(keys)
        while True:
            if self.wait_for(keys, time.monotonic() + stall_s, alive):
                return True
            now = self.count(keys)
            if now == last:
                return False
            last = now

    def snapshot(self) -> dict[bytes, Arrival]:
        """A copy of the arrivals so far."""
        with self._cond:
            return dict(self.arrivals)

    def close(self) -> None:
        """Stop the thread and the consumer."""
        self._stop.set()
        self._thread.join(timeout=10.0)
        self._consumer.close()


class TimedProducer:
    """A ``KafkaProducer`` that notes when each key was sent (bench clock)."""

    def __init__(self, sends_ms: dict[bytes, float], **config: Any) -> None:
        self.sends_ms = sends_ms
        self._producer = KafkaProducer(**config)

    def send(self, topic: str, **kwargs: Any) -> Any:
        """Note the send time, then send."""
        self.sends_ms[kwargs["key"]] = now_ms()
        return self._producer.send(topic, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._producer, name)


def bare_producer(bootstrap: str, sends_ms: dict[bytes, float]) -> TimedProducer:
    """kafka-python producer configured like ``AlertPublisher`` (acks=all, idempotent)."""
    return TimedProducer(
        sends_ms,
        bootstrap_servers=bootstrap.split(","),
        client_id="bench-bare",
        acks="all",
        enable_idempotence=True,
        max_in_flight_requests_per_connection=5,
        linger_ms=5,
    )


def produce_records(
    bootstrap: str, topic: str, records: Sequence[SignedRecord], sends: dict[bytes, float]
) -> int:
    """Produce (key, value, headers) of ``records`` to ``topic`` in one batch; failures count."""
    producer = bare_producer(bootstrap, sends)
    try:
        futures = [
            producer.send(topic, key=r.key, value=r.value, headers=r.headers) for r in records
        ]
        producer.flush(timeout=120.0)
        return sum(1 for f in futures if not f.succeeded())
    finally:
        producer.close(timeout=30.0)


def create_plain_topics(
    bootstrap: str, names: Sequence[str], partitions: int, replication: Replication
) -> None:
    """Create fresh topics with ``partitions`` partitions each, replicated as the hub's are."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap.split(","), client_id="bench-admin")
    try:
        admin.create_topics(
            [
                NewTopic(
                    n,
                    partitions,
                    replication.replication_factor,
                    topic_configs=replication.topic_config(),
                )
                for n in names
            ]
        )
    finally:
        admin.close()


class TimedPublisher:
    """``AlertPublisher`` (acks=all, every future checked) noting each record's send time.

    ``publish`` may be called many times (the steady mode publishes a few records per tick);
    the producer connection is kept for the whole run.
    """

    def __init__(self, bootstrap: str, topics: TopicNames, sends: dict[bytes, float]) -> None:
        settings = PublisherSettings(
            bootstrap=bootstrap, topics=topics, client_id="bench-publisher"
        )
        factory = functools.partial(TimedProducer, sends)
        # AlertPublisher signs only in sign(); publish() sends records signed by any agency.
        self._publisher = AlertPublisher(settings, generate_private_key(), producer_factory=factory)

    def publish(self, records: Sequence[SignedRecord]) -> list[PublishOutcome]:
        """Send ``records``, wait for every acknowledgement, report each one."""
        return self._publisher.publish(records)

    def close(self) -> None:
        """Flush and close."""
        self._publisher.close()


def read_topic(
    bootstrap: str, topic: str, timeout_s: float = 60.0
) -> list[tuple[bytes | None, int, bytes]]:
    """(key, timestamp, value) of everything in ``topic``, read from the beginning to the end."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap.split(","),
        client_id="bench-topic-reader",
        group_id=None,
        enable_auto_commit=False,
        max_poll_records=2000,
    )
    try:
        tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        ends: dict[TopicPartition, int] = consumer.end_offsets(tps)
        found: list[tuple[bytes | None, int, bytes]] = []
        deadline = time.monotonic() + timeout_s
        while any(consumer.position(tp) < end for tp, end in ends.items()):
            if time.monotonic() > deadline:
                log.warning("reading %s timed out; figures from it are partial", topic)
                break
            for batch in consumer.poll(timeout_ms=200).values():
                found.extend((record.key, record.timestamp, record.value) for record in batch)
        return found
    finally:
        consumer.close()


def topic_timestamps(bootstrap: str, topic: str) -> dict[bytes, int]:
    """Record timestamp by key of everything in ``topic``."""
    return {key: ts for key, ts, _ in read_topic(bootstrap, topic) if key is not None}
