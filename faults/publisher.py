"""The agencies publishing the workload at a steady rate while faults are injected."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterator

from faults.checker import Acknowledged
from faults.workload import Workload
from producers.publisher import AlertPublisher
from producers.settings import PublisherSettings
from throwaway_deployment import Deployment

logger = logging.getLogger(__name__)


class SteadyPublisher:
    """Publishes ``workload`` at ``rate`` alerts/s in a thread until stopped.

    Each alert is sent and its outcome awaited before the next (so an alert's
    revisions reach the broker in order); only those the broker acknowledged are
    recorded, with when.
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
        self.attempted = 0
        """Alerts sent, acknowledged or not."""
        self.error: BaseException | None = None
        """What stopped the thread, if it failed."""
        self._thread = threading.Thread(target=self._run, name="fault-publisher", daemon=True)

    @property
    def acknowledged(self) -> list[Acknowledged]:
        """The acknowledged alerts so far, in publishing order."""
        with self._lock:
            return list(self._acknowledged)

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
                    planned = self._workload.next()
                    publisher = publishers[planned.agency]
                    outcome = publisher.publish([publisher.sign(planned.alert)])[0]
                    self.attempted += 1
                    if outcome.ok:
                        ack = Acknowledged(
                            planned.agency, planned.alert, outcome.message_id, time.monotonic()
                        )
                        with self._lock:
                            self._acknowledged.append(ack)
                    else:
                        logger.warning("not acknowledged: %s: %s", planned.key, outcome.error)
                    next_at += self._interval
                    self._stop.wait(max(0.0, next_at - time.monotonic()))
        except BaseException as exc:
            self.error = exc
            raise

    @contextlib.contextmanager
    def _publishers(self) -> Iterator[dict[str, AlertPublisher]]:
        with contextlib.ExitStack() as stack:
            yield {
                agency: stack.enter_context(AlertPublisher(self._settings, key))
                for agency, key in self._deployment.keys.items()
            }
