"""Semantic rules of an alert beyond the schema."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from schemas.validation import alert_problems, is_agency_id


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def apply(alert: dict[str, Any]) -> None:
        target = alert
        *parents, last = path.split(".")
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]  # type: ignore[index]
        target[last] = value

    return apply


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        pytest.param(_set("revision", 0), "revision", id="revision-zero"),
        pytest.param(_set("route", []), "route: needs at least one", id="empty-route"),
        pytest.param(_set("route.0.lat", 91.0), "route[0].lat", id="latitude"),
        pytest.param(_set("route.0.lon", -180.5), "route[0].lon", id="longitude"),
        pytest.param(_set("route.0.country", "Pakistan"), "route[0].country", id="country"),
        pytest.param(_set("information_credibility", 7), "information_credibility", id="cred"),
        pytest.param(_set("tlp", "RED"), "tlp_recipients", id="red-without-recipients"),
        pytest.param(_set("handling_code", "H3"), "handling_note", id="h3-without-note"),
        pytest.param(
            _set("handling_code", "H3"), "tlp_recipients: handling code H3", id="h3-unnamed"
        ),
        pytest.param(_set("estimated_persons", -1), "estimated_persons", id="negative-persons"),
        pytest.param(_set("narrative", "  "), "narrative", id="blank-narrative"),
        pytest.param(_set("agency", "fia"), "agency", id="agency-format"),
        pytest.param(_set("alert_id", "has space"), "alert_id", id="alert-id-format"),
    ],
)
def test_rule_violations_are_reported(
    alert: dict[str, Any], change: Callable[[dict[str, Any]], None], expected: str
) -> None:
    assert alert_problems(alert) == []
    change(alert)
    problems = alert_problems(alert)
    assert any(p.startswith(expected) for p in problems), problems


def test_observation_window_must_be_ordered(alert: dict[str, Any]) -> None:
    alert["observed_from"], alert["observed_to"] = alert["observed_to"], alert["observed_from"]
    assert any(p.startswith("observed_to") for p in alert_problems(alert))


def test_red_with_recipients_is_valid(alert: dict[str, Any]) -> None:
    alert["tlp"] = "RED"
    alert["tlp_recipients"] = ["GR-HCG"]
    assert alert_problems(alert) == []


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("PK-FIA", True),
        ("UNODC", True),
        ("EU-EUROPOL", True),
        ("pk-fia", False),
        ("A", False),
        ("PK_FIA", False),
        ("PK-FIA\n", False),
        ("", False),
    ],
)
def test_agency_ids(value: str, ok: bool) -> None:
    assert is_agency_id(value) is ok
