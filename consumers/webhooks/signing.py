"""The hub's signature on a webhook POST: what is signed, the headers, and checking them (pure).

Signing input (bytes)::

    SIGNING_CONTEXT
    + "POST" "\\n" request-target "\\n" delivery-id "\\n" timestamp "\\n" sha256-hex(body)

UTF-8, no trailing newline. ``request-target`` is the path and query as sent on the
request line (``/hooks/corridor?x=1``), ``timestamp`` the ``Corridor-Timestamp``
header exactly as sent (RFC 3339, UTC, milliseconds: ``2026-11-24T09:30:00.000Z``),
and the body hash lowercase hex. The Ed25519 signature goes in ``Corridor-Signature``
(standard base64 of the 64 bytes), the hub's key id in ``Corridor-Key-Id``. A receiver
checks the signature with the hub's key from its trust store and refuses timestamps
further than its allowed skew from its own clock. See docs/wire-format.md, section 15.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from consumers.errors import WebhookAuthError
from schemas.errors import VerifyError
from schemas.json_mapping import format_timestamp
from schemas.keys import key_id
from schemas.truststore import TrustStore

SIGNING_CONTEXT = b"corridor/webhook/v1\x00"
METHOD = "POST"

HEADER_DELIVERY_ID = "Corridor-Delivery-Id"
HEADER_TIMESTAMP = "Corridor-Timestamp"
HEADER_KEY_ID = "Corridor-Key-Id"
HEADER_SIGNATURE = "Corridor-Signature"
SIGNED_HEADERS = (HEADER_DELIVERY_ID, HEADER_TIMESTAMP, HEADER_KEY_ID, HEADER_SIGNATURE)

#: Default allowed distance between the signer's timestamp and the receiver's clock.
DEFAULT_MAX_SKEW_S = 300.0

_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
_DELIVERY_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_KEY_ID = re.compile(r"^[0-9a-f]{16}$")


def signing_input(target: str, delivery_id: str, timestamp: str, body: bytes) -> bytes:
    """The exact bytes the hub signs for one POST."""
    lines = (METHOD, target, delivery_id, timestamp, hashlib.sha256(body).hexdigest())
    return SIGNING_CONTEXT + "\n".join(lines).encode("utf-8")


def sign_request(
    target: str,
    delivery_id: str,
    body: bytes,
    private_key: Ed25519PrivateKey,
    at: dt.datetime,
) -> dict[str, str]:
    """The ``Corridor-*`` headers of one POST of ``body`` to ``target``, signed at ``at``."""
    if not _DELIVERY_ID.match(delivery_id):
        raise ValueError(f"delivery id {delivery_id!r} is not a token of 1-128 safe characters")
    timestamp = format_timestamp(at)
    signature = private_key.sign(signing_input(target, delivery_id, timestamp, body))
    return {
        HEADER_DELIVERY_ID: delivery_id,
        HEADER_TIMESTAMP: timestamp,
        HEADER_KEY_ID: key_id(private_key.public_key()),
        HEADER_SIGNATURE: base64.b64encode(signature).decode("ascii"),
    }


@dataclass(frozen=True)
class SignedRequest:
    """What a verified POST told the receiver."""

    delivery_id: str
    """The stable delivery id the hub signed."""
    signed_at: dt.datetime
    """The hub's timestamp."""


def verify_request(
    method: str,
    target: str,
    headers: Iterable[tuple[str, str]],
    body: bytes,
    trust_store: TrustStore,
    hub_id: str,
    now: dt.datetime,
    max_skew_s: float = DEFAULT_MAX_SKEW_S,
) -> SignedRequest:
    """Check the hub's signature on one received POST, or raise :class:`WebhookAuthError`.

    ``headers`` are the request's header pairs as received (names case-insensitive);
    each ``Corridor-*`` header must appear exactly once.
    """
    if method != METHOD:
        raise WebhookAuthError("method", f"only {METHOD} is signed, got {method}")
    found: dict[str, list[str]] = {}
    for name, value in headers:
        found.setdefault(name.lower(), []).append(value)
    values: dict[str, str] = {}
    for name in SIGNED_HEADERS:
        got = found.get(name.lower(), [])
        if len(got) != 1:
            raise WebhookAuthError("missing_header", f"{name} must appear once, found {len(got)}")
        values[name] = got[0].strip()
    delivery_id, timestamp = values[HEADER_DELIVERY_ID], values[HEADER_TIMESTAMP]
    if not _DELIVERY_ID.match(delivery_id):
        raise WebhookAuthError("malformed_header", f"{HEADER_DELIVERY_ID} is not a safe token")
    if not _KEY_ID.match(values[HEADER_KEY_ID]):
        raise WebhookAuthError("malformed_header", f"{HEADER_KEY_ID} is not 16 hex digits")
    if not _TIMESTAMP.match(timestamp):
        raise WebhookAuthError(
            "malformed_header", f"{HEADER_TIMESTAMP} is not like 2026-11-24T09:30:00.000Z"
        )
    try:
        signed_at = dt.datetime.fromisoformat(timestamp)
    except ValueError as exc:
        raise WebhookAuthError("malformed_header", f"{HEADER_TIMESTAMP}: {exc}") from exc
    skew = abs((now - signed_at).total_seconds())
    if skew > max_skew_s:
        raise WebhookAuthError(
            "stale_timestamp", f"signed {skew:.0f}s from this clock (allowed {max_skew_s:.0f}s)"
        )
    try:
        signature = base64.b64decode(values[HEADER_SIGNATURE], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise WebhookAuthError("malformed_header", f"{HEADER_SIGNATURE} is not base64") from exc
    try:
        public_key = trust_store.public_key(hub_id, values[HEADER_KEY_ID], signed_at)
    except VerifyError as exc:
        raise WebhookAuthError(exc.reason, exc.detail) from exc
    try:
        public_key.verify(signature, signing_input(target, delivery_id, timestamp, body))
    except InvalidSignature as exc:
        raise WebhookAuthError("bad_signature", "the hub's signature does not verify") from exc
    return SignedRequest(delivery_id=delivery_id, signed_at=signed_at)
