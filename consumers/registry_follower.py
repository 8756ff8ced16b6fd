"""Following the signed key registry on ``<prefix>.keys``: the live trust store of a service.

Every verifying service (the streams worker, the receipt tracker, an agency's inbox
client) runs one follower. It reads the compacted topic from the beginning with no
consumer group, so every process sees every version (a group would hand the single
partition to one member only), installs the newest valid registry before the service
starts, then applies each new record in a background thread. A record that is not a
newer, validly signed, unexpired registry is refused, logged and counted; the registry
in use stays. ``current()`` answers with the trust store of the registry in use, or
raises ``VerifyError(registry_expired)`` once it has expired.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from typing import Any

from kafka import KafkaConsumer, TopicPartition

from consumers.errors import BrokerUnavailable
from consumers.kafka_clients import kafka_consumer
from consumers.metrics import RegistryMetrics, set_key_validity
from schemas import registry as reg
from schemas.client_security import PLAINTEXT_CLIENT, ClientSecurity
from schemas.errors import ConfigError, RegistryError
from schemas.json_mapping import format_timestamp
from schemas.topics import TopicNames
from schemas.truststore import TrustStore

logger = logging.getLogger(__name__)


class RegistryFollower:
    """Keeps the newest valid key registry of ``<prefix>.keys``; a ``TrustSource``."""

    def __init__(
        self,
        bootstrap: str,
        topics: TopicNames,
        roots: reg.RootKeys,
        metrics: RegistryMetrics,
        *,
        security: ClientSecurity = PLAINTEXT_CLIENT,
        poll_timeout_ms: int = 500,
        clock: Callable[[], dt.datetime] = reg.utc_now,
        consumer_factory: Callable[..., Any] = KafkaConsumer,
        hub_id: str | None = None,
    ) -> None:
        self._topic = topics.keys
        # With the hub id, a version giving the hub an encryption key is refused even if
        # its document does not name the hub.
        self._state = reg.RegistryState(roots, clock=clock, hub_id=hub_id)
        self._metrics = metrics
        self._clock = clock
        self._poll_timeout_ms = poll_timeout_ms
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._expiry_reported: int | None = None
        self._consumer = kafka_consumer(
            consumer_factory,
            bootstrap=bootstrap,
            security=security,
            client_id="corridor-registry-follower",
            enable_auto_commit=False,
        )
        metrics.expiry.set_function(self._seconds_left)

    @property
    def registry(self) -> reg.Registry | None:
        """The registry in use (None before :meth:`start`)."""
        return self._state.registry

    def current(self) -> TrustStore:
        """The trust store to verify with now (raises ``VerifyError(registry_expired)``)."""
        return self._state.current()

    def start(self, timeout_s: float = 60.0) -> reg.Registry:
        """Read the topic to its end, install its newest valid registry, then follow it.

        Raises:
            ConfigError: the topic does not exist or holds no registry.
            RegistryError: its newest registry is refused (expired, under-signed...).
            BrokerUnavailable: the topic could not be read to its end in ``timeout_s``.
        """
        parts = [
            TopicPartition(self._topic, p)
            for p in sorted(self._consumer.partitions_for_topic(self._topic) or [])
        ]
        if not parts:
            raise ConfigError(
                f"key registry topic {self._topic} does not exist (or this principal may not "
                "read it): create the topics and publish a registry (corridor registry publish)"
            )
        self._consumer.assign(parts)
        self._consumer.seek_to_beginning(*parts)
        ends = self._consumer.end_offsets(parts)
        values: list[bytes | None] = []
        deadline = time.monotonic() + timeout_s
        while any(self._consumer.position(tp) < ends[tp] for tp in parts):
            if time.monotonic() > deadline:
                raise BrokerUnavailable(f"could not read {self._topic} to its end in {timeout_s}s")
            for batch in self._consumer.poll(timeout_ms=self._poll_timeout_ms).values():
                values.extend(record.value for record in batch)
        present = [v for v in values if v is not None]
        for _ in range(len(values) - len(present)):
            self._refused(RegistryError(reg.MALFORMED, "record without a value (tombstone)"))
        installed, refused = self._state.catch_up(present)
        for error in refused:
            self._refused(error)
        if installed is None:
            if refused:
                raise refused[-1]
            raise ConfigError(
                f"no key registry on {self._topic}: publish one (corridor registry publish)"
            )
        self._installed(installed)
        self._thread = threading.Thread(target=self._follow, name="registry-follower", daemon=True)
        self._thread.start()
        return installed

    def _follow(self) -> None:
        while not self._stop.is_set():
            try:
                polled = self._consumer.poll(timeout_ms=self._poll_timeout_ms)
            except Exception as exc:  # the broker went away: keep the registry, keep trying
                logger.warning("cannot read key registry topic %s: %r", self._topic, exc)
                self._stop.wait(1.0)
                continue
            for batch in polled.values():
                for record in batch:
                    try:
                        self.apply(record.value)
                    except Exception:  # a bug must not end following (revocations would stop)
                        logger.exception("key registry record at offset %d", record.offset)
                        self._metrics.rejected.labels(reg.MALFORMED).inc()
            self._report_expiry()

    def apply(self, value: bytes | None) -> reg.Registry | None:
        """Apply one record of the topic; refusals are logged and counted, never raised."""
        try:
            if value is None:
                raise RegistryError(reg.MALFORMED, "record without a value (tombstone)")
            installed = self._state.apply(value)
        except RegistryError as exc:
            self._refused(exc)
            return None
        if installed is not None:
            self._installed(installed)
        return installed

    def _installed(self, registry: reg.Registry) -> None:
        logger.info("key registry %s in use", registry.describe())
        self._metrics.applied.inc()
        self._metrics.version.set(registry.version)
        set_key_validity(self._metrics.key_valid_until, registry.trust_store)

    def _refused(self, error: RegistryError) -> None:
        logger.warning("key registry record on %s refused: %s", self._topic, error)
        self._metrics.rejected.labels(error.reason).inc()

    def _seconds_left(self) -> float:
        registry = self._state.registry
        if registry is None:
            return 0.0
        return (registry.expires_at - self._clock()).total_seconds()

    def _report_expiry(self) -> None:
        """Say it loudly, once per version, when the registry in use has expired."""
        registry = self._state.registry
        if (
            registry is not None
            and registry.expired(self._clock())
            and self._expiry_reported != registry.version
        ):
            self._expiry_reported = registry.version
            logger.error(
                "key registry version %d expired at %s: every message is refused "
                "(registry_expired) until a newer registry is published on %s",
                registry.version,
                format_timestamp(registry.expires_at),
                self._topic,
            )

    def close(self) -> None:
        """Stop following and close the consumer."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10.0)
        self._consumer.close()


class DeliveryKeyIds(Mapping[str, Collection[str]]):
    """Per recipient, the ids of the encryption keys whose wraps the hub delivers, live.

    Read from the newest accepted registry on every lookup. Unlike verification, this
    keeps using that registry after it expired: it only narrows which wraps go out (a
    revoked key stays revoked), and refusing would strip personal data from deliveries.
    """

    def __init__(self, follower: RegistryFollower, recipients: Collection[str]) -> None:
        self._follower = follower
        self._recipients = tuple(recipients)

    def __getitem__(self, agency_id: str) -> Collection[str]:
        registry = self._follower.registry
        if registry is None or agency_id not in self._recipients:
            raise KeyError(agency_id)
        return registry.trust_store.delivery_key_ids(agency_id)

    def __iter__(self) -> Iterator[str]:
        return iter(self._recipients)

    def __len__(self) -> int:
        return len(self._recipients)
