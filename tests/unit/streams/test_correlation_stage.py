"""The correlation stage over its tables: stable identity of incident versions."""

from __future__ import annotations

from typing import Any

from schemas.envelope import open_envelope
from schemas.keys import generate_private_key
from schemas.topics import TopicNames
from streams.correlation_stage import CorrelationStage, Publication, incident_message_id
from streams.correlator import Correlator
from tests.unit.streams.correlation_fixtures import features

HUB_KEY = generate_private_key()
PHONE = (("phone", "+905321234567"),)


def _stage(features_table: dict[bytes, bytes], published: dict[bytes, bytes]) -> CorrelationStage:
    return CorrelationStage(
        Correlator(),
        features_table,
        published,
        hub_id="TF-HUB",
        hub_key=HUB_KEY,
        topics=TopicNames("t"),
        retention_ms=30 * 24 * 3600 * 1000,
    )


def _message_id(publication: Publication) -> str:
    return open_envelope(publication.record.value).header.message_id


def test_a_version_signed_again_after_a_restart_keeps_its_message_id() -> None:
    """A crash after the send but before the published table kept it: same identity."""
    features_table: dict[bytes, bytes] = {}
    first = _stage(features_table, {})
    first.process(features("TR-SG", "a1", ids=PHONE).to_json())
    [publication] = first.process(features("GR-HCG", "b1", ids=PHONE).to_json())
    # The broker acknowledged the version, but the hub died before remembering it.
    restarted = _stage(dict(features_table), {})
    [again] = restarted.process(features("TR-SG", "a1", ids=PHONE).to_json())
    assert again.incident["version"] == publication.incident["version"] == 1
    assert _message_id(again) == _message_id(publication)


def test_a_remembered_version_is_not_signed_again() -> None:
    features_table: dict[bytes, bytes] = {}
    published: dict[bytes, bytes] = {}
    first = _stage(features_table, published)
    first.process(features("TR-SG", "a1", ids=PHONE).to_json())
    [publication] = first.process(features("GR-HCG", "b1", ids=PHONE).to_json())
    first.published(publication)
    restarted = _stage(dict(features_table), dict(published))
    assert restarted.process(features("TR-SG", "a1", ids=PHONE).to_json()) == []


def test_different_versions_or_contents_have_different_message_ids() -> None:
    incident: dict[str, Any] = {"incident_id": "INC-1", "version": 1, "members": ["a"]}
    same = incident_message_id(incident)
    assert incident_message_id(dict(incident)) == same
    assert incident_message_id({**incident, "version": 2}) != same
    assert incident_message_id({**incident, "members": ["a", "b"]}) != same
