"""A producer's sealing recipients from the signed key registry it reads and verifies itself.

The registry's newest version on ``<prefix>.keys`` that the producer's pinned roots
accept (threshold, no rollback, not expired: docs/wire-format.md section 9.4.1)
carries the members' clearances and encryption keys; nothing unsigned decides who can
read personal data.
"""

from __future__ import annotations

import datetime as dt

from consumers.topic_reader import read_to_end
from producers.sealing import Sealing
from schemas.client_security import PLAINTEXT_CLIENT, ClientSecurity
from schemas.errors import RegistryError
from schemas.registry import EXPIRED, Registry, RegistryState, RootKeys
from schemas.topics import TopicNames


def newest_registry(
    values: list[bytes], roots: RootKeys, now: dt.datetime | None = None
) -> Registry:
    """The registry version a follower would install from ``values`` (pure).

    Raises:
        RegistryError: when no version is acceptable (the last refusal's reason).
    """
    state = RegistryState(roots)
    installed, refused = state.catch_up(values, now)
    if installed is None:
        if refused:
            last = refused[-1]
            raise RegistryError(last.reason, f"no acceptable key registry: {last.detail}")
        raise RegistryError(EXPIRED, "no key registry has been published yet")
    return installed


def sealing_from_topic(
    bootstrap: str,
    topics: TopicNames,
    roots: RootKeys,
    security: ClientSecurity = PLAINTEXT_CLIENT,
) -> Sealing:
    """Read ``<prefix>.keys`` to its end and seal with its newest acceptable version."""
    records = read_to_end(bootstrap, topics.keys, security=security)
    values = [r.value for r in records if r.value is not None]
    return Sealing.from_registry(newest_registry(values, roots))
