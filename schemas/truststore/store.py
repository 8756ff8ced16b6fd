"""The trust store itself: key lookup for verification, the hub's rules, copies with keys added."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

from schemas import reasons
from schemas.clearances import Clearance, SignedDirectory
from schemas.errors import TrustStoreError, VerifyError
from schemas.keys import encryption_key_id, key_id
from schemas.truststore.entries import Agency, EncryptionKey, TrustedKey


@dataclass(frozen=True)
class TrustStore:
    """Public keys of all agencies; immutable, replaced as a whole when it changes."""

    agencies: Mapping[str, Agency]
    """Agencies by id."""
    hub: str | None = None
    """The hub's signing id, when the document names it: that entry may hold no
    encryption key and no clearance (the hub never reads personal data)."""

    def current(self) -> TrustStore:
        """Itself: a fixed trust store is a :class:`TrustSource` that never changes."""
        return self

    def public_key(self, agency_id: str, kid: str, produced_at: dt.datetime) -> Ed25519PublicKey:
        """The key that must have signed a message, or raise :class:`VerifyError`."""
        agency = self.agencies.get(agency_id)
        if agency is None:
            raise VerifyError(reasons.UNKNOWN_AGENCY, f"agency {agency_id!r} is not trusted")
        trusted = agency.keys.get(kid)
        if trusted is None:
            raise VerifyError(
                reasons.UNKNOWN_KEY, f"key {kid!r} is not registered for agency {agency_id}"
            )
        problem = trusted.problem_at(produced_at)
        if problem is not None:
            raise VerifyError(reasons.KEY_NOT_VALID, problem)
        return trusted.public_key

    def with_key(self, agency_id: str, name: str, public_key: Ed25519PublicKey) -> TrustStore:
        """A copy with ``public_key`` added as an active key of ``agency_id``."""
        agency = self.agencies.get(agency_id, Agency(agency_id=agency_id, name=name))
        trusted = TrustedKey(key_id=key_id(public_key), public_key=public_key)
        keys = {**agency.keys, trusted.key_id: trusted}
        agencies = {**self.agencies, agency_id: replace(agency, keys=keys)}
        return replace(self, agencies=agencies)

    def with_encryption_key(
        self, agency_id: str, name: str, public_key: X25519PublicKey
    ) -> TrustStore:
        """A copy with ``public_key`` added as an active encryption key of ``agency_id``."""
        if agency_id == self.hub:
            raise TrustStoreError(_hub_key_problem(agency_id))
        agency = self.agencies.get(agency_id, Agency(agency_id=agency_id, name=name))
        entry = EncryptionKey(key_id=encryption_key_id(public_key), public_key=public_key)
        keys = {**agency.encryption_keys, entry.key_id: entry}
        agencies = {**self.agencies, agency_id: replace(agency, encryption_keys=keys)}
        return replace(self, agencies=agencies)

    def with_hub(self, hub_id: str) -> TrustStore:
        """A copy that names ``hub_id`` as the hub (refused if it has an encryption key)."""
        checked = replace(self, hub=hub_id)
        _check_hub(checked)
        return checked

    def with_clearances(self, clearances: Mapping[str, Clearance]) -> TrustStore:
        """A copy whose agencies carry these clearances (agencies not listed get none)."""
        agencies = {
            agency_id: replace(agency, clearance=clearances.get(agency_id))
            for agency_id, agency in self.agencies.items()
        }
        checked = replace(self, agencies=agencies)
        _check_hub(checked)
        return checked

    def directory(self) -> SignedDirectory:
        """The members this trust store lists with a clearance, for the sharing policy."""
        return SignedDirectory(
            tuple(
                agency.clearance.as_member(agency.agency_id, agency.name)
                for agency in sorted(self.agencies.values(), key=lambda a: a.agency_id)
                if agency.clearance is not None and agency.agency_id != self.hub
            )
        )

    def sealing_keys(self, agency_id: str) -> list[EncryptionKey]:
        """The active encryption keys of ``agency_id``: what an originator seals to.

        Never any for the hub, whatever a document says.
        """
        agency = self.agencies.get(agency_id)
        if agency is None or agency_id == self.hub:
            return []
        return [k for k in agency.encryption_keys.values() if k.status == "active"]

    def delivery_key_ids(self, agency_id: str) -> frozenset[str]:
        """Ids of the keys whose wraps the hub may deliver to ``agency_id`` (not revoked)."""
        agency = self.agencies.get(agency_id)
        if agency is None:
            return frozenset()
        return frozenset(k.key_id for k in agency.encryption_keys.values() if k.status != "revoked")


def _hub_key_problem(hub_id: str) -> str:
    return (
        f"agencies.{hub_id}.encryption_keys: {hub_id} is the hub, which must have no "
        "encryption key (personal data is sealed to members only; the hub must not be able "
        "to read it): remove the key"
    )


def _check_hub(store: TrustStore) -> None:
    """Refuse a trust store whose hub entry has an encryption key or a clearance."""
    if store.hub is None:
        return
    agency = store.agencies.get(store.hub)
    if agency is None:
        return
    if agency.encryption_keys:
        raise TrustStoreError(_hub_key_problem(store.hub))
    if agency.clearance is not None:
        raise TrustStoreError(
            f"agencies.{store.hub}.member: {store.hub} is the hub, not a member; it has no "
            "clearance"
        )
