"""Does the trust store let this key sign for this agency? Checked before publishing.

Publishing with another agency's key (or an unregistered, revoked or expired one) is
not an attack the hub misses, it quarantines every such alert; but the publisher would
exit 0 while nothing it sent is delivered. The check runs where the trust store is at
hand and refuses locally, naming the agency the key belongs to.
"""

from __future__ import annotations

import datetime as dt

from schemas.truststore import TrustStore


def signing_key_problem(store: TrustStore, agency_id: str, kid: str, at: dt.datetime) -> str | None:
    """Why the hub would reject alerts of ``agency_id`` signed at ``at`` with key ``kid``."""
    owners = sorted(a.agency_id for a in store.agencies.values() if kid in a.keys)
    if agency_id not in owners:
        if owners:
            return f"key {kid} belongs to {', '.join(owners)}, not {agency_id}"
        if agency_id not in store.agencies:
            return f"agency {agency_id} is not in the trust store (and neither is key {kid})"
        return f"key {kid} is not registered for {agency_id}"
    return store.agencies[agency_id].keys[kid].problem_at(at)
