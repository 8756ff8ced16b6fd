"""The signed envelope: framing, binding, and rejection of every tampering."""

from __future__ import annotations

import struct
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from producers.scenarios import sample_datum
from schemas import reasons
from schemas.envelope import MAGIC, SIGNATURE_LEN, open_envelope
from schemas.errors import VerifyError
from schemas.signing import sign_alert
from schemas.topics import TopicNames
from schemas.truststore import TrustStore
from schemas.verification import verify_alert


def _verify(record: Any, store: TrustStore, topics: TopicNames, **overrides: Any) -> Any:
    args = {"value": record.value, "record_headers": record.headers, "read_topic": record.topic}
    args.update(overrides)
    return verify_alert(
        args["value"], args["record_headers"], store, topics, read_topic=args["read_topic"]
    )


def test_sign_then_verify_returns_the_same_alert(
    alert: dict[str, Any], fia_key: Ed25519PrivateKey, trust_store: TrustStore, topics: TopicNames
) -> None:
    record = sign_alert(alert, fia_key, topics)
    verified = _verify(record, trust_store, topics)
    assert verified.alert == alert
    assert verified.value == record.value
    assert verified.envelope.header.agency == "PK-FIA"
    assert record.topic == "unit.inbound.PK-FIA"
    assert record.key == f"PK-FIA:{alert['alert_id']}".encode()


def test_layout_matches_the_documented_framing(
    alert: dict[str, Any], fia_key: Ed25519PrivateKey, topics: TopicNames
) -> None:
    value = sign_alert(alert, fia_key, topics).value
    assert value[:4] == MAGIC
    (header_len,) = struct.unpack_from(">H", value, 4)
    (payload_len,) = struct.unpack_from(">I", value, 6 + header_len)
    assert len(value) == 10 + header_len + payload_len + SIGNATURE_LEN
    assert value[10 + header_len : 12 + header_len] == b"\xc3\x01"


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        pytest.param(lambda v: b"XXXX" + v[4:], reasons.MALFORMED_ENVELOPE, id="bad-magic"),
        pytest.param(lambda v: v[:-1], reasons.MALFORMED_ENVELOPE, id="truncated"),
        pytest.param(lambda v: v + b"\x00", reasons.MALFORMED_ENVELOPE, id="trailing-byte"),
        pytest.param(lambda v: v[:-1] + bytes([v[-1] ^ 1]), reasons.BAD_SIGNATURE, id="sig-bit"),
        pytest.param(
            lambda v: v[:-80] + bytes([v[-80] ^ 1]) + v[-79:],
            reasons.BAD_SIGNATURE,
            id="payload-bit",
        ),
        pytest.param(lambda v: b"", reasons.MALFORMED_ENVELOPE, id="empty"),
    ],
)
def test_tampered_values_are_rejected_with_their_reason(
    alert: dict[str, Any],
    fia_key: Ed25519PrivateKey,
    trust_store: TrustStore,
    topics: TopicNames,
    mutate: Any,
    reason: str,
) -> None:
    record = sign_alert(alert, fia_key, topics)
    with pytest.raises(VerifyError) as info:
        _verify(record, trust_store, topics, value=mutate(record.value))
    assert info.value.reason == reason


def test_every_single_byte_flip_is_rejected(
    alert: dict[str, Any], fia_key: Ed25519PrivateKey, trust_store: TrustStore, topics: TopicNames
) -> None:
    record = sign_alert(alert, fia_key, topics)
    accepted = []
    for i in range(len(record.value)):
        mutant = bytearray(record.value)
        mutant[i] ^= 0x01
        try:
            _verify(record, trust_store, topics, value=bytes(mutant))
        except VerifyError:
            continue
        accepted.append(i)
    assert accepted == []


def test_signature_of_another_agency_is_rejected(
    alert: dict[str, Any], tr_key: Ed25519PrivateKey, trust_store: TrustStore, topics: TopicNames
) -> None:
    # TR-SG's key signing an alert that claims PK-FIA: the key id is TR-SG's,
    # which PK-FIA does not have.
    record = sign_alert(alert, tr_key, topics)
    with pytest.raises(VerifyError) as info:
        _verify(record, trust_store, topics)
    assert info.value.reason == reasons.UNKNOWN_KEY


def test_unknown_agency_is_rejected(
    fia_key: Ed25519PrivateKey, trust_store: TrustStore, topics: TopicNames
) -> None:
    record = sign_alert(sample_datum("GR-HCG", 3), fia_key, topics)
    with pytest.raises(VerifyError) as info:
        _verify(record, trust_store, topics)
    assert info.value.reason == reasons.UNKNOWN_AGENCY


def test_message_replayed_to_another_topic_is_rejected(
    alert: dict[str, Any], fia_key: Ed25519PrivateKey, trust_store: TrustStore, topics: TopicNames
) -> None:
    record = sign_alert(alert, fia_key, topics)
    with pytest.raises(VerifyError) as info:
        _verify(record, trust_store, topics, read_topic=topics.inbound("TR-SG"))
    assert info.value.reason == reasons.WRONG_TOPIC


def test_message_signed_for_another_deployment_is_rejected(
    alert: dict[str, Any], fia_key: Ed25519PrivateKey, trust_store: TrustStore, topics: TopicNames
) -> None:
    record = sign_alert(alert, fia_key, TopicNames("elsewhere"))
    with pytest.raises(VerifyError) as info:
        _verify(record, trust_store, topics, read_topic=None)
    assert info.value.reason == reasons.WRONG_TOPIC


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda h: [x for x in h if x[0] != "corridor-agency"], id="stripped"),
        pytest.param(
            lambda h: [(n, b"TR-SG" if n == "corridor-agency" else v) for n, v in h], id="altered"
        ),
        pytest.param(lambda h: [*h, ("corridor-key-id", b"0000")], id="duplicated"),
    ],
)
def test_kafka_headers_must_match_the_signed_header(
    alert: dict[str, Any],
    fia_key: Ed25519PrivateKey,
    trust_store: TrustStore,
    topics: TopicNames,
    change: Any,
) -> None:
    record = sign_alert(alert, fia_key, topics)
    with pytest.raises(VerifyError) as info:
        _verify(record, trust_store, topics, record_headers=change(record.headers))
    assert info.value.reason == reasons.HEADER_MISMATCH


def test_revoked_key_is_rejected(
    alert: dict[str, Any], fia_key: Ed25519PrivateKey, trust_store: TrustStore, topics: TopicNames
) -> None:
    from dataclasses import replace

    agency = trust_store.agencies["PK-FIA"]
    revoked = {k: replace(v, status="revoked") for k, v in agency.keys.items()}
    store = TrustStore({**trust_store.agencies, "PK-FIA": replace(agency, keys=revoked)})
    record = sign_alert(alert, fia_key, topics)
    with pytest.raises(VerifyError) as info:
        _verify(record, store, topics)
    assert info.value.reason == reasons.KEY_NOT_VALID


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=600))
def test_arbitrary_bytes_never_crash_the_verifier(data: bytes) -> None:
    store = TrustStore(agencies={})
    with pytest.raises(VerifyError):
        verify_alert(data, [], store, TopicNames(), read_topic=None)


@settings(max_examples=200, deadline=None)
@given(position=st.integers(min_value=0), value=st.integers(min_value=0, max_value=255))
def test_arbitrary_byte_replacement_never_crashes_or_verifies(position: int, value: int) -> None:
    key = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    topics = TopicNames("prop")
    store = TrustStore(agencies={}).with_key("PK-FIA", "FIA", key.public_key())
    record = sign_alert(sample_datum("PK-FIA", 7), key, topics)
    mutant = bytearray(record.value)
    index = position % len(mutant)
    if mutant[index] == value:
        return
    mutant[index] = value
    with pytest.raises(VerifyError):
        verify_alert(bytes(mutant), record.headers, store, topics, read_topic=record.topic)


def test_open_envelope_reads_the_header_without_a_key(
    alert: dict[str, Any], fia_key: Ed25519PrivateKey, topics: TopicNames
) -> None:
    record = sign_alert(alert, fia_key, topics)
    envelope = open_envelope(record.value)
    assert envelope.header == record.header
