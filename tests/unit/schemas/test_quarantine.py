"""Quarantine records: whole when they fit, else digest, size and a bounded prefix."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas import reasons
from schemas.header_names import decode_name
from schemas.quarantine import (
    FIELD_PREFIX_BYTES,
    MAX_HEADERS,
    MAX_RECORD_BYTES,
    VALUE_PREFIX_BYTES,
    SourceRecord,
    original_value,
    parse_quarantine_record,
    quarantine_record,
)

AT = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)
MIB = 1024 * 1024


def _record(
    value: bytes | None,
    key: bytes | None = b"PK-FIA:a1",
    headers: list[tuple[str, bytes]] | None = None,
    reason: str = reasons.MALFORMED_ENVELOPE,
) -> bytes:
    source = SourceRecord("corridor.inbound.PK-FIA", 0, 7, key, value, headers or [])
    return quarantine_record(source, stage="verify", reason=reason, detail="d", at=AT)


@pytest.mark.parametrize(
    "size",
    [0, 1000, 500 * 1024, 575 * 1024],
    ids=["empty", "small", "500KiB", "575KiB"],
)
def test_a_record_that_fits_is_kept_whole(size: int) -> None:
    value = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    data = _record(value)
    document = parse_quarantine_record(data)
    assert len(data) <= MAX_RECORD_BYTES
    assert document["truncated"] is False
    assert original_value(document) == value
    assert document["value_sha256"] == hashlib.sha256(value).hexdigest()
    assert document["value_size"] == size


@pytest.mark.parametrize(
    "size",
    [600 * 1024, 900_000, MIB - 100, MIB, MIB + 1, 10 * MIB],
    ids=["600KiB", "900KB", "under-1MiB", "1MiB", "over-1MiB", "10MiB"],
)
def test_a_record_too_large_to_keep_whole_keeps_digest_size_and_prefix(size: int) -> None:
    value = b"\xc3\x01" + b"\xab" * (size - 2)
    data = _record(value, reason=reasons.RECORD_TOO_LARGE)
    document = parse_quarantine_record(data)
    assert len(data) <= MAX_RECORD_BYTES
    assert document["truncated"] is True
    assert document["reason"] == reasons.RECORD_TOO_LARGE
    assert document["value_b64"] is None
    assert original_value(document) is None
    assert document["value_sha256"] == hashlib.sha256(value).hexdigest()
    assert document["value_size"] == size
    assert base64.b64decode(document["value_prefix_b64"]) == value[:VALUE_PREFIX_BYTES]
    assert document["source"]["key_b64"] == base64.b64encode(b"PK-FIA:a1").decode()


def test_a_tombstone_has_no_value_digest_or_size() -> None:
    document = parse_quarantine_record(_record(None, key=None, reason=reasons.TOMBSTONE))
    assert document["reason"] == reasons.TOMBSTONE
    assert document["value_b64"] is None
    assert document["value_sha256"] is None
    assert document["value_size"] is None
    assert document["truncated"] is False
    assert document["source"]["key_b64"] is None


def test_oversized_keys_and_headers_are_cut_with_their_digests() -> None:
    key = b"k" * (2 * MIB)
    big = b"\xff\xfe" * MIB  # not UTF-8: header values are bytes
    headers = [("corridor-envelope", big)] + [(f"h{i}", b"v") for i in range(200)]
    data = _record(b"v", key=key, headers=headers, reason=reasons.UNPROCESSABLE)
    document = parse_quarantine_record(data)
    assert len(data) <= MAX_RECORD_BYTES
    source = document["source"]
    assert document["truncated"] is True
    assert base64.b64decode(source["key_b64"]) == key[:FIELD_PREFIX_BYTES]
    assert source["key_sha256"] == hashlib.sha256(key).hexdigest()
    assert source["key_size"] == len(key)
    assert len(source["headers"]) == MAX_HEADERS
    assert source["headers_count"] == len(headers)
    assert base64.b64decode(source["headers"][0][1]) == big[:FIELD_PREFIX_BYTES]
    assert source["header_digests"] == [[0, hashlib.sha256(big).hexdigest(), len(big)]]


@settings(max_examples=30, deadline=None)
@given(
    value=st.one_of(st.none(), st.binary(max_size=2048)),
    key=st.one_of(st.none(), st.binary(max_size=64)),
    names=st.lists(st.text(max_size=2000), max_size=80),
    header_size=st.integers(min_value=0, max_value=20_000),
    detail=st.text(max_size=5000),
)
def test_every_record_stays_within_the_bound(
    value: bytes | None, key: bytes | None, names: list[str], header_size: int, detail: str
) -> None:
    headers = [(name, b"\x00" * header_size) for name in names]
    source = SourceRecord("t", 0, 0, key, value, headers)
    data = quarantine_record(source, stage="s", reason="r", detail=detail, at=AT)
    assert len(data) <= MAX_RECORD_BYTES
    document = parse_quarantine_record(data)
    if not document["truncated"]:
        assert original_value(document) == value


@pytest.mark.parametrize(
    "reason", [reasons.TOMBSTONE, reasons.RECORD_TOO_LARGE, reasons.UNPROCESSABLE]
)
def test_the_hub_reasons_are_documented_with_the_others(reason: str) -> None:
    spec = (Path(__file__).resolve().parents[3] / "docs" / "wire-format.md").read_text("utf-8")
    assert f"`{reason}`" in spec


def test_the_poison_reasons_are_stable_codes() -> None:
    assert set(reasons.POISON) <= set(reasons.ALL)
    assert reasons.POISON == (
        "tombstone",
        "record_too_large",
        "unprocessable",
        "undecodable_header",
    )


def test_a_header_name_that_is_not_utf8_is_written_as_its_escaped_bytes() -> None:
    name = decode_name(b"\xff\xfe-x")
    data = _record(b"v", reason=reasons.UNDECODABLE_HEADER, headers=[(name, b"v"), ("ok", b"")])
    document = parse_quarantine_record(data)
    data.decode("utf-8")  # valid text, readable by every JSON reader (no lone surrogate)
    assert document["reason"] == "undecodable_header"
    assert document["source"]["headers"][0][0] == "\\xff\\xfe-x"
    assert document["source"]["headers"][1][0] == "ok"
