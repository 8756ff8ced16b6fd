"""Key-registry and sealing-recipient vectors (schemas/vectors/registry-v1.json)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from producers.sealing import Sealing
from schemas import registry as reg
from schemas import vectorgen
from schemas.errors import RegistryError
from schemas.keys import key_id
from schemas.registry_vectors import roots
from schemas.truststore import dump_trust_store

VECTORS: dict[str, Any] = json.loads(vectorgen.REGISTRY_VECTORS_PATH.read_text("utf-8"))
ROOTS = reg.parse_roots(VECTORS["roots"])


def _value(entry: dict[str, Any]) -> bytes:
    return bytes.fromhex(entry["value_hex"])


def _now(step: dict[str, Any]) -> dt.datetime:
    return dt.datetime.fromisoformat(step["now"])


def test_registry_file_is_what_the_generator_produces() -> None:
    assert vectorgen.REGISTRY_VECTORS_PATH.read_text("utf-8") == vectorgen.render_registry()


def test_the_root_file_lists_the_root_keys() -> None:
    assert set(ROOTS.keys) == {r["key_id"] for r in VECTORS["root_keys"]}
    assert ROOTS.threshold == roots().threshold == 2
    assert {key_id(k) for k in roots().keys.values()} == set(ROOTS.keys)


@pytest.mark.parametrize("step", VECTORS["steps"], ids=lambda s: s["name"])
def test_each_update_is_accepted_or_refused_with_its_reason(step: dict[str, Any]) -> None:
    state = reg.RegistryState(ROOTS, clock=lambda: _now(step))
    if step["installed"] is not None:
        # Install the versions up to the one named, in order.
        for name in ("v1", "v2")[: ("v1", "v2").index(step["installed"]) + 1]:
            assert state.apply(_value(VECTORS["versions"][name]), _now(step)) is not None
    if step["expected"] == "accept":
        installed = state.apply(_value(step), _now(step))
        assert installed is not None and installed.digest == reg.parse_signed(_value(step)).digest
    elif step["expected"] == "unchanged":
        assert state.apply(_value(step), _now(step)) is None
    else:
        with pytest.raises(RegistryError) as info:
            state.apply(_value(step), _now(step))
        assert info.value.reason == step["expected"]


def test_the_versions_chain_by_digest() -> None:
    v1 = reg.open_registry(_value(VECTORS["versions"]["v1"]), ROOTS)
    v2 = reg.open_registry(_value(VECTORS["versions"]["v2"]), ROOTS)
    assert v1.digest == VECTORS["versions"]["v1"]["digest"]
    assert v2.previous_digest == v1.digest
    assert dump_trust_store(v2.trust_store) == VECTORS["trust_store_v2"]


@pytest.mark.parametrize("case", VECTORS["sealing"]["cases"], ids=lambda c: c["name"])
def test_a_producer_seals_to_the_expected_recipients(case: dict[str, Any]) -> None:
    registry = reg.open_registry(_value(VECTORS["versions"][VECTORS["sealing"]["registry"]]), ROOTS)
    alert = {"agency": VECTORS["sealing"]["alert_agency"], **case["markings"]}
    plan = Sealing.from_registry(registry).plan(alert)
    assert list(plan.cleared) == case["expected_cleared"]
    assert list(plan.without_key) == case["expected_without_key"]
    ids = {k.key_id: a for a in plan.cleared for k in registry.trust_store.sealing_keys(a)}
    assert [[ids[r.key_id], r.key_id] for r in plan.recipients] == case["expected_recipients"]


def test_the_wire_format_document_shows_every_sealing_case() -> None:
    from pathlib import Path

    doc = (Path(__file__).parents[3] / "docs" / "wire-format.md").read_text("utf-8")
    section = doc[doc.index("### 6.8") : doc.index("## 7. Producer algorithm")]
    for case in VECTORS["sealing"]["cases"]:
        row = next(line for line in section.splitlines() if f"`{case['name']}`" in line)
        assert ", ".join(case["expected_cleared"]) in row
        for _, key in case["expected_recipients"]:
            assert key in section
