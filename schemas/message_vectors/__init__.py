"""Test vectors of the hub's and recipients' envelopes: incidents, receipts, recall notices.

Written to ``schemas/vectors/messages-v1.json`` by ``python -m schemas.vectorgen``
(docs/wire-format.md section 13.2). Signed with the envelope vectors' agency keys and
a fixed test key of the hub; every valid vector is checked with the real verifier
(``schemas.verification``) and every must-fail vector fails there with its reason.

The code is in :mod:`schemas.message_vectors.hub`, ``ids``, ``records``, ``incidents``,
``receipts``, ``recalls`` and ``document``; this module re-exports their public names.
"""

from __future__ import annotations

from schemas.message_vectors.document import build
from schemas.message_vectors.hub import HUB_ID, HUB_PRODUCED_AT, HUB_SEED, hub_key
from schemas.message_vectors.ids import (
    DELIVERY_NAMESPACE,
    RECALL_NAMESPACE,
    delivery_id,
    recall_message_id,
)
from schemas.message_vectors.incidents import INCIDENT_JSON, INCIDENT_MESSAGE_ID
from schemas.message_vectors.receipts import RECEIPT_MESSAGE_ID
from schemas.message_vectors.records import MustFail, headers_hex

__all__ = [
    "DELIVERY_NAMESPACE",
    "HUB_ID",
    "HUB_PRODUCED_AT",
    "HUB_SEED",
    "INCIDENT_JSON",
    "INCIDENT_MESSAGE_ID",
    "RECALL_NAMESPACE",
    "RECEIPT_MESSAGE_ID",
    "MustFail",
    "build",
    "delivery_id",
    "headers_hex",
    "hub_key",
    "recall_message_id",
]
