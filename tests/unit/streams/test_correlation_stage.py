"""The correlation stage over its tables: stable identity of incident versions, and the
rebuild after a start from the tables plus the incidents topic's last versions."""

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


def _stage(
    features_table: dict[bytes, bytes],
    published: dict[bytes, bytes],
    correlator: Correlator | None = None,
) -> CorrelationStage:
    return CorrelationStage(
        correlator or Correlator(),
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


OTHER_PHONE = (("phone", "+902121234567"),)


def _published_but_not_remembered() -> tuple[dict[bytes, bytes], Publication]:
    """An incident sent and acknowledged whose published-table record died with the hub,
    as did the batch after it (a third holder makes the phone common: no incident)."""
    features_table: dict[bytes, bytes] = {}
    first = _stage(features_table, {}, Correlator(max_fanout=2))
    first.process(features("TR-SG", "a1", ids=PHONE).to_json())
    [publication] = first.process(features("GR-HCG", "b1", ids=PHONE).to_json())
    first.process(features("PK-FIA", "c1", ids=PHONE).to_json())
    return features_table, publication


def test_an_incident_only_the_topic_shows_published_is_withdrawn_after_a_restart() -> None:
    """Regression (fault matrix, worker-kill): it stayed ACTIVE at its recipients forever."""
    features_table, publication = _published_but_not_remembered()
    restarted = _stage(dict(features_table), {}, Correlator(max_fanout=2))
    restarted.recover_published([publication.incident])
    later = restarted.process(features("PK-FIA", "d1", ids=OTHER_PHONE).to_json())
    incident_id = publication.incident["incident_id"]
    assert [(p.incident["incident_id"], p.incident["status"]) for p in later] == [
        (incident_id, "WITHDRAWN")
    ]
    assert later[0].incident["version"] == 2
    assert later[0].incident["members"] == publication.incident["members"]


def test_without_the_topic_the_restarted_stage_does_not_know_the_incident() -> None:
    """What reading the incidents topic is for: the tables alone miss the incident."""
    features_table, _ = _published_but_not_remembered()
    restarted = _stage(dict(features_table), {}, Correlator(max_fanout=2))
    assert restarted.process(features("PK-FIA", "d1", ids=OTHER_PHONE).to_json()) == []


def test_a_later_version_on_the_topic_is_continued_not_repeated() -> None:
    """The table lost version 2 (a third member); the rebuild forms it again: nothing to send,
    and the next change is version 3, not a second version 2 of other content."""
    features_table: dict[bytes, bytes] = {}
    published: dict[bytes, bytes] = {}
    first = _stage(features_table, published)
    first.process(features("TR-SG", "a1", ids=PHONE).to_json())
    [v1] = first.process(features("GR-HCG", "b1", ids=PHONE).to_json())
    first.published(v1)
    [v2] = first.process(features("PK-FIA", "c1", ids=PHONE).to_json())
    restarted = _stage(dict(features_table), dict(published))
    restarted.recover_published([v2.incident])
    assert restarted.process(features("TR-SG", "a1", ids=PHONE).to_json()) == []
    [v3] = restarted.process(features("PK-FIA", "c2", ids=PHONE).to_json())
    assert v3.incident["version"] == 3


def test_the_table_s_later_version_wins_over_the_topic_s() -> None:
    features_table: dict[bytes, bytes] = {}
    published: dict[bytes, bytes] = {}
    first = _stage(features_table, published)
    first.process(features("TR-SG", "a1", ids=PHONE).to_json())
    [v1] = first.process(features("GR-HCG", "b1", ids=PHONE).to_json())
    first.published(v1)
    [v2] = first.process(features("PK-FIA", "c1", ids=PHONE).to_json())
    first.published(v2)
    restarted = _stage(dict(features_table), dict(published))
    restarted.recover_published([v1.incident])
    assert restarted.process(features("TR-SG", "a1", ids=PHONE).to_json()) == []
