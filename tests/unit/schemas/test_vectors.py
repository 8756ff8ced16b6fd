"""Our implementation against the published test vectors (schemas/vectors/)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from schemas import vectorgen
from schemas.catalog import alert_schema
from schemas.envelope import open_envelope
from schemas.errors import VerifyError
from schemas.json_mapping import from_json, to_json
from schemas.keys import key_id, public_key_from_b64
from schemas.topics import TopicNames
from schemas.truststore import parse_trust_store
from schemas.verification import verify_alert

VECTORS: dict[str, Any] = json.loads(vectorgen.VECTORS_PATH.read_text("utf-8"))
STORE = parse_trust_store(VECTORS["trust_store"])
TOPICS = TopicNames(VECTORS["topic_prefix"])


def _headers(vector: dict[str, Any]) -> list[tuple[str, bytes]]:
    return [(name, bytes.fromhex(value)) for name, value in vector["headers"]]


def test_vectors_file_is_what_the_generator_produces() -> None:
    assert vectorgen.VECTORS_PATH.read_text("utf-8") == vectorgen.render()


def test_key_ids_derive_from_public_keys() -> None:
    for entry in VECTORS["keys"]:
        raw = bytes.fromhex(entry["public_key_hex"])
        import base64

        assert key_id(public_key_from_b64(base64.b64encode(raw).decode())) == entry["key_id"]


@pytest.mark.parametrize("vector", VECTORS["valid"], ids=lambda v: v["name"])
def test_valid_vectors_verify_and_decode_to_the_expected_alert(vector: dict[str, Any]) -> None:
    verified = verify_alert(
        bytes.fromhex(vector["value_hex"]),
        _headers(vector),
        STORE,
        TOPICS,
        read_topic=vector["topic"],
    )
    expected = from_json(alert_schema().schema, vector["expected_alert"])
    assert verified.alert == expected
    assert to_json(open_envelope(verified.value).header.to_datum()) == vector["expected_header"]


@pytest.mark.parametrize("vector", VECTORS["invalid"], ids=lambda v: v["name"])
def test_invalid_vectors_fail_with_the_expected_reason(vector: dict[str, Any]) -> None:
    with pytest.raises(VerifyError) as info:
        verify_alert(
            bytes.fromhex(vector["value_hex"]),
            _headers(vector),
            STORE,
            TOPICS,
            read_topic=vector["read_topic"],
        )
    assert info.value.reason == vector["expected_reason"]


def test_every_vectors_file_is_generated_and_documented() -> None:
    """A partner finds every file in docs/wire-format.md, and each one is regenerated."""
    from pathlib import Path

    files = set(vectorgen.VECTORS_PATH.parent.glob("*.json"))
    assert files == set(vectorgen.renderers())
    doc = (Path(__file__).parents[3] / "docs" / "wire-format.md").read_text("utf-8")
    for path in files:
        assert path.read_text("utf-8") == vectorgen.renderers()[path]()
        assert path.name in doc, path.name
