"""The delivery id and a recall's message id (wire format 12.1, 12.5), restated for the vectors."""

from __future__ import annotations

import uuid

#: Namespace of the delivery id (wire format 12.1) and of a recall's message id (12.5).
DELIVERY_NAMESPACE = uuid.UUID("6c0c3e1e-3f2b-5b7e-9d0a-8f4f6f1c2a11")
RECALL_NAMESPACE = uuid.UUID("9e3f4c2a-7d1b-5a6e-8c40-2b9d7f1e6a53")


def delivery_id(recipient: str, message_id: str) -> str:
    """Wire format 12.1, restated so the vectors do not lean on the delivery service."""
    return str(uuid.uuid5(DELIVERY_NAMESPACE, f"{recipient}/{message_id}"))


def recall_message_id(recalled_delivery_id: str) -> str:
    """Wire format 12.5: the notice's message id, the same for every issue."""
    return str(uuid.uuid5(RECALL_NAMESPACE, recalled_delivery_id))
