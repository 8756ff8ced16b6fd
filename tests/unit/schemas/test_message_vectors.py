"""Incident, receipt and recall vectors (schemas/vectors/messages-v1.json) against the verifiers."""

from __future__ import annotations

import json
from typing import Any

import pytest

from schemas import envelope_vectors, vectorgen
from schemas.catalog import incident_schema, recall_schema, receipt_schema
from schemas.codec import decode_single_object
from schemas.envelope import open_envelope
from schemas.errors import VerifyError
from schemas.json_mapping import from_json, to_json
from schemas.keys import key_id
from schemas.message_vectors import delivery_id, hub_key, recall_message_id
from schemas.signing import sign_incident, sign_recall, sign_receipt
from schemas.topics import TopicNames
from schemas.truststore import parse_trust_store
from schemas.verification import verify_incident, verify_recall, verify_receipt

VECTORS: dict[str, Any] = json.loads(vectorgen.MESSAGE_VECTORS_PATH.read_text("utf-8"))
STORE = parse_trust_store(VECTORS["trust_store"])
TOPICS = TopicNames(VECTORS["topic_prefix"])
HUB = VECTORS["hub"]


def _headers(vector: dict[str, Any]) -> list[tuple[str, bytes]]:
    return [(name, bytes.fromhex(value)) for name, value in vector["headers"]]


def _value(vector: dict[str, Any]) -> bytes:
    return bytes.fromhex(vector["value_hex"])


def test_messages_file_is_what_the_generator_produces() -> None:
    assert vectorgen.MESSAGE_VECTORS_PATH.read_text("utf-8") == vectorgen.render_messages()


def test_the_hub_key_and_trust_store_agree() -> None:
    assert VECTORS["hub_key"]["key_id"] == key_id(hub_key().public_key())
    assert STORE.hub == HUB and not STORE.agencies[HUB].encryption_keys


def _check(vector: dict[str, Any], schema_fullname: str) -> dict[str, Any]:
    envelope = open_envelope(_value(vector))
    assert to_json(envelope.header.to_datum()) == vector["expected_header"]
    info, datum = decode_single_object(envelope.payload)
    assert info.fullname == schema_fullname
    return datum


@pytest.mark.parametrize("vector", VECTORS["incidents"]["valid"], ids=lambda v: v["name"])
def test_valid_incidents_verify(vector: dict[str, Any]) -> None:
    verified = verify_incident(_value(vector), _headers(vector), STORE, TOPICS, HUB)
    expected = from_json(incident_schema().schema, vector["expected_incident"])
    assert verified.incident == expected == _check(vector, incident_schema().fullname)
    assert bytes.fromhex(vector["key_hex"]) == expected["incident_id"].encode()
    # A producer reproduces the bytes from the JSON, produced_at and message_id.
    header = verified.envelope.header
    again = sign_incident(
        expected,
        hub_key(),
        TOPICS,
        HUB,
        produced_at=header.produced_at,
        message_id=header.message_id,
    )
    assert again.value == _value(vector) and again.headers == _headers(vector)


@pytest.mark.parametrize("vector", VECTORS["incidents"]["invalid"], ids=lambda v: v["name"])
def test_invalid_incidents_fail_with_their_reason(vector: dict[str, Any]) -> None:
    with pytest.raises(VerifyError) as info:
        verify_incident(_value(vector), _headers(vector), STORE, TOPICS, HUB)
    assert info.value.reason == vector["expected_reason"]


@pytest.mark.parametrize("vector", VECTORS["receipts"]["valid"], ids=lambda v: v["name"])
def test_valid_receipts_verify(vector: dict[str, Any]) -> None:
    verified = verify_receipt(_value(vector), _headers(vector), STORE, TOPICS)
    expected = from_json(receipt_schema().schema, vector["expected_receipt"])
    assert verified.receipt == expected == _check(vector, receipt_schema().fullname)
    assert expected["delivery_id"] == delivery_id(expected["recipient"], expected["message_id"])
    assert bytes.fromhex(vector["key_hex"]) == expected["delivery_id"].encode()


@pytest.mark.parametrize("vector", VECTORS["receipts"]["invalid"], ids=lambda v: v["name"])
def test_invalid_receipts_fail_with_their_reason(vector: dict[str, Any]) -> None:
    with pytest.raises(VerifyError) as info:
        verify_receipt(_value(vector), _headers(vector), STORE, TOPICS)
    assert info.value.reason == vector["expected_reason"]


@pytest.mark.parametrize("vector", VECTORS["recalls"]["valid"], ids=lambda v: v["name"])
def test_valid_recalls_verify_for_their_reader(vector: dict[str, Any]) -> None:
    verified = verify_recall(_value(vector), _headers(vector), STORE, TOPICS, HUB, vector["reader"])
    expected = from_json(recall_schema().schema, vector["expected_recall"])
    assert verified.recall == expected == _check(vector, recall_schema().fullname)
    message_id = recall_message_id(expected["recalled_delivery_id"])
    assert verified.envelope.header.message_id == message_id
    assert dict(_headers(vector))["corridor-delivery-id"] == (
        delivery_id(vector["reader"], message_id).encode()
    )


@pytest.mark.parametrize("vector", VECTORS["recalls"]["invalid"], ids=lambda v: v["name"])
def test_invalid_recalls_fail_with_their_reason(vector: dict[str, Any]) -> None:
    with pytest.raises(VerifyError) as info:
        verify_recall(_value(vector), _headers(vector), STORE, TOPICS, HUB, vector["reader"])
    assert info.value.reason == vector["expected_reason"]


def test_receipt_and_recall_bytes_are_reproducible_from_their_json() -> None:
    receipt = VECTORS["receipts"]["valid"][0]
    header = open_envelope(_value(receipt)).header
    gr = envelope_vectors._key("GR-HCG")
    datum = from_json(receipt_schema().schema, receipt["expected_receipt"])
    again = sign_receipt(
        datum, gr, TOPICS, produced_at=header.produced_at, message_id=header.message_id
    )
    assert again.value == _value(receipt)
    recall = VECTORS["recalls"]["valid"][0]
    header = open_envelope(_value(recall)).header
    datum = from_json(recall_schema().schema, recall["expected_recall"])
    again = sign_recall(
        datum,
        hub_key(),
        TOPICS,
        HUB,
        produced_at=header.produced_at,
        message_id=header.message_id,
    )
    assert again.value == _value(recall)


def test_an_inbox_reader_reports_a_payload_of_another_kind_as_schema_mismatch() -> None:
    """Wire format 13.2: the reader knows every contract schema, so not unknown_schema."""
    from consumers.inbox.check import check_delivery

    vector = next(v for v in VECTORS["incidents"]["invalid"] if v["name"] == "alert-payload")
    item = check_delivery(_value(vector), _headers(vector), STORE, TOPICS, hub_id=HUB)
    assert not item.verified
    assert item.document["reason"] == "schema_mismatch"
