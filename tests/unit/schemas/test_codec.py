"""The fast Avro decoder decides exactly as the reference ``avro`` package (differential)."""

from __future__ import annotations

import io
import json
import math
from typing import Any

import avro.schema
import fastavro
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from producers.scenarios import sample_datum
from schemas.catalog import SchemaInfo, alert_schema, incident_schema
from schemas.codec import (
    DECODE_ERRORS,
    decode_binary,
    encode_binary,
    reference_decode_binary,
)
from schemas.keys import generate_private_key
from schemas.topics import TopicNames
from streams.correlation_stage import CorrelationStage
from streams.correlator import Correlator
from tests.unit.streams.correlation_fixtures import features


def _incident() -> dict[str, Any]:
    stage = CorrelationStage(
        Correlator(),
        {},
        {},
        hub_id="TF-HUB",
        hub_key=generate_private_key(),
        topics=TopicNames("t"),
        retention_ms=10**10,
    )
    phone = (("phone", "+905321234567"),)
    stage.process(features("TR-SG", "a1", ids=phone, places=("Ayvalik",)).to_json())
    [publication] = stage.process(features("GR-HCG", "b1", ids=phone, places=("Lesvos",)).to_json())
    return publication.incident


SAMPLES: list[tuple[SchemaInfo, bytes]] = [
    *[(alert_schema(), encode_binary(alert_schema(), sample_datum("PK-FIA", i))) for i in range(6)],
    (incident_schema(), encode_binary(incident_schema(), _incident())),
]


def _outcome(decode: Any, info: SchemaInfo, data: bytes) -> tuple[str, str]:
    """('ok', the datum as text) or ('error', '') for one decoder on ``data``."""
    try:
        datum = decode(info, data)
    except DECODE_ERRORS:
        return "error", ""
    return "ok", _canonical(datum)


def _canonical(value: Any) -> str:
    def plain(item: Any) -> Any:
        if isinstance(item, float) and math.isnan(item):
            return "NaN"
        if hasattr(item, "isoformat"):
            return item.isoformat()
        if isinstance(item, bytes):
            return item.hex()
        return str(item)

    return json.dumps(value, sort_keys=True, default=plain)


@pytest.mark.parametrize("index", range(len(SAMPLES)))
def test_valid_payloads_decode_to_the_same_datum(index: int) -> None:
    info, data = SAMPLES[index]
    assert _outcome(decode_binary, info, data) == _outcome(reference_decode_binary, info, data)
    assert _outcome(decode_binary, info, data)[0] == "ok"


@st.composite
def _mutated(draw: st.DrawFn) -> tuple[SchemaInfo, bytes]:
    info, data = draw(st.sampled_from(SAMPLES))
    buf = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "set", "insert", "delete", "truncate"]))
        if not buf:
            break
        at = draw(st.integers(0, len(buf) - 1))
        if kind == "flip":
            buf[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "set":
            # 0x01 is -1 as a zig-zag varint: a negative enum or union index.
            buf[at] = draw(st.sampled_from([0x00, 0x01, 0x03, 0x7F, 0x80, 0xFF]))
        elif kind == "insert":
            buf[at:at] = draw(st.binary(min_size=1, max_size=3))
        elif kind == "delete":
            del buf[at]
        else:
            del buf[at:]
    return info, bytes(buf)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mutated())
def test_mutated_payloads_are_accepted_and_rejected_as_the_reference_does(
    case: tuple[SchemaInfo, bytes],
) -> None:
    info, data = case
    assert _outcome(decode_binary, info, data) == _outcome(reference_decode_binary, info, data)


ENUM_SCHEMA = """{"type": "record", "name": "T", "namespace": "test",
 "fields": [{"name": "tlp", "type": {"type": "enum", "name": "Tlp",
   "symbols": ["CLEAR", "GREEN", "AMBER", "RED"]}}]}"""


def test_a_negative_enum_index_is_rejected_although_fastavro_reads_it() -> None:
    info = SchemaInfo(
        schema=avro.schema.parse(ENUM_SCHEMA),
        fullname="test.T",
        fingerprint=b"\x00" * 8,
        source=ENUM_SCHEMA,
    )
    minus_one = b"\x01"  # zig-zag varint of -1
    lenient = fastavro.schemaless_reader(
        io.BytesIO(minus_one), fastavro.parse_schema(json.loads(ENUM_SCHEMA)), None
    )
    assert lenient == {"tlp": "RED"}  # the leniency this guards against
    with pytest.raises(DECODE_ERRORS):
        decode_binary(info, minus_one)
    assert decode_binary(info, b"\x06") == {"tlp": "RED"}
