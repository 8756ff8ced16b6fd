"""What the incidents topic says was published: the correlate agent's check after a start.

The correlation stage remembers each published incident version in a table whose
changelog record trails the publication; after a crash the topic itself is the
record of what recipients received (``streams.correlation_stage``).
"""

from __future__ import annotations

import logging
from typing import Any

from consumers.topic_reader import read_to_end
from schemas.client_security import ClientSecurity
from schemas.codec import DECODE_ERRORS, decode_single_object
from schemas.envelope import open_envelope
from schemas.errors import VerifyError

logger = logging.getLogger(__name__)


def last_published_versions(
    bootstrap: str, topic: str, security: ClientSecurity
) -> list[dict[str, Any]]:
    """The last version of each incident on ``topic`` (blocking: run it off the event loop).

    A record that does not decode is skipped with a warning: the hub signed everything
    on this topic, so it is not a recipient's concern, and the table still counts.
    """
    latest: dict[str, dict[str, Any]] = {}
    for record in read_to_end(bootstrap, topic, security=security):
        try:
            _, incident = decode_single_object(open_envelope(bytes(record.value)).payload)
        except (VerifyError, TypeError, *DECODE_ERRORS) as exc:
            logger.warning("%s@%d: not an incident version: %s", topic, record.offset, exc)
            continue
        known = latest.get(incident["incident_id"])
        if known is None or incident["version"] >= known["version"]:
            latest[incident["incident_id"]] = incident
    return list(latest.values())
