"""The agencies publishing the workload at a steady rate while faults are injected."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

from faults.checker import Acknowledged
from faults.outages import SendRecord
from faults.workload import Workload
from producers.publisher import AlertPublisher
from producers.settings import PublisherSettings
from throwaway_deployment import Deployment

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LastAcknowledged:
    """Where the most recent acknowledged alert went: a partition being published to."""

    topic: str
    """Its inbound topic."""
    partition: int
    """The partition the broker stored it in."""


class SteadyPublisher:
    """Publishes ``workload`` at ``rate`` alerts/s in a thread until stopped.

    Each alert is sent and its outcome awaited before the next (so an alert's
    revisions reach the broker in order). Every send is recorded with when it was
    sent and when its outcome was reported; only those the broker acknowledged are
    counted as acknowledged, the ones the client reported failed or unknown are kept
    apart (:attr:`unacknowledged`).
    """

    def __init__(
        self, bootstrap: str, deployment: Deployment, workload: Workload, rate: float
    ) -> None:
        self._settings = PublisherSettings(bootstrap=bootstrap, topics=deployment.topics)
        self._deployment = deployment
        self._workload = workload
        self._interval = 1.0 / rate
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._acknowledged: list[Acknowledged] = []
        self._unknown: list[Acknowledged] = []
        self._sends: list[SendRecord] = []
        self._last: LastAcknowledged | None = None
        self.attempted = 0
        """Alerts sent, acknowledged or not."""
        self.error: BaseException | None = None
        """What stopped the thread, if it failed."""
        self._thread = threading.Thread(target=self._run, name="fault-publisher", daemon=True)

    @property
    def delivery_timeout_s(self) -> float:
        """The producers' delivery timeout: a send has its outcome within about this long."""
        return self._settings.delivery_timeout_s

    @property
    def acknowledged(self) -> list[Acknowledged]:
        """The acknowledged alerts so far, in publishing order."""
        with self._lock:
            return list(self._acknowledged)

    @property
    def sends(self) -> list[SendRecord]:
        """Every send so far with its outcome, in publishing order."""
        with self._lock:
            return list(self._sends)

    @property
    def unknown(self) -> list[Acknowledged]:
        """The alerts whose send the client reported unknown: they may have been written,
        and then delivered (``acked_at`` is when the outcome was reported)."""
        with self._lock:
            return list(self._unknown)

    @property
    def unacknowledged(self) -> list[SendRecord]:
        """The sends the client reported failed or unknown (never counted as acknowledged)."""
        return [s for s in self.sends if not s.acknowledged]

    @property
    def last_acknowledged(self) -> LastAcknowledged | None:
        """The partition of the latest acknowledged send (None before the first)."""
        with self._lock:
            return self._last

    def acknowledged_after(self, moment: float) -> set[str]:
        """Message ids acknowledged after ``moment`` (``time.monotonic()``)."""
        with self._lock:
            return {a.message_id for a in self._acknowledged if a.acked_at > moment}

    def start(self) -> None:
        """Start publishing."""
        self._thread.start()

    def stop(self) -> None:
        """Stop after the alert in flight; raise what failed the thread, if anything."""
        self._stop.set()
        self._thread.join(timeout=120)
        if self.error is not None:
            raise RuntimeError(f"the publisher failed: {self.error}") from self.error

    def _run(self) -> None:
        try:
            with self._publishers() as publishers:
                next_at = time.monotonic()
                while not self._stop.is_set():
                    self._publish_one(publishers)
                    # After an outage the schedule is behind: catch up, as agencies would.
                    next_at += self._interval
                    self._stop.wait(max(0.0, next_at - time.monotonic()))
        except BaseException as exc:
            self.error = exc
            raise

    def _publish_one(self, publishers: dict[str, AlertPublisher]) -> None:
        planned = self._workload.next()
        publisher = publishers[planned.agency]
        sent_at = time.monotonic()
        outcome = publisher.publish([publisher.sign(planned.alert)])[0]
        reported_at = time.monotonic()
        self.attempted += 1
        send = SendRecord(
            agency=planned.agency,
            label=f"{planned.key} r{planned.alert['revision']}",
            message_id=outcome.message_id,
            sent_at=sent_at,
            reported_at=reported_at,
            status=outcome.status,
            error=outcome.error,
        )
        with self._lock:
            self._sends.append(send)
            if outcome.ok:
                self._acknowledged.append(
                    Acknowledged(planned.agency, planned.alert, outcome.message_id, reported_at)
                )
                if outcome.partition is not None:
                    self._last = LastAcknowledged(outcome.topic, outcome.partition)
            elif send.status == "unknown":
                self._unknown.append(
                    Acknowledged(planned.agency, planned.alert, outcome.message_id, reported_at)
                )
        if not outcome.ok:
            logger.warning("not acknowledged (%s): %s: %s", send.status, send.label, send.error)

    @contextlib.contextmanager
    def _publishers(self) -> Iterator[dict[str, AlertPublisher]]:
        with contextlib.ExitStack() as stack:
            yield {
                agency: stack.enter_context(AlertPublisher(self._settings, key))
                for agency, key in self._deployment.keys.items()
            }
