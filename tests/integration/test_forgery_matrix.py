"""The forgery matrix on the real pipeline: every mutant rejected with the right reason.

Mutants of genuine signed alerts go through the running hub next to genuine alerts:
every byte flipped, keys swapped between agencies, headers stripped or altered, a
genuine record moved to another agency's topic, old messages replayed, and the same
bytes sent again. The expected reason of each byte-level mutant comes from the
reference verifier run locally (the oracle); the hub must give that same reason.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import sys
from collections import Counter
from dataclasses import dataclass, replace

import pytest
from kafka import KafkaProducer

from consumers.topic_reader import read_to_end
from producers.scenarios import sample_datum
from schemas import reasons
from schemas.envelope import (
    HEADER_AGENCY,
    HEADER_KEY_ID,
    HEADER_KIND,
    HEADER_MESSAGE_ID,
    RecordHeaders,
)
from schemas.errors import VerifyError
from schemas.signing import SignedRecord, sign_alert
from schemas.verification import verify_alert
from tests.integration.conftest import Pipeline, wait_for

pytestmark = pytest.mark.integration

TIMEOUT = 120.0


@dataclass(frozen=True)
class Mutant:
    """One forged or replayed record and the reason the hub must give."""

    kind: str
    topic: str
    value: bytes
    headers: RecordHeaders
    expected: str


def _oracle(pipeline: Pipeline, mutant: Mutant) -> str:
    try:
        verify_alert(
            mutant.value,
            mutant.headers,
            pipeline.trust_store,
            pipeline.taskforce.topics,
            read_topic=mutant.topic,
        )
    except VerifyError as exc:
        return exc.reason
    return "accepted"


def _mutants(pipeline: Pipeline, base: SignedRecord) -> list[Mutant]:
    topics, keys = pipeline.taskforce.topics, pipeline.keys
    mutants = []
    for i in range(len(base.value)):
        value = base.value[:i] + bytes([base.value[i] ^ 0xFF]) + base.value[i + 1 :]
        flipped = Mutant("byte flipped", base.topic, value, base.headers, "")
        mutants.append(replace(flipped, expected=_oracle(pipeline, flipped)))
    for name in (HEADER_KIND, HEADER_AGENCY, HEADER_KEY_ID, HEADER_MESSAGE_ID):
        stripped = [(n, v) for n, v in base.headers if n != name]
        altered = [(n, v + b"x" if n == name else v) for n, v in base.headers]
        mutants.append(
            Mutant("header stripped", base.topic, base.value, stripped, reasons.HEADER_MISMATCH)
        )
        mutants.append(
            Mutant("header altered", base.topic, base.value, altered, reasons.HEADER_MISMATCH)
        )
    # TR-SG's key signing an alert that says it is PK-FIA's.
    swapped = sign_alert(sample_datum("PK-FIA", 6001), keys["TR-SG"], topics)
    mutants.append(
        Mutant("key of another agency", swapped.topic, swapped.value, swapped.headers,
               reasons.UNKNOWN_KEY)
    )  # fmt: skip
    # A genuine TR-SG record published into PK-FIA's inbound topic.
    moved = sign_alert(sample_datum("TR-SG", 6002), keys["TR-SG"], topics)
    mutants.append(
        Mutant("genuine record, other agency's topic", base.topic, moved.value, moved.headers,
               reasons.WRONG_TOPIC)
    )  # fmt: skip
    # A genuine message signed two hours ago, sent now.
    two_hours_ago = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=2)
    old = sign_alert(
        sample_datum("GR-HCG", 6003), keys["GR-HCG"], topics, produced_at=two_hours_ago
    )
    mutants.append(
        Mutant("old message replayed", old.topic, old.value, old.headers, reasons.STALE_MESSAGE)
    )
    for mutant in mutants:
        if mutant.kind != "old message replayed":
            assert _oracle(pipeline, mutant) == mutant.expected, mutant.kind
    return mutants


def test_every_mutant_is_rejected_with_its_reason_and_every_genuine_alert_accepted(
    pipeline: Pipeline,
) -> None:
    topics, keys = pipeline.taskforce.topics, pipeline.keys
    base = sign_alert(sample_datum("PK-FIA", 6000), keys["PK-FIA"], topics)
    mutants = _mutants(pipeline, base)
    genuine = [base] + [
        sign_alert(sample_datum(agency, 6100 + i), keys[agency], topics)
        for i, agency in enumerate(("PK-FIA", "TR-SG", "GR-HCG") * 3)
    ]
    producer = KafkaProducer(bootstrap_servers=pipeline.bootstrap, acks="all", linger_ms=5)
    try:
        futures = [
            producer.send(m.topic, key=base.key, value=m.value, headers=m.headers) for m in mutants
        ]
        futures += [
            producer.send(g.topic, key=g.key, value=g.value, headers=g.headers) for g in genuine
        ]
        # The genuine base alert's exact bytes again, in a new record under another key.
        futures.append(
            producer.send(base.topic, key=b"another key", value=base.value, headers=base.headers)
        )
        for future in futures:
            future.get(30)
    finally:
        producer.close()
    # Of the two identical records one is accepted (whichever partition the hub reads
    # first) and the other is the replay.
    mutants.append(Mutant("verbatim replay", base.topic, base.value, base.headers,
                          reasons.REPLAYED))  # fmt: skip

    expected: dict[bytes, Counter[str]] = {}
    for mutant in mutants:
        expected.setdefault(mutant.value, Counter())[mutant.expected] += 1

    def quarantined() -> dict[bytes, Counter[str]] | None:
        found: dict[bytes, Counter[str]] = {}
        for record in read_to_end(pipeline.bootstrap, topics.quarantine):
            document = json.loads(record.value)
            if document["value_b64"] is None:
                continue
            value = base64.b64decode(document["value_b64"])
            if value in expected:
                found.setdefault(value, Counter())[document["reason"]] += 1
        done = all(found.get(v, Counter()).total() >= c.total() for v, c in expected.items())
        return found if done else None

    found = wait_for(quarantined, TIMEOUT, f"{len(mutants)} mutants in quarantine")

    def accepted() -> bool:
        ids = {  # other tests write records without it (test_poison_records)
            dict(r.headers).get(HEADER_MESSAGE_ID, b"").decode()
            for r in read_to_end(pipeline.bootstrap, topics.alerts)
        }
        return {g.header.message_id for g in genuine} <= ids

    wait_for(accepted, TIMEOUT, "every genuine alert on the alerts topic")

    wrong = {
        mutants_of: (dict(expected[mutants_of]), dict(found[mutants_of]))
        for mutants_of in expected
        if found[mutants_of] != expected[mutants_of]
    }
    by_kind = Counter(m.kind for m in mutants)
    by_reason = Counter(m.expected for m in mutants)
    sys.stderr.write(
        f"\nforgery matrix: {len(mutants)} mutants rejected "
        f"({', '.join(f'{n} {k}' for k, n in sorted(by_kind.items()))}); "
        f"reasons: {', '.join(f'{r} {n}' for r, n in by_reason.most_common())}; "
        f"{len(genuine)} genuine alerts accepted\n"
    )
    assert [f"{len(v)} bytes: {w}" for v, w in wrong.items()] == []
