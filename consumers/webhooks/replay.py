"""Replay of dead-lettered webhook deliveries (``corridor webhooks replay``).

Reads the dead-letter topic to its end, takes the letters not replayed yet
(:func:`consumers.webhooks.dead_letters.pending`), optionally of one agency or one delivery
id, and POSTs each once more to the agency's *current* webhook URL from the
task-force file, with its original delivery id. A 2xx is recorded by a ``replayed``
record on the dead-letter topic, acknowledged by Kafka before the letter counts as
done; a failure leaves the letter pending for the next replay.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kafka.errors import KafkaError

from consumers.errors import DeliveryError, WebhookFormatError
from consumers.topic_reader import read_to_end
from consumers.webhooks.body import webhook_body
from consumers.webhooks.client import WebhookClient
from consumers.webhooks.dead_letters import (
    DeadLetter,
    Replayed,
    parse_dead_letter_topic_value,
    pending,
    replayed_value,
)
from consumers.webhooks.metrics import WebhookMetrics
from consumers.webhooks.writes import describe_failure
from schemas.client_security import PLAINTEXT_CLIENT, ClientSecurity
from schemas.taskforce import TaskForce

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReplayOutcome:
    """What happened to one dead letter."""

    delivery_id: str
    """Its delivery id."""
    agency: str
    """The recipient agency."""
    ok: bool
    """Delivered, and marked replayed on the dead-letter topic."""
    status: int | None
    """The receiver's HTTP status, None without a response or webhook."""
    error: str | None
    """Why it failed."""

    def document(self) -> dict[str, Any]:
        """JSON form, one line of the command's output."""
        return {
            "delivery_id": self.delivery_id,
            "agency": self.agency,
            "outcome": "replayed" if self.ok else "failed",
            "status": self.status,
            "error": self.error,
        }


@dataclass(frozen=True)
class ReplayReport:
    """Everything one replay run did."""

    outcomes: list[ReplayOutcome]
    """One per selected pending letter, in topic order."""
    unreadable: int
    """Records of the dead-letter topic that did not parse (logged, left alone)."""


def read_dead_letters(
    bootstrap: str, topic: str, security: ClientSecurity = PLAINTEXT_CLIENT
) -> tuple[list[DeadLetter | Replayed], int]:
    """Every parsed record of the dead-letter topic and how many did not parse."""
    entries: list[DeadLetter | Replayed] = []
    unreadable = 0
    for record in read_to_end(bootstrap, topic, security=security):
        try:
            entries.append(parse_dead_letter_topic_value(record.value))
        except WebhookFormatError as exc:
            unreadable += 1
            logger.error("unreadable dead-letter record at offset %d: %s", record.offset, exc)
    return entries, unreadable


def replay(
    bootstrap: str,
    taskforce: TaskForce,
    client: WebhookClient,
    producer: Any,
    metrics: WebhookMetrics,
    *,
    agency: str | None = None,
    delivery_id: str | None = None,
    produce_timeout_s: float = 30.0,
    security: ClientSecurity = PLAINTEXT_CLIENT,
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
) -> ReplayReport:
    """POST every selected pending dead letter once; see the module documentation."""
    topic = taskforce.topics.dead_letters
    entries, unreadable = read_dead_letters(bootstrap, topic, security)
    selected = [
        letter
        for letter in pending(entries)
        if (agency is None or letter.agency == agency)
        and (delivery_id is None or letter.delivery_id == delivery_id)
    ]
    outcomes: list[ReplayOutcome] = []
    for letter in selected:
        member = taskforce.member(letter.agency)
        if member is None or member.webhook is None:
            outcomes.append(
                ReplayOutcome(
                    letter.delivery_id,
                    letter.agency,
                    False,
                    None,
                    "the task-force file has no webhook for this agency",
                )
            )
            metrics.replayed.labels(letter.agency, "failed").inc()
            continue
        body = webhook_body(letter.delivery_id, letter.agency, letter.record)
        result = client.post(member.webhook.url, letter.delivery_id, body)
        metrics.attempts.labels(letter.agency, result.outcome).inc()
        metrics.post_seconds.labels(letter.agency).observe(result.seconds)
        if not result.ok:
            metrics.replayed.labels(letter.agency, "failed").inc()
            outcomes.append(
                ReplayOutcome(
                    letter.delivery_id,
                    letter.agency,
                    False,
                    result.status,
                    describe_failure(result),
                )
            )
            continue
        assert result.status is not None  # ok implies a status
        marker = Replayed(letter.delivery_id, letter.agency, result.status, clock())
        try:
            future = producer.send(
                topic, key=letter.delivery_id.encode(), value=replayed_value(marker)
            )
            future.get(timeout=produce_timeout_s)
        except KafkaError as exc:
            raise DeliveryError(
                f"replayed {letter.delivery_id}, but its replayed record was not acknowledged "
                f"(a later replay will POST it again): {exc}"
            ) from exc
        metrics.replayed.labels(letter.agency, "delivered").inc()
        outcomes.append(ReplayOutcome(letter.delivery_id, letter.agency, True, result.status, None))
    return ReplayReport(outcomes=outcomes, unreadable=unreadable)
