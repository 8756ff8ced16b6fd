"""The incidents topic folded into each incident's last version, as the rebuild takes it."""

from __future__ import annotations

import logging

import pytest

from schemas.keys import generate_private_key
from schemas.topics import TopicNames
from schemas.truststore import TrustStore
from streams.correlation_stage import CorrelationStage, Publication
from streams.correlator import Correlator
from streams.incident_recovery import TopicRecord, hub_verifier, last_versions
from tests.unit.streams.correlation_fixtures import features

HUB = "TF-HUB"
TOPICS = TopicNames("t")
HUB_KEY = generate_private_key()
PHONE = (("phone", "+905321234567"),)


def _versions(hub_key: object = HUB_KEY) -> list[Publication]:
    """Versions 1 and 2 of one incident, signed by ``hub_key``."""
    stage = CorrelationStage(
        Correlator(),
        {},
        {},
        hub_id=HUB,
        hub_key=hub_key,  # type: ignore[arg-type]
        topics=TOPICS,
        retention_ms=30 * 24 * 3600 * 1000,
    )
    stage.process(features("TR-SG", "a1", ids=PHONE).to_json())
    [v1] = stage.process(features("GR-HCG", "b1", ids=PHONE).to_json())
    [v2] = stage.process(features("PK-FIA", "c1", ids=PHONE).to_json())
    return [v1, v2]


def _record(publication: Publication, offset: int) -> TopicRecord:
    return TopicRecord(publication.record.value, list(publication.record.headers), offset)


def _verify() -> object:
    trust = TrustStore(agencies={}).with_key(HUB, "hub", HUB_KEY.public_key())
    return hub_verifier(trust, TOPICS, HUB)


def test_the_highest_version_of_each_incident_counts_in_any_order() -> None:
    v1, v2 = _versions()
    verify = _verify()
    for order in ([v1, v2], [v2, v1]):
        records = [_record(p, i) for i, p in enumerate(order)]
        [last] = last_versions(records, verify)  # type: ignore[arg-type]
        assert last == v2.incident


def test_what_is_not_a_hub_signed_version_is_skipped_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    v1, _ = _versions()
    _, forged = _versions(generate_private_key())
    records = [
        TopicRecord(None, [], 0),
        TopicRecord(b"garbage", [], 1),
        _record(forged, 2),
        _record(v1, 3),
    ]
    with caplog.at_level(logging.WARNING):
        assert last_versions(records, _verify()) == [v1.incident]  # type: ignore[arg-type]
    assert [r.message.split(":")[0] for r in caplog.records] == [
        "incidents topic offset 0",
        "incidents topic offset 1",
        "incidents topic offset 2",
    ]
