"""The hub's signature on webhook POSTs: exact bytes, and every way a request is refused."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from consumers.errors import WebhookAuthError
from consumers.webhooks.signing import (
    HEADER_DELIVERY_ID,
    HEADER_KEY_ID,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    sign_request,
    signing_input,
    verify_request,
)
from schemas.keys import generate_private_key
from schemas.truststore import TrustStore

HUB = "TF-HUB"
#: A fixed key (seed 00 01 .. 1f) so the signature below is a test vector.
HUB_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
AT = dt.datetime(2026, 11, 24, 9, 30, 0, 123000, tzinfo=dt.UTC)
TARGET = "/hooks/corridor?tenant=gr"
DELIVERY = "0b6f3c52-8d7e-5e7a-9a3c-2f1e4d5c6b7a"
BODY = b'{"format":"corridor-webhook/1"}'

EXPECTED_INPUT = (
    b"corridor/webhook/v1\x00POST\n/hooks/corridor?tenant=gr\n"
    b"0b6f3c52-8d7e-5e7a-9a3c-2f1e4d5c6b7a\n2026-11-24T09:30:00.123Z\n"
    b"656390b23f78def4352ec5d22c26d2bedb49b956c46b276d856c52f0ab29051f"
)
EXPECTED_SIGNATURE = (
    "tUvSBdMim/I4HkDF5T9AtuWd5Pnd11Zovd822Okzz26P2HTUjev7I39tl8zDfa+DUX/uAfq3Fg4I4EcrBg0IBg=="
)


@pytest.fixture
def hub_store() -> TrustStore:
    return TrustStore(agencies={}).with_key(HUB, "task-force hub", HUB_KEY.public_key())


def _verify(
    headers: dict[str, str],
    store: TrustStore,
    *,
    body: bytes = BODY,
    target: str = TARGET,
    method: str = "POST",
    now: dt.datetime = AT,
    max_skew_s: float = 300.0,
) -> str:
    signed = verify_request(method, target, headers.items(), body, store, HUB, now, max_skew_s)
    return signed.delivery_id


def test_signing_input_is_exactly_the_documented_bytes() -> None:
    timestamp = "2026-11-24T09:30:00.123Z"
    assert signing_input(TARGET, DELIVERY, timestamp, BODY) == EXPECTED_INPUT


def test_headers_carry_the_vector_signature_over_those_bytes() -> None:
    headers = sign_request(TARGET, DELIVERY, BODY, HUB_KEY, AT)
    assert headers == {
        HEADER_DELIVERY_ID: DELIVERY,
        HEADER_TIMESTAMP: "2026-11-24T09:30:00.123Z",
        HEADER_KEY_ID: "56475aa75463474c",
        HEADER_SIGNATURE: EXPECTED_SIGNATURE,
    }
    # Checked with the public key alone, over the literal bytes (what a partner does).
    HUB_KEY.public_key().verify(base64.b64decode(EXPECTED_SIGNATURE), EXPECTED_INPUT)


def test_a_genuine_request_verifies_with_any_header_case(hub_store: TrustStore) -> None:
    headers = {k.lower(): v for k, v in sign_request(TARGET, DELIVERY, BODY, HUB_KEY, AT).items()}
    assert _verify(headers, hub_store, now=AT + dt.timedelta(seconds=299)) == DELIVERY


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"body": BODY + b" "}, "bad_signature"),
        ({"target": "/hooks/other?tenant=gr"}, "bad_signature"),
        ({"target": "/hooks/corridor?tenant=tr"}, "bad_signature"),
        ({"method": "PUT"}, "method"),
        ({"now": AT + dt.timedelta(seconds=301)}, "stale_timestamp"),
        ({"now": AT - dt.timedelta(seconds=301)}, "stale_timestamp"),
    ],
)
def test_a_changed_request_is_refused(
    hub_store: TrustStore, change: dict[str, object], reason: str
) -> None:
    headers = sign_request(TARGET, DELIVERY, BODY, HUB_KEY, AT)
    with pytest.raises(WebhookAuthError) as caught:
        _verify(headers, hub_store, **change)  # type: ignore[arg-type]
    assert caught.value.reason == reason


@pytest.mark.parametrize(
    ("header", "value", "reason"),
    [
        (HEADER_DELIVERY_ID, "0b6f3c52-8d7e-5e7a-9a3c-2f1e4d5c6b7b", "bad_signature"),
        (HEADER_TIMESTAMP, "2026-11-24T09:30:00.124Z", "bad_signature"),
        (HEADER_TIMESTAMP, "2026-11-24T09:30:00Z", "malformed_header"),
        (HEADER_TIMESTAMP, "2026-11-24 09:30:00.123+00:00", "malformed_header"),
        (HEADER_KEY_ID, "0000000000000000", "unknown_key"),
        (HEADER_KEY_ID, "XYZ", "malformed_header"),
        (HEADER_SIGNATURE, "not base64!", "malformed_header"),
        (HEADER_DELIVERY_ID, "a b", "malformed_header"),
    ],
)
def test_a_tampered_header_is_refused(
    hub_store: TrustStore, header: str, value: str, reason: str
) -> None:
    headers = sign_request(TARGET, DELIVERY, BODY, HUB_KEY, AT)
    headers[header] = value
    with pytest.raises(WebhookAuthError) as caught:
        _verify(headers, hub_store)
    assert caught.value.reason == reason


def test_a_flipped_signature_bit_is_refused(hub_store: TrustStore) -> None:
    headers = sign_request(TARGET, DELIVERY, BODY, HUB_KEY, AT)
    raw = bytearray(base64.b64decode(headers[HEADER_SIGNATURE]))
    raw[10] ^= 0x01
    headers[HEADER_SIGNATURE] = base64.b64encode(bytes(raw)).decode()
    with pytest.raises(WebhookAuthError, match="bad_signature"):
        _verify(headers, hub_store)


def test_a_signature_by_another_key_is_refused(hub_store: TrustStore) -> None:
    forger = generate_private_key()
    headers = sign_request(TARGET, DELIVERY, BODY, forger, AT)
    headers[HEADER_KEY_ID] = sign_request(TARGET, DELIVERY, BODY, HUB_KEY, AT)[HEADER_KEY_ID]
    with pytest.raises(WebhookAuthError, match="bad_signature"):
        _verify(headers, hub_store)


def test_an_agency_key_cannot_sign_as_the_hub() -> None:
    agency_key = generate_private_key()
    store = TrustStore(agencies={}).with_key("PK-FIA", "FIA", agency_key.public_key())
    headers = sign_request(TARGET, DELIVERY, BODY, agency_key, AT)
    with pytest.raises(WebhookAuthError) as caught:
        _verify(headers, store)
    assert caught.value.reason == "unknown_agency"


@pytest.mark.parametrize("header", [HEADER_SIGNATURE, HEADER_TIMESTAMP, HEADER_DELIVERY_ID])
def test_missing_or_repeated_headers_are_refused(hub_store: TrustStore, header: str) -> None:
    headers = sign_request(TARGET, DELIVERY, BODY, HUB_KEY, AT)
    pairs = [(k, v) for k, v in headers.items() if k != header]
    with pytest.raises(WebhookAuthError, match="missing_header"):
        verify_request("POST", TARGET, pairs, BODY, hub_store, HUB, AT)
    doubled = [*headers.items(), (header.upper(), headers[header])]
    with pytest.raises(WebhookAuthError, match="missing_header"):
        verify_request("POST", TARGET, doubled, BODY, hub_store, HUB, AT)
