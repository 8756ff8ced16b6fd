"""The sharing policy: a table of cases, and incidents as the conjunction of their members."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consumers.delivery import policy
from consumers.delivery.policy import ALERT, INCIDENT, decide, decide_all
from schemas.marking import HANDLING_CODES, TLP_LEVELS, Release
from schemas.taskforce import Member, TaskForce
from schemas.topics import TopicNames


def _member(agency: str, role: str = "coast_guard", **kw: object) -> Member:
    return replace(Member(agency, agency, role, publishes=True, receives=True), **kw)  # type: ignore[arg-type]


FIA = _member("PK-FIA", "investigation_agency", personal_data=True)
TCG = _member("TR-SG")
HCG = _member("GR-HCG", personal_data=True)
IOM = _member("IOM", "international_organisation", tlp_clearance="AMBER", personal_data=True)
UNODC = _member("UNODC", "international_organisation", tlp_clearance="GREEN")
EUROPOL = _member("EU-EUROPOL", "eu_partner", receives=False)
# TR-SG consents to share its H2 material with IOM by name, on top of the default roles.
TCG_CONSENTING = replace(TCG, h2_share_with=TCG.h2_share_with | {"IOM"})
MEMBERS = (FIA, TCG_CONSENTING, HCG, IOM, UNODC, EUROPOL)
TASKFORCE = TaskForce(
    name="t", topics=TopicNames("t"), trust_store=Path("ts.json"), members=MEMBERS
)
BY_ID = {m.agency_id: m for m in MEMBERS}


def _alert(
    agency: str = "PK-FIA", tlp: str = "AMBER", named: tuple[str, ...] = (), handling: str = "H0"
) -> Release:
    return Release.of_alert(agency, tlp, named, handling)


CASES = [
    # (release, kind, recipient, expected reason, personal data)
    (_alert(tlp="CLEAR"), ALERT, "TR-SG", policy.ALLOWED, False),
    (_alert(tlp="CLEAR"), ALERT, "UNODC", policy.ALLOWED, False),
    (_alert(tlp="GREEN"), ALERT, "UNODC", policy.ALLOWED, False),
    (_alert(tlp="AMBER"), ALERT, "UNODC", policy.TLP_NOT_CLEARED, False),
    (_alert(tlp="AMBER"), ALERT, "IOM", policy.ALLOWED, True),
    (_alert(tlp="AMBER"), ALERT, "GR-HCG", policy.ALLOWED, True),
    (_alert(tlp="AMBER"), ALERT, "TR-SG", policy.ALLOWED, False),
    (_alert(tlp="AMBER_STRICT"), ALERT, "IOM", policy.TLP_NOT_CLEARED, False),
    (_alert(tlp="AMBER_STRICT"), ALERT, "GR-HCG", policy.ALLOWED, True),
    (_alert(tlp="AMBER"), ALERT, "PK-FIA", policy.ORIGINATOR, False),
    (_alert(tlp="GREEN"), ALERT, "EU-EUROPOL", policy.NOT_A_RECIPIENT, False),
    (_alert(tlp="RED", named=("GR-HCG",)), ALERT, "GR-HCG", policy.ALLOWED, True),
    (_alert(tlp="RED", named=("GR-HCG",)), ALERT, "TR-SG", policy.TLP_RED_NOT_NAMED, False),
    # Named for RED overrides the clearance: the originator chose that recipient.
    (_alert(tlp="RED", named=("UNODC",)), ALERT, "UNODC", policy.ALLOWED, False),
    (_alert(tlp="RED", named=("EU-EUROPOL",)), ALERT, "EU-EUROPOL", policy.NOT_A_RECIPIENT, False),
    (_alert(tlp="GREEN", handling="H1"), ALERT, "UNODC", policy.ALLOWED, False),
    (_alert(tlp="GREEN", handling="H2"), ALERT, "TR-SG", policy.ALLOWED, False),
    (_alert(tlp="GREEN", handling="H2"), ALERT, "UNODC", policy.H2_NO_CONSENT, False),
    (_alert(tlp="GREEN", handling="H2"), ALERT, "IOM", policy.H2_NO_CONSENT, False),
    (_alert("TR-SG", tlp="GREEN", handling="H2"), ALERT, "IOM", policy.ALLOWED, True),
    (_alert("TR-SG", tlp="GREEN", handling="H2"), ALERT, "UNODC", policy.H2_NO_CONSENT, False),
    (_alert("XX-GONE", "GREEN", handling="H2"), ALERT, "TR-SG", policy.UNKNOWN_ORIGINATOR, False),
    (_alert(tlp="GREEN", named=("GR-HCG",), handling="H3"), ALERT, "GR-HCG", policy.ALLOWED, True),
    (_alert(tlp="GREEN", handling="H3"), ALERT, "GR-HCG", policy.H3_NOT_NAMED, False),
    (_alert("PK-FIA", "GREEN", ("GR-HCG",), "H3"), ALERT, "TR-SG", policy.H3_NOT_NAMED, False),
    (_alert("PK-FIA", "AMBER", ("UNODC",), "H3"), ALERT, "UNODC", policy.TLP_NOT_CLEARED, False),
    # Incidents: entitled to every member; originators receive them; never personal data.
    (Release.combine([_alert(), _alert("TR-SG")]), INCIDENT, "PK-FIA", policy.ALLOWED, False),
    (Release.combine([_alert(), _alert("TR-SG")]), INCIDENT, "GR-HCG", policy.ALLOWED, False),
    (
        Release.combine([_alert(tlp="GREEN"), _alert("TR-SG", tlp="AMBER_STRICT")]),
        INCIDENT,
        "IOM",
        policy.TLP_NOT_CLEARED,
        False,
    ),
    (
        Release.combine([_alert("IOM", tlp="AMBER_STRICT"), _alert("TR-SG", tlp="AMBER")]),
        INCIDENT,
        "IOM",
        policy.ALLOWED,
        False,
    ),
    (
        Release.combine([_alert(tlp="RED", named=("GR-HCG",)), _alert("TR-SG")]),
        INCIDENT,
        "TR-SG",
        policy.TLP_RED_NOT_NAMED,
        False,
    ),
    (
        Release.combine([_alert(tlp="RED", named=("GR-HCG",)), _alert("TR-SG")]),
        INCIDENT,
        "PK-FIA",
        policy.ALLOWED,
        False,
    ),
    (
        Release.combine(
            [_alert(tlp="RED", named=("GR-HCG",)), _alert("TR-SG", tlp="RED", named=("IOM",))]
        ),
        INCIDENT,
        "GR-HCG",
        policy.TLP_RED_NOT_NAMED,
        False,
    ),
    (
        Release.combine([_alert(tlp="GREEN"), _alert("TR-SG", tlp="GREEN", handling="H2")]),
        INCIDENT,
        "UNODC",
        policy.H2_NO_CONSENT,
        False,
    ),
    (
        Release.combine([_alert(tlp="GREEN"), _alert("TR-SG", tlp="GREEN", handling="H2")]),
        INCIDENT,
        "TR-SG",
        policy.ALLOWED,
        False,
    ),
]


def _case_id(case: tuple[Release, str, str, str, bool]) -> str:
    release, kind, recipient, reason, _ = case
    return f"{kind}-{release.tlp}-{release.handling}-{recipient}-{reason}"


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_policy_table(case: tuple[Release, str, str, str, bool]) -> None:
    release, kind, recipient, reason, personal_data = case
    decision = decide(kind, release, BY_ID[recipient], TASKFORCE)
    assert decision.reason == reason
    assert decision.allowed == (reason == policy.ALLOWED)
    assert decision.personal_data == personal_data
    assert decision.recipient == recipient


def test_every_reason_is_exercised() -> None:
    assert {c[3] for c in CASES} == set(policy.REASONS)


def test_decide_all_is_one_decision_per_member_in_order() -> None:
    decisions = decide_all(ALERT, _alert(tlp="GREEN"), TASKFORCE)
    assert [d.recipient for d in decisions] == [m.agency_id for m in MEMBERS]


_alerts = st.builds(
    lambda agency, tlp, named, handling: Release.of_alert(agency, tlp, named, handling),
    st.sampled_from(sorted(BY_ID)),
    st.sampled_from(TLP_LEVELS),
    st.lists(st.sampled_from(sorted(BY_ID)), max_size=3).map(tuple),
    st.sampled_from(HANDLING_CODES),
)


def _entitled(release: Release, member: Member) -> bool:
    """Entitled to one member alert: its originator, or allowed to receive it."""
    if member.agency_id in release.originators:
        return member.receives
    return decide(ALERT, release, member, TASKFORCE).allowed


@given(parts=st.lists(_alerts, min_size=1, max_size=5), recipient=st.sampled_from(MEMBERS))
def test_an_incident_goes_exactly_to_those_entitled_to_every_member(
    parts: list[Release], recipient: Member
) -> None:
    incident = decide(INCIDENT, Release.combine(parts), recipient, TASKFORCE)
    assert incident.allowed == all(_entitled(p, recipient) for p in parts)
    assert not incident.personal_data


@given(parts=st.lists(_alerts, min_size=1, max_size=5))
def test_release_survives_its_header_form(parts: list[Release]) -> None:
    release = Release.combine(parts)
    assert Release.from_json(release.to_json()) == release


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param("[]", id="not-an-object"),
        pytest.param('{"tlp": "AMBER"}', id="missing-keys"),
        pytest.param(
            '{"originators":[],"tlp":"PINK","clearances":[],"named":null,'
            '"handling":"H0","h2_originators":[]}',
            id="unknown-tlp",
        ),
    ],
)
def test_release_header_rejects_garbage(text: str) -> None:
    with pytest.raises(ValueError, match="not a release document"):
        Release.from_json(text)


@given(release=_alerts, recipient=st.sampled_from(MEMBERS))
def test_an_alert_never_goes_to_its_originator_a_non_recipient_or_an_unnamed_red_member(
    release: Release, recipient: Member
) -> None:
    decision = decide(ALERT, release, recipient, TASKFORCE)
    if decision.allowed:
        assert recipient.receives
        assert recipient.agency_id not in release.originators
        if release.tlp == "RED" or release.handling == "H3":
            assert release.named is not None and recipient.agency_id in release.named
        assert decision.personal_data == recipient.personal_data
    else:
        assert not decision.personal_data
