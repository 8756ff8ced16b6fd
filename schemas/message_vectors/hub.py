"""The hub's fixed test signing key and signing time. **Test key; never deploy it.**"""

from __future__ import annotations

import datetime as dt

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

HUB_ID = "TF-HUB"
#: The hub's test signing seed. **Test key; never deploy it.**
HUB_SEED = bytes.fromhex("c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7")
HUB_PRODUCED_AT = dt.datetime(2026, 11, 24, 9, 0, 0, 500000, tzinfo=dt.UTC)


def hub_key() -> Ed25519PrivateKey:
    """The hub's test key."""
    return Ed25519PrivateKey.from_private_bytes(HUB_SEED)
