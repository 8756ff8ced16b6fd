"""Rotating and revoking an agency's signing keys in a trust store (pure).

Rotation adds the new key as ``active`` from ``now`` and retires the agency's active keys
with ``valid_until = now + overlap``: alerts signed with an old key before the end of the
overlap (in flight, or from a producer not yet switched) still verify; later ones do not.
Revocation marks a key ``revoked`` with ``compromised_at``: every message it signed from
then on fails verification as soon as a verifier sees the registry that says so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from schemas.errors import TrustStoreError
from schemas.keys import key_id
from schemas.truststore import TrustedKey, TrustStore


def rotate(
    store: TrustStore,
    agency_id: str,
    new_key: Ed25519PublicKey,
    *,
    now: dt.datetime,
    overlap: dt.timedelta,
) -> TrustStore:
    """A copy where ``new_key`` is the agency's active key and its former active keys retire.

    A former key keeps an earlier ``valid_until`` it already had. Raises
    :class:`TrustStoreError` if the agency is unknown or the key is already registered.
    """
    if overlap < dt.timedelta(0):
        raise TrustStoreError("the overlap must not be negative")
    agency = store.agencies.get(agency_id)
    if agency is None:
        raise TrustStoreError(f"agency {agency_id} is not in the trust store")
    new_id = key_id(new_key)
    if new_id in agency.keys:
        raise TrustStoreError(f"key {new_id} is already registered for {agency_id}")
    retire_at = now + overlap
    keys: dict[str, TrustedKey] = {}
    for kid, key in agency.keys.items():
        if key.status == "active":
            until = retire_at if key.valid_until is None else min(key.valid_until, retire_at)
            key = replace(key, status="retired", valid_until=until)
        keys[kid] = key
    keys[new_id] = TrustedKey(key_id=new_id, public_key=new_key, status="active", valid_from=now)
    agencies = {**store.agencies, agency_id: replace(agency, keys=keys)}
    return replace(store, agencies=agencies)


def revoke(
    store: TrustStore, agency_id: str, kid: str, *, compromised_at: dt.datetime
) -> TrustStore:
    """A copy where key ``kid`` of ``agency_id`` is revoked from ``compromised_at`` on.

    If the key was already revoked from an earlier instant, that instant is kept: a
    revocation is never narrowed.
    """
    agency = store.agencies.get(agency_id)
    if agency is None:
        raise TrustStoreError(f"agency {agency_id} is not in the trust store")
    key = agency.keys.get(kid)
    if key is None:
        raise TrustStoreError(f"key {kid} is not registered for {agency_id}")
    if key.status == "revoked":
        if key.compromised_at is None:
            return store
        compromised_at = min(key.compromised_at, compromised_at)
    revoked = replace(key, status="revoked", compromised_at=compromised_at)
    agencies = {
        **store.agencies,
        agency_id: replace(agency, keys={**agency.keys, kid: revoked}),
    }
    return replace(store, agencies=agencies)
