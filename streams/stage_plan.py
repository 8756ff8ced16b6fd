"""What a stage decided for one input record: the records to send and what to remember.

A stage (:mod:`streams.verify_stage`, :mod:`streams.dedupe_stage`) turns a batch of input
records into one :class:`Step` each, without any Kafka I/O; :mod:`streams.stage_runner`
sends them and tells the stage which passes the broker acknowledged. Outputs name their
topic by role (:data:`VERIFIED` ...), so that a stage knows no Faust topic.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from schemas.envelope import RecordHeaders
from streams.verifier import Rejected

logger = logging.getLogger(__name__)

#: Output topic roles (also the ``output`` label of the send-retry counter).
VERIFIED, ALERTS, CORRELATION, QUARANTINE, AUDIT = (
    "verified",
    "alerts",
    "correlation",
    "quarantine",
    "audit",
)


@dataclass(frozen=True)
class Output:
    """One record to send, acknowledged."""

    topic: str
    """The role of its topic (:data:`VERIFIED`, :data:`ALERTS` ...)."""
    key: bytes | None
    """Record key."""
    value: bytes
    """Record value."""
    headers: RecordHeaders | None = None
    """Record headers."""


@dataclass
class Step:
    """One input record's outputs, in the order they must be acknowledged.

    ``sent`` (quarantine records, audit events) must be written: a refusal stops the
    worker. ``passed`` is the record passed on: if the broker refuses that record itself
    (too large), the input is quarantined instead and nothing after it happens. Only once
    ``passed`` is acknowledged are ``follow_ups`` sent, and once they are too, the stage
    remembers the pass (``Stage.acknowledged``).
    """

    event: Any
    """The Faust event of the input record (anything with ``.message``)."""
    stage: str
    """Name of the stage, for quarantine records."""
    sent: list[Output] = field(default_factory=list)
    """Records sent at once (quarantine, audit)."""
    passed: Output | None = None
    """The record passed on, if any."""
    follow_ups: list[Output] = field(default_factory=list)
    """Records sent once ``passed`` is acknowledged (correlation features)."""
    remember: Any = None
    """What the stage remembers once ``passed`` and ``follow_ups`` are acknowledged."""


#: Called with an event before the stage reads or writes state for it (Faust: make it
#: the current event, whose partition table reads and changelog writes go to).
EnterEvent = Callable[[Any], None]


def no_enter(event: Any) -> None:
    """An :data:`EnterEvent` for state that is not partitioned (tests)."""


def event_ms(message: Any) -> int:
    """Event time of a consumed record in milliseconds (Faust gives seconds)."""
    return int(message.timestamp * 1000)


def quarantined(event: Any, stage: str, rejected: Rejected) -> Step:
    """The step of a record that is quarantined (logged here, as it is decided)."""
    message = event.message
    logger.warning(
        "quarantined %s[%d]@%d: %s",
        message.topic,
        message.partition,
        message.offset,
        rejected.reason,
    )
    return Step(event, stage, sent=[Output(QUARANTINE, message.key, rejected.quarantine_value)])
