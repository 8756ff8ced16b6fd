"""Where a verifier gets its trust store: the :class:`TrustSource` protocol."""

from __future__ import annotations

from typing import Protocol

from schemas.truststore.store import TrustStore


class TrustSource(Protocol):
    """Where a verifier gets the trust store to check the next message against.

    A :class:`TrustStore` (a file read at start) is one; a follower of the signed key
    registry (``consumers.registry_follower``) is another, whose answer changes while the
    service runs. Ask again for every message: never keep the answer.
    """

    def current(self) -> TrustStore:
        """The trust store to verify with now.

        Raises:
            VerifyError: ``registry_expired`` when there is no trust store that may be used.
        """
        ...
