"""The one error of the local Kafka tools: something a human must fix."""

from __future__ import annotations

__all__ = ["KafkaToolError"]


class KafkaToolError(Exception):
    """A local broker could not be provisioned, started or stopped.

    The message is meant for humans: it says what is wrong and how to fix it.
    """
