"""Schema evolution: Avro's resolution rules, the claimed evolutions, the v2 example's vectors."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import avro.schema
import pytest

from schemas import evolution, vectorgen
from schemas.catalog import alert_schema, alert_v2_example_schema
from schemas.codec import SINGLE_OBJECT_PREFIX_LEN
from schemas.errors import SchemaError, VerifyError
from schemas.json_mapping import to_json
from schemas.topics import TopicNames
from schemas.truststore import parse_trust_store
from schemas.verification import verify_alert

AVRO_DIR = Path("schemas/avro")
V1 = json.loads((AVRO_DIR / "SmugglingRouteAlert.v1.avsc").read_text("utf-8"))
VECTORS: dict[str, Any] = json.loads(vectorgen.EVOLUTION_VECTORS_PATH.read_text("utf-8"))


def test_every_schema_that_claims_to_evolve_another_does() -> None:
    claims = evolution.claimed_evolutions(AVRO_DIR)
    assert claims, "the v2 example claims to evolve v1"
    for older, newer, mode in claims:
        assert evolution.check(older.schema, newer.schema, mode) == [], (older.path, newer.path)


def _variant(change: Any) -> Any:
    document = copy.deepcopy(V1)
    change(document)
    return avro.schema.parse(json.dumps(document))


def _field(document: dict[str, Any], name: str) -> dict[str, Any]:
    field: dict[str, Any] = next(f for f in document["fields"] if f["name"] == name)
    return field


def _drop_narrative(d: dict[str, Any]) -> None:
    d["fields"].remove(_field(d, "narrative"))


def _required_field(d: dict[str, Any]) -> None:
    d["fields"].append({"name": "unit", "type": "string"})


def _optional_field(d: dict[str, Any]) -> None:
    d["fields"].append({"name": "unit", "type": ["null", "string"], "default": None})


def _drop_enum_symbol(d: dict[str, Any]) -> None:
    _field(d, "severity")["type"]["symbols"].remove("CRITICAL")


def _retype(d: dict[str, Any]) -> None:
    _field(d, "estimated_persons")["type"] = "string"


def _move_namespace(d: dict[str, Any]) -> None:
    d["namespace"] = "corridor.v2"


@pytest.mark.parametrize(
    ("change", "mode", "kind"),
    [
        (_optional_field, evolution.FULL, None),
        (_drop_narrative, evolution.BACKWARD, None),
        (_drop_narrative, evolution.FORWARD, "reader_field_missing_default_value"),
        (_required_field, evolution.FORWARD, None),
        (_required_field, evolution.BACKWARD, "reader_field_missing_default_value"),
        (_drop_enum_symbol, evolution.BACKWARD, "missing_enum_symbols"),
        (_drop_enum_symbol, evolution.FORWARD, None),
        (_retype, evolution.FULL, "type_mismatch"),
        (_move_namespace, evolution.FULL, "full_name_changed"),
    ],
    ids=[
        "optional-field-full",
        "drop-field-backward",
        "drop-field-forward",
        "required-field-forward",
        "required-field-backward",
        "drop-symbol-backward",
        "drop-symbol-forward",
        "retype",
        "namespace",
    ],
)
def test_avro_resolution_rules(change: Any, mode: str, kind: str | None) -> None:
    problems = evolution.check(alert_schema().schema, _variant(change), mode)
    if kind is None:
        assert problems == []
    else:
        assert any(kind in p.kinds for p in problems), problems


def test_evolution_vectors_file_is_what_the_generator_produces() -> None:
    assert vectorgen.EVOLUTION_VECTORS_PATH.read_text("utf-8") == vectorgen.render_evolution()


def test_v1_and_v2_readers_both_handle_v2_data() -> None:
    v1, v2 = alert_schema(), alert_v2_example_schema()
    written = VECTORS["written_with_v2"]
    payload = bytes.fromhex(written["payload_hex"])
    assert payload[2:SINGLE_OBJECT_PREFIX_LEN] == v2.fingerprint
    body = payload[SINGLE_OBJECT_PREFIX_LEN:]
    as_v2 = to_json(evolution.resolve(v2.schema, v2.schema, body))
    as_v1 = to_json(evolution.resolve(v2.schema, v1.schema, body))
    assert as_v2 == written["expected_as_v2_reader"]
    assert as_v2["reporting_unit"] == written["alert"]["reporting_unit"]
    assert as_v1 == written["expected_as_v1_reader"]
    assert "reporting_unit" not in as_v1
    assert {k: v for k, v in as_v2.items() if k != "reporting_unit"} == as_v1


def test_a_v2_reader_handles_v1_data_with_the_default() -> None:
    v1, v2 = alert_schema(), alert_v2_example_schema()
    payload = bytes.fromhex(VECTORS["written_with_v1"]["payload_hex"])
    assert payload[2:SINGLE_OBJECT_PREFIX_LEN] == v1.fingerprint
    as_v2 = to_json(evolution.resolve(v1.schema, v2.schema, payload[SINGLE_OBJECT_PREFIX_LEN:]))
    assert as_v2 == VECTORS["written_with_v1"]["expected_as_v2_reader"]
    assert as_v2["reporting_unit"] is None


def test_a_verifier_that_knows_only_v1_refuses_a_v2_envelope_as_unknown_schema() -> None:
    envelope = VECTORS["envelope"]
    store = parse_trust_store(json.loads(vectorgen.VECTORS_PATH.read_text("utf-8"))["trust_store"])
    with pytest.raises(VerifyError) as info:
        verify_alert(
            bytes.fromhex(envelope["value_hex"]),
            [(n, bytes.fromhex(v)) for n, v in envelope["headers"]],
            store,
            TopicNames("corridor"),
            read_topic=envelope["topic"],
        )
    assert info.value.reason == envelope["expected_reason_v1_verifier"] == "unknown_schema"


def test_a_bad_claim_or_file_is_a_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.avsc"
    broken.write_text('{\n  "type": "record",\n  "name": \n}\n')
    with pytest.raises(SchemaError, match=r"broken.avsc:4: not valid JSON"):
        evolution.load_schema_file(broken)
    claim = tmp_path / "claim.avsc"
    claim.write_text(
        json.dumps({**V1, "corridor.evolves": "x.avsc", "corridor.compatibility": "ALL"})
    )
    with pytest.raises(SchemaError, match=r"corridor\.compatibility be one of"):
        _ = evolution.load_schema_file(claim).claim
