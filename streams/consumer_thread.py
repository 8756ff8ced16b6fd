"""The worker's aiokafka consumer thread: Faust's, with a fetch wait the worker chooses.

aiokafka keeps one fetch request in flight per broker, for the partitions that have no
fetched records waiting to be consumed, and the broker holds that request until one of
them has data or the fetch wait ends. Faust fixes that wait at 1.5 s. A partition whose
records the worker has just consumed (the verified topic, after the dedupe agent took a
batch) must wait for the request in flight to come back before it is fetched again:
when that request names only partitions with nothing new, up to the whole 1.5 s, while
the records it waits for sit in the broker. A short wait bounds that stall; an idle
worker then asks the broker every wait (ten requests a second at 100 ms), which costs
the broker next to nothing.
"""

from __future__ import annotations

import weakref
from typing import Any

from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread

#: The worker's default fetch wait (milliseconds); Faust's own is 1,500.
DEFAULT_FETCH_MAX_WAIT_MS = 100

_FETCH_MAX_WAIT_MS: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()


def set_fetch_max_wait(app: Any, milliseconds: int) -> None:
    """Have ``app``'s worker consumer wait at most ``milliseconds`` per fetch."""
    _FETCH_MAX_WAIT_MS[app] = milliseconds


class ShortWaitConsumerThread(AIOKafkaConsumerThread):
    """Faust's consumer thread whose worker consumer uses the app's fetch wait."""

    def _create_worker_consumer(self, transport: Any) -> Any:
        consumer = super()._create_worker_consumer(transport)
        # Pinned aiokafka 0.14 passes this attribute to its fetcher when the consumer
        # starts; Faust gives the constructor a constant, so it is replaced before then.
        consumer._fetch_max_wait_ms = _FETCH_MAX_WAIT_MS.get(self.app, DEFAULT_FETCH_MAX_WAIT_MS)
        return consumer
