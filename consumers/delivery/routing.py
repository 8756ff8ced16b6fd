"""The identity of one delivery: stable across redeliveries (pure).

Who receives what is the sharing policy's decision (``consumers.delivery.policy``).
"""

from __future__ import annotations

import uuid

#: The record header that carries a delivery's id (:func:`delivery_id`).
HEADER_DELIVERY_ID = "corridor-delivery-id"
_DELIVERY_NAMESPACE = uuid.UUID("6c0c3e1e-3f2b-5b7e-9d0a-8f4f6f1c2a11")


def delivery_id(recipient: str, message_id: str) -> str:
    """Stable id of one delivery: the same message to the same agency, the same id.

    A redelivery after a crash therefore carries the id of the first attempt, so a
    recipient's system of record can store it exactly once.
    """
    return str(uuid.uuid5(_DELIVERY_NAMESPACE, f"{recipient}/{message_id}"))
