"""The attachment header: its encoding, and its check against the signed commitment."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from schemas import reasons
from schemas.catalog import attachment_schema
from schemas.codec import DECODE_ERRORS, decode_binary, encode_single_object, split_single_object
from schemas.envelope import RecordHeaders
from schemas.errors import VerifyError
from schemas.personal_data.format import HEADER, MAX_ATTACHMENT_LEN


def encode_attachment(datum: dict[str, Any]) -> bytes:
    """Single-object encoding of a PersonalDataAttachment datum."""
    return encode_single_object(attachment_schema(), datum)


def _mismatch(detail: str) -> VerifyError:
    return VerifyError(reasons.PERSONAL_DATA_MISMATCH, detail)


def decode_attachment(data: bytes) -> dict[str, Any]:
    """Decode an attachment header value, or raise ``VerifyError(personal_data_mismatch)``."""
    if len(data) > MAX_ATTACHMENT_LEN:
        raise _mismatch(f"attachment is {len(data)} bytes, max {MAX_ATTACHMENT_LEN}")
    try:
        fingerprint, body = split_single_object(data)
    except VerifyError as exc:
        raise _mismatch("attachment is not Avro single-object encoded") from exc
    info = attachment_schema()
    if fingerprint != info.fingerprint:
        raise _mismatch(f"attachment schema {fingerprint.hex()} is not {info.fullname}")
    try:
        return decode_binary(info, body)
    except DECODE_ERRORS as exc:
        raise _mismatch(f"cannot decode the attachment: {type(exc).__name__}") from exc


def attachment_of(headers: RecordHeaders) -> bytes | None:
    """The attachment header's value; present at most once."""
    values = [value for name, value in headers if name == HEADER]
    if len(values) > 1:
        raise _mismatch(f"Kafka header {HEADER} appears {len(values)} times")
    return values[0] if values else None


def check_attachment(
    commitment: dict[str, Any] | None, headers: RecordHeaders, *, required: bool
) -> dict[str, Any] | None:
    """Check the attachment against the signed commitment; return it decoded, if any.

    Needs no key: anyone (the hub too) can check that the ciphertext is the one the
    originator signed. ``required``: the record must carry an attachment whenever the
    alert has a commitment (true on inbound topics, where nothing was stripped yet).
    """
    data = attachment_of(headers)
    if data is None:
        if commitment is not None and required:
            raise _mismatch("the alert commits to personal data but carries no attachment")
        return None
    if commitment is None:
        raise _mismatch("an attachment came with an alert that commits to no personal data")
    attachment = decode_attachment(data)
    digest = hashlib.sha256(attachment["ciphertext"]).digest()
    if not hmac.compare_digest(digest, commitment["ciphertext_sha256"]):
        raise _mismatch("the attachment's ciphertext is not the one the originator signed")
    return attachment
