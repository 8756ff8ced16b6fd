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
