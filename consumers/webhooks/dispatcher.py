"""The webhook dispatcher: POSTs each delivery in a member's inbox to its HTTPS webhook.

The inbox topic is every member's delivery log; members with ``[agency.webhook] url``
also get each delivery POSTed, signed by the hub (:mod:`consumers.webhooks.signing`).

* One worker thread, Kafka consumer and consumer group (``<group>.<AGENCY>``) per
  agency: a receiver that is down delays only its own agency's deliveries, never
  another's. Within one agency deliveries go out in inbox order, one at a time; a
  failing delivery holds the ones behind it for at most its retry budget (see
  :func:`consumers.webhooks.backoff.worst_case_s`), then goes to the dead letters.
* Each delivery is retried with exponential backoff and full jitter up to
  ``webhooks.max_attempts``, or dead-lettered at once on a status that repeating
  cannot change (see :attr:`consumers.webhooks.client.PostResult.retriable`).
* An inbox offset is committed only after its POST got a 2xx, or its dead-letter
  record was acknowledged by Kafka (acks=all). A crash repeats the uncommitted POSTs,
  with the same delivery id, which the receiver stores once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from kafka import KafkaConsumer, KafkaProducer

from consumers.errors import DeliveryError
from consumers.kafka_clients import acked_producer
from consumers.webhooks.agency_worker import AgencyWorker
from consumers.webhooks.client import WebhookClient
from consumers.webhooks.metrics import WebhookMetrics
from consumers.webhooks.settings import WebhookSettings, webhook_members
from monitoring.health import LoopHealth
from producers.errors import SendRefused
from producers.publisher import request_timeout_ms
from schemas.errors import ConfigError

logger = logging.getLogger(__name__)


class WebhookDispatcher:
    """One :class:`AgencyWorker` thread per webhook member, sharing one idempotent producer."""

    def __init__(
        self,
        settings: WebhookSettings,
        client: WebhookClient,
        metrics: WebhookMetrics,
        *,
        consumer_factory: Callable[..., Any] = KafkaConsumer,
        producer_factory: Callable[..., Any] = KafkaProducer,
    ) -> None:
        members = webhook_members(settings.taskforce)
        if not members:
            raise ConfigError("no member agency has an [agency.webhook] url")
        self._settings = settings
        self._producer = acked_producer(
            producer_factory,
            bootstrap=settings.bootstrap,
            security=settings.security,
            client_id="corridor-webhooks",
            delivery_timeout_ms=int(settings.produce_timeout_s * 1000),
            request_timeout_ms=request_timeout_ms(settings.produce_timeout_s),
        )
        self.workers = [
            AgencyWorker(
                m, settings, client, self._producer, metrics, consumer_factory=consumer_factory
            )
            for m in members
        ]
        self._failure: BaseException | None = None

    def run(self, stop: threading.Event, health: LoopHealth | None = None) -> None:
        """Run every worker until ``stop`` is set; re-raises a worker's unexpected error.

        Each agency's thread is reported on ``health`` as loop ``webhooks-<AGENCY>``.
        """
        crashed = threading.Event()
        health = health if health is not None else LoopHealth(None)

        def guarded(worker: AgencyWorker) -> None:
            name = f"webhooks-{worker.agency}"
            health.running(name)
            try:
                worker.run(stop)
            except BaseException as exc:
                logger.exception("webhook worker for %s crashed", worker.agency)
                health.crashed(name, exc)
                self._failure = exc
                crashed.set()
                stop.set()
            else:
                health.stopped(name)

        threads = [
            threading.Thread(target=guarded, args=(w,), name=f"webhooks-{w.agency}", daemon=True)
            for w in self.workers
        ]
        for thread in threads:
            thread.start()
        logger.info("webhook dispatcher running for %s", ", ".join(w.agency for w in self.workers))
        stop.wait()
        for thread in threads:
            thread.join()
        if crashed.is_set() and isinstance(self._failure, SendRefused):
            raise self._failure
        if crashed.is_set() and self._failure is not None:
            raise DeliveryError(f"a webhook worker crashed: {self._failure}") from self._failure

    def close(self) -> None:
        """Flush and close the dead-letter producer."""
        self._producer.close(timeout=self._settings.produce_timeout_s)
