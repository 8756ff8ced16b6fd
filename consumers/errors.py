"""Errors of delivering and receiving alerts."""

from __future__ import annotations

from schemas.errors import CorridorError


class DeliveryError(CorridorError):
    """A batch of deliveries was not acknowledged; it will be retried from the last commit."""

    retriable = True


class BrokerUnavailable(CorridorError):
    """Kafka could not be reached."""

    retriable = True


class InboxMissing(CorridorError):
    """The inbox topic does not exist, or no ACL lets this principal see it."""
