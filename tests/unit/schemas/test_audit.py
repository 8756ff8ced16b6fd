"""The audit chain: canonical encoding, hashes, checkpoints and the tamper matrix."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import pytest

from schemas import audit
from schemas.audit.sealing import _with_hash
from schemas.keys import generate_private_key

HUB_KEY = generate_private_key()
KEYS = audit.fixed_keys(HUB_KEY.public_key())
T0 = 1_767_225_600_000


def build_chain(events: int = 9, every: int = 4) -> list[audit.AuditRecord]:
    """``events`` event records with a checkpoint after every ``every``, and one at the end."""
    records: list[audit.AuditRecord] = []
    prev = audit.GENESIS
    positions: dict[tuple[str, int], int] = {}
    since = 0
    for i in range(events):
        seq = len(records) + 1
        source = audit.Position("corridor.inbound.PK-FIA", i % 2, i)
        record = audit.seal_record(
            seq,
            prev,
            T0 + i,
            audit.RECEIVED,
            {"agency": "PK-FIA", "alert": f"PK-FIA:A-{i}", "revision": 1, "digest": "ab" * 32},
            source,
        )
        records.append(record)
        prev = record.hash
        positions[(source.topic, source.partition)] = source.offset + 1
        since += 1
        if since == every:
            checkpoint = audit.seal_checkpoint(
                len(records) + 1, prev, T0 + i, "TF-HUB", positions, HUB_KEY
            )
            records.append(checkpoint)
            prev = checkpoint.hash
            since = 0
    return records


def values(records: list[audit.AuditRecord]) -> list[tuple[int, bytes | None]]:
    return [(offset, r.to_bytes()) for offset, r in enumerate(records)]


def codes(report: audit.ChainReport) -> list[tuple[str, int | None, int | None]]:
    return [(f.code, f.seq, f.offset) for f in report.findings if f.severity == audit.ERROR]


def edit(value: bytes, change: Any) -> bytes:
    document = json.loads(value)
    change(document)
    return json.dumps(document).encode()


def test_an_untouched_chain_is_intact() -> None:
    records = build_chain(8, every=4)
    report = audit.verify_chain(values(records), KEYS)
    assert report.intact, report.findings
    assert report.findings == []
    assert (report.records, report.checkpoints, report.head_seq) == (10, 2, 10)
    assert report.head_hash == records[-1].hash
    assert report.covered_seq == 10


def test_the_hash_is_sha256_over_the_context_and_the_canonical_record() -> None:
    record = audit.seal_record(1, audit.GENESIS, T0, audit.VERIFIED, {"alert": "X:1", "n": 2})
    document = json.loads(record.to_bytes())
    del document["hash"]
    text = json.dumps(document, sort_keys=True, separators=(",", ":"))
    assert record.hash == hashlib.sha256(b"corridor/audit/v1\x00" + text.encode()).hexdigest()
    # The wire bytes are themselves canonical.
    assert record.to_bytes().startswith(b'{"at":1767225600000,"format":"corridor-audit/1",')


def test_canonical_rejects_what_other_languages_could_encode_differently() -> None:
    for bad in (1.5, True, 2**60, {"é": 1}, b"x"):
        with pytest.raises(audit.AuditFormatError):
            audit.canonical({"v": bad})
    assert audit.canonical({"b": "é\n", "a": [1, None]}) == '{"a":[1,null],"b":"é\\n"}'.encode()


def test_a_checkpoint_is_signed_over_its_record_without_hash_and_signature() -> None:
    records = build_chain(4, every=4)
    checkpoint = records[-1]
    assert checkpoint.kind == audit.CHECKPOINT
    assert checkpoint.prev == records[-2].hash
    assert checkpoint.signature is not None
    signature = base64.b64decode(checkpoint.signature)
    HUB_KEY.public_key().verify(signature, audit.checkpoint_signing_input(checkpoint))
    assert audit.checkpoint_positions(checkpoint) == {
        ("corridor.inbound.PK-FIA", 0): 3,
        ("corridor.inbound.PK-FIA", 1): 4,
    }


FIELDS = {
    "at": lambda d: d.update(at=d["at"] + 1),
    "kind": lambda d: d.update(kind=audit.QUARANTINED),
    "alert": lambda d: d["subject"].update(alert="PK-FIA:OTHER"),
    "added subject field": lambda d: d["subject"].update(reason="bad_signature"),
    "source offset": lambda d: d["source"].update(offset=999),
    "source topic": lambda d: d["source"].update(topic="corridor.inbound.TR-SG"),
}


@pytest.mark.parametrize("name", sorted(FIELDS))
def test_altering_any_field_pinpoints_the_record(name: str) -> None:
    chained = values(build_chain())
    offset, value = chained[2]
    assert value is not None
    chained[2] = (offset, edit(value, FIELDS[name]))
    report = audit.verify_chain(chained, KEYS)
    assert codes(report) == [(audit.ALTERED, 3, 2)]


def test_altering_a_record_and_recomputing_its_hash_breaks_the_next_link() -> None:
    records = build_chain()
    victim = records[2]
    forged = audit.seal_record(
        victim.seq, victim.prev, victim.at, victim.kind, {"alert": "X:1"}, victim.source
    )
    chained = values(records)
    chained[2] = (2, forged.to_bytes())
    report = audit.verify_chain(chained, KEYS)
    assert codes(report) == [(audit.BROKEN_LINK, 4, 3)]


def test_rewriting_every_later_hash_is_caught_by_the_next_checkpoint() -> None:
    records = build_chain(8, every=4)
    rewritten: list[audit.AuditRecord] = list(records[:2])
    prev = records[1].hash
    for record in records[2:]:
        subject = {"alert": "X:forged"} if record.seq == 3 else record.subject
        if record.kind == audit.CHECKPOINT:
            # The forger cannot sign: keeps the old signature over the old prev.
            fake = audit.AuditRecord(
                record.seq, prev, record.at, record.kind, subject, None, record.signature
            )
            fake = _with_hash(fake)
        else:
            fake = audit.seal_record(
                record.seq, prev, record.at, record.kind, subject, record.source
            )
        rewritten.append(fake)
        prev = fake.hash
    report = audit.verify_chain(values(rewritten), KEYS)
    assert codes(report) == [(audit.BAD_CHECKPOINT, 5, 4), (audit.BAD_CHECKPOINT, 10, 9)]
    assert report.checkpoints == 0


def test_a_deleted_record_is_reported_missing_between_its_neighbours() -> None:
    chained = values(build_chain())
    del chained[3]
    report = audit.verify_chain(chained, KEYS)
    assert codes(report) == [(audit.MISSING, 4, 4)]
    assert "seq 4 missing (after offset 2, before offset 4)" in report.findings[0].detail


def test_a_deleted_run_is_one_finding() -> None:
    chained = values(build_chain())
    del chained[1:4]
    report = audit.verify_chain(chained, KEYS)
    assert codes(report) == [(audit.MISSING, 2, 4)]
    assert "seq 2..4 missing" in report.findings[0].detail


def test_deleting_the_first_record_is_caught() -> None:
    chained = values(build_chain())
    del chained[0]
    assert codes(audit.verify_chain(chained, KEYS)) == [(audit.MISSING, 1, 1)]


def test_reordered_records_are_out_of_order() -> None:
    chained = values(build_chain())
    chained[2], chained[3] = (2, chained[3][1]), (3, chained[2][1])
    report = audit.verify_chain(chained, KEYS)
    assert codes(report) == [(audit.OUT_OF_ORDER, 3, 3)]


def test_an_inserted_record_is_a_duplicate_and_breaks_a_link() -> None:
    records = build_chain()
    inserted = audit.seal_record(3, records[1].hash, T0, audit.RECEIVED, {"alert": "X:evil"})
    chained = values(records)
    chained.insert(3, (3, inserted.to_bytes()))
    chained = [(i, v) for i, (_, v) in enumerate(chained)]
    report = audit.verify_chain(chained, KEYS)
    assert (audit.DUPLICATE, 3, 3) in codes(report)


def test_an_appended_forgery_with_a_new_seq_is_not_covered() -> None:
    records = build_chain(8, every=4)
    extra = audit.seal_record(11, records[-1].hash, T0, audit.RECEIVED, {"alert": "X:late"})
    report = audit.verify_chain(values([*records, extra]), KEYS)
    assert report.intact
    assert [(f.code, f.seq) for f in report.findings] == [(audit.UNCOVERED, 11)]


def test_a_checkpoint_signed_by_another_key_is_forged() -> None:
    records = build_chain(4, every=4)
    intruder = generate_private_key()
    forged = audit.seal_checkpoint(5, records[3].hash, T0, "TF-HUB", {}, intruder)
    report = audit.verify_chain(values([*records[:4], forged]), KEYS)
    assert codes(report) == [(audit.BAD_CHECKPOINT, 5, 4)]
    assert "not a hub key" in report.findings[0].detail


def test_a_checkpoint_with_altered_positions_does_not_verify() -> None:
    records = build_chain(4, every=4)
    chained = values(records)
    offset, value = chained[4]
    assert value is not None

    def more(d: dict[str, Any]) -> None:
        d["subject"]["positions"][0][2] = 0

    altered = audit.parse_record(edit(value, more))
    rehashed = _with_hash(altered)
    chained[4] = (offset, rehashed.to_bytes())
    assert codes(audit.verify_chain(chained, KEYS)) == [(audit.BAD_CHECKPOINT, 5, 4)]


def test_a_truncated_tail_is_uncovered_or_shorter_than_expected() -> None:
    records = build_chain(9, every=4)  # checkpoints at seq 5 and 10, seq 11 uncovered
    report = audit.verify_chain(values(records), KEYS)
    assert report.intact
    assert [(f.code, f.seq, f.offset) for f in report.findings] == [(audit.UNCOVERED, 11, 10)]
    cut = audit.verify_chain(values(records[:7]), KEYS, expect_head_seq=report.head_seq)
    assert codes(cut) == [(audit.TRUNCATED, 8, None)]


def test_malformed_records_are_findings_not_crashes() -> None:
    chained = values(build_chain())
    chained[1] = (1, b"\xff not json")
    chained[2] = (2, None)
    report = audit.verify_chain(chained, KEYS)
    assert (audit.MALFORMED, None, 1) in codes(report)
    assert (audit.MALFORMED, None, 2) in codes(report)
    assert (audit.MISSING, 2, 3) in codes(report)


def test_verifying_from_an_offset_anchors_on_the_first_record() -> None:
    records = build_chain(8, every=4)
    report = audit.verify_chain(values(records)[3:], KEYS, from_start=False)
    assert report.intact and report.checkpoints == 2


@pytest.mark.parametrize(
    "value",
    [
        b"[]",
        b'{"format":"corridor-audit/1"}',
        b'{"format":"other"}',
        b'{"format":"corridor-audit/1","seq":1,"at":1.5}',
    ],
)
def test_parse_record_rejects_bad_documents(value: bytes) -> None:
    with pytest.raises(audit.AuditFormatError):
        audit.parse_record(value)


def test_records_name_their_alerts() -> None:
    one = audit.seal_record(1, audit.GENESIS, T0, audit.RECEIVED, {"alert": "A:1"})
    many = audit.seal_record(2, one.hash, T0, audit.CORRELATED, {"alerts": ["A:1", "B:2"]})
    assert audit.records_for_alert([one, many], "B:2") == [many]
    assert audit.records_for_alert([one, many], "A:1") == [one, many]
