"""What the hub delivers to one recipient: only its own key wraps, or no attachment."""

from __future__ import annotations

from collections.abc import Collection

from schemas.envelope import RecordHeaders
from schemas.errors import VerifyError
from schemas.personal_data.attachment import decode_attachment, encode_attachment
from schemas.personal_data.format import HEADER


def restrict_attachment(data: bytes, key_ids: Collection[str]) -> bytes | None:
    """The attachment with only the wraps for ``key_ids``; None if none remains.

    The ciphertext is kept byte for byte, so the signed commitment still matches.
    """
    attachment = decode_attachment(data)
    wraps = [w for w in attachment["wraps"] if w["key_id"] in key_ids]
    if not wraps:
        return None
    return encode_attachment({"ciphertext": attachment["ciphertext"], "wraps": wraps})


def headers_for_recipient(
    headers: RecordHeaders, *, cleared: bool, key_ids: Collection[str]
) -> RecordHeaders:
    """The record headers one recipient gets (pure): its own wrap only, or no attachment.

    A recipient cleared for personal data keeps the attachment with only the wraps
    for its own encryption keys (it never learns who else can decrypt); anyone else,
    or a cleared recipient without a wrap, gets no attachment at all: the alert's
    signed commitment still shows that personal data exists. A malformed attachment
    is dropped (the hub verified it on the way in, so that cannot happen unnoticed).
    """
    kept: RecordHeaders = []
    for name, value in headers:
        if name != HEADER:
            kept.append((name, value))
            continue
        if not cleared:
            continue
        try:
            restricted = restrict_attachment(value, key_ids)
        except VerifyError:
            continue
        if restricted is not None:
            kept.append((name, restricted))
    return kept
