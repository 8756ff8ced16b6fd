"""Errors of publishing alerts."""

from __future__ import annotations

from schemas.errors import CorridorError


class PublishError(CorridorError):
    """An alert could not be published."""


class BrokerUnavailable(PublishError):
    """Kafka could not be reached or did not answer in time."""

    retriable = True


class TopicMissing(PublishError):
    """The agency's inbound topic does not exist on the cluster."""


class InputError(CorridorError):
    """An alerts file cannot be read or parsed."""


class SendRefused(CorridorError):
    """The Kafka client or broker refused a send in a way no retry can change.

    ``record_refused`` tells a refusal of the record itself (too large, invalid: the
    caller quarantines the input instead) from a refusal of the sender (authorization:
    the process stops, an operator must act).
    """

    def __init__(self, topic: str, cause: str, *, record_refused: bool) -> None:
        self.topic = topic
        self.cause = cause
        self.record_refused = record_refused
        what = "the record" if record_refused else "this client"
        super().__init__(f"send to {topic} refused for {what}: {cause} (not retried)")


class SendInterrupted(CorridorError):
    """The process was asked to stop while a send was still unacknowledged (being retried)."""

    retriable = True
