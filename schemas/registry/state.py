"""The newest registry accepted so far, refusing rollbacks, conflicts and expired versions;
a :class:`~schemas.truststore.TrustSource`.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterable

from schemas import reasons
from schemas.errors import RegistryError, VerifyError
from schemas.json_mapping import format_timestamp
from schemas.registry.documents import (
    CHAIN_MISMATCH,
    EXPIRED,
    ROLLBACK,
    VERSION_CONFLICT,
    Registry,
    RootKeys,
    utc_now,
)
from schemas.registry.verification import open_registry
from schemas.truststore import TrustStore


class RegistryState:
    """The newest registry accepted so far; a :class:`~schemas.truststore.TrustSource`.

    Updates come from one thread (the follower); ``current()`` may be called from any:
    the accepted registry is replaced as a whole, by one reference assignment.
    """

    def __init__(
        self,
        roots: RootKeys,
        *,
        clock: Callable[[], dt.datetime] = utc_now,
        hub_id: str | None = None,
    ) -> None:
        self._roots = roots
        self._hub_id = hub_id
        self._clock = clock
        self._registry: Registry | None = None
        self._lock = threading.Lock()

    @property
    def registry(self) -> Registry | None:
        """The accepted registry, expired or not (None before the first)."""
        return self._registry

    def check(self, value: bytes, now: dt.datetime) -> Registry | None:
        """The registry ``value`` would install, None if it is the one installed (pure).

        Raises:
            RegistryError: with the reason it is refused.
        """
        candidate = open_registry(value, self._roots, self._hub_id)
        current = self._registry
        if current is not None:
            if candidate.digest == current.digest:
                return None
            if candidate.version < current.version:
                raise RegistryError(
                    ROLLBACK,
                    f"version {candidate.version} is older than the accepted "
                    f"version {current.version}",
                )
            if candidate.version == current.version:
                raise RegistryError(
                    VERSION_CONFLICT,
                    f"version {candidate.version} differs from the accepted document of "
                    "that version",
                )
            if (
                candidate.version == current.version + 1
                and candidate.previous_digest is not None
                and candidate.previous_digest != current.digest
            ):
                raise RegistryError(
                    CHAIN_MISMATCH,
                    f"version {candidate.version} follows a document other than the accepted "
                    f"version {current.version}",
                )
        if candidate.expired(now):
            raise RegistryError(
                EXPIRED,
                f"version {candidate.version} expired at {format_timestamp(candidate.expires_at)}",
            )
        return candidate

    def apply(self, value: bytes, now: dt.datetime | None = None) -> Registry | None:
        """Accept ``value`` if it is a newer, valid, unexpired registry.

        Returns the newly installed registry, or None when ``value`` is the one already
        installed (a re-read). Raises :class:`RegistryError` and keeps the current one
        otherwise.
        """
        with self._lock:
            candidate = self.check(value, now or self._clock())
            if candidate is not None:
                self._registry = candidate
            return candidate

    def catch_up(
        self, values: Iterable[bytes], now: dt.datetime | None = None
    ) -> tuple[Registry | None, list[RegistryError]]:
        """Install the newest valid registry among ``values`` (a topic read from the start).

        Earlier versions before the newest are history and not reported; a record after
        the newest that carries a lower version is a rollback attempt and is. Returns the
        installed registry (None if nothing new) and the refusals.
        """
        at = now or self._clock()
        refused: list[RegistryError] = []
        head: tuple[bytes, Registry] | None = None
        for value in values:
            try:
                candidate = open_registry(value, self._roots, self._hub_id)
            except RegistryError as exc:
                refused.append(exc)
                continue
            if head is None or candidate.version > head[1].version:
                head = (value, candidate)
            elif candidate.digest != head[1].digest:
                reason = ROLLBACK if candidate.version < head[1].version else VERSION_CONFLICT
                refused.append(
                    RegistryError(
                        reason,
                        f"version {candidate.version} after version {head[1].version}",
                    )
                )
        installed = None
        if head is not None:
            try:
                installed = self.apply(head[0], at)
            except RegistryError as exc:
                refused.append(exc)
        return installed, refused

    def current(self) -> TrustStore:
        """The accepted registry's trust store, unless it has expired (or there is none)."""
        registry = self._registry
        if registry is None:
            raise VerifyError(reasons.REGISTRY_EXPIRED, "no valid key registry received yet")
        if registry.expired(self._clock()):
            raise VerifyError(
                reasons.REGISTRY_EXPIRED,
                f"key registry {registry.describe()} has expired; nothing is verified until "
                "a newer one is published",
            )
        return registry.trust_store
