"""Errors of delivering and receiving alerts."""

from __future__ import annotations

from schemas.errors import CorridorError


class DeliveryError(CorridorError):
    """A batch of deliveries was not acknowledged; it will be retried from the last commit."""

    retriable = True


class BrokerUnavailable(CorridorError):
    """Kafka could not be reached."""

    retriable = True


class WebhookAuthError(CorridorError):
    """A webhook POST did not carry a valid, fresh signature of the hub.

    ``reason`` is a stable code (e.g. ``bad_signature``, ``stale_timestamp``).
    """

    def __init__(self, reason: str, detail: str) -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}")


class WebhookFormatError(CorridorError):
    """A webhook body or dead-letter record is not the documented JSON."""


class StoreError(CorridorError):
    """The receiver's SQLite store could not be written (busy, disk full): retry later."""

    retriable = True


class StoreOpenError(StoreError):
    """The receiver's SQLite store cannot be opened: the path is a directory, not a SQLite
    file, or not writable. A local file problem (exit 2), not an outage to wait out."""

    retriable = False


class InboxMissing(CorridorError):
    """The inbox topic does not exist, or no ACL lets this principal see it."""
