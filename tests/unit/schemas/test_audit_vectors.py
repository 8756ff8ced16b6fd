"""Audit-chain vectors against the real chain verifier."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from schemas import audit, vectorgen

AUDIT: dict[str, Any] = json.loads(vectorgen.AUDIT_VECTORS_PATH.read_text("utf-8"))


def test_the_file_is_what_the_generator_produces() -> None:
    assert vectorgen.AUDIT_VECTORS_PATH.read_text("utf-8") == vectorgen.render_audit()


def _hub_keys() -> audit.KeyLookup:
    raw = base64.b64decode(AUDIT["hub_public_key_b64"])
    return audit.fixed_keys(Ed25519PublicKey.from_public_bytes(raw))


def _report(records: list[str], expect: int | None = None) -> audit.ChainReport:
    values = [(offset, value.encode()) for offset, value in enumerate(records)]
    return audit.verify_chain(values, _hub_keys(), expect_head_seq=expect)


def test_the_chain_is_intact_and_checkpointed() -> None:
    chain = AUDIT["chain"]
    report = _report(chain["records"])
    assert report.intact and report.findings == []
    assert (report.head_seq, report.head_hash) == (
        chain["expected_head_seq"],
        chain["expected_head_hash"],
    )
    assert report.checkpoints == chain["expected_checkpoints"]
    checkpoint = audit.parse_record(chain["records"][-1].encode())
    assert audit.checkpoint_signing_input(checkpoint).hex() == chain["checkpoint_signing_input_hex"]


def test_the_records_are_canonical_and_carry_their_hash() -> None:
    for value in AUDIT["chain"]["records"]:
        record = audit.parse_record(value.encode())
        assert record.to_bytes() == value.encode()
        assert record.compute_hash() == record.hash


@pytest.mark.parametrize("vector", AUDIT["invalid"], ids=lambda v: v["name"])
def test_altered_chains_report_their_errors(vector: dict[str, Any]) -> None:
    report = _report(vector["records"], vector["expect_head_seq"])
    assert not report.intact
    errors = sorted({f.code for f in report.findings if f.severity == audit.ERROR})
    assert errors == vector["expected_errors"]
