"""Parsing Canonical Form and fingerprints per the Avro specification."""

from __future__ import annotations

import json

import avro.schema
import pytest

from schemas.catalog import alert_schema, attachment_schema, header_schema, personal_data_schema
from schemas.fingerprint import canonical_form, crc64_avro, fingerprint


def test_crc64_avro_of_the_empty_input_is_the_seed() -> None:
    assert crc64_avro(b"") == (0xC15D213AA4D7A795).to_bytes(8, "little")


@pytest.mark.parametrize(
    "schema",
    [
        pytest.param('"int"', id="primitive"),
        pytest.param('{"type": "string"}', id="primitive-object"),
        pytest.param(
            '{"type":"record","name":"X","namespace":"a.b","doc":"d","fields":['
            '{"name":"a","type":"string","default":"x"},'
            '{"name":"e","type":{"type":"enum","name":"E","symbols":["A","B"]}},'
            '{"name":"r","type":["null","E"]},'
            '{"name":"m","type":{"type":"map","values":{"type":"array","items":"long"}}},'
            '{"name":"f","type":{"type":"fixed","name":"c.F","size":8}}]}',
            id="record",
        ),
    ],
)
def test_matches_python_avro_where_it_follows_the_spec(schema: str) -> None:
    parsed = avro.schema.parse(schema)
    assert canonical_form(schema) == parsed.canonical_form
    assert fingerprint(schema) == parsed.fingerprint()


def test_logical_types_reduce_to_their_primitive() -> None:
    # [PRIMITIVES] + [STRIP]: what Java's SchemaNormalization produces.
    schema = json.dumps(
        {
            "type": "record",
            "name": "T",
            "fields": [{"name": "t", "type": {"type": "long", "logicalType": "timestamp-millis"}}],
        }
    )
    assert (
        canonical_form(schema)
        == '{"name":"T","type":"record","fields":[{"name":"t","type":"long"}]}'
    )


def test_contract_fingerprints_are_pinned() -> None:
    # Changing a schema changes these: that is a new contract version for partners.
    assert alert_schema().fingerprint.hex() == "534aaef4c8adb726"
    assert header_schema().fingerprint.hex() == "b8e81f1542b7762a"
    assert personal_data_schema().fingerprint.hex() == "bfbc72cef7aa7504"
    assert attachment_schema().fingerprint.hex() == "764a2c613d6af7c5"
