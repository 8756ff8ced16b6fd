"""A Faust producer transport that is idempotent with acks=all for every send.

faust-streaming's aiokafka producer enables idempotence only inside transactions
(exactly-once mode), and leaves acks at the app's setting; Corridor's contract is
acks=all and idempotence everywhere. The app's broker URL uses this transport
(``corridorkafka://host:port``): its consumer is Faust's own, only the producer differs.
(``broker_producer`` would not do: Faust builds its producer from the main transport.)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from faust.transport.drivers import TRANSPORTS
from faust.transport.drivers.aiokafka import Producer, Transport

SCHEME = "corridorkafka"


class IdempotentProducer(Producer):
    """aiokafka producer settings with acks=all and enable_idempotence=True."""

    def _settings_extra(self) -> Mapping[str, Any]:
        return {"acks": "all", "enable_idempotence": True}


class IdempotentTransport(Transport):
    """Faust's aiokafka transport with :class:`IdempotentProducer`."""

    Producer = IdempotentProducer


def register() -> str:
    """Make ``corridorkafka://`` URLs resolve to this transport; returns the scheme."""
    TRANSPORTS.aliases[SCHEME] = f"{__name__}:IdempotentTransport"
    return SCHEME
