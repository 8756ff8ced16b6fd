"""The overview as text and JSON."""

from __future__ import annotations

import datetime as dt
import json

from monitoring.prometheus_api import ActiveAlert
from monitoring.status.figures import (
    STAGES,
    AgencyRow,
    Component,
    KeyRow,
    LagRow,
    QuarantineRow,
    StageFlow,
    Status,
)
from monitoring.status.view import count, duration, headline, rate, render, to_json

NOW = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)


def _status(**changes: object) -> Status:
    fields: dict[str, object] = {
        "taken_at": NOW,
        "window": "5m",
        "window_s": 300.0,
        "components": (Component("worker", "127.0.0.1:9401", True),),
        "stages": tuple(
            StageFlow(s, 300.0 if s.name == "received" else None, 300.0) for s in STAGES
        ),
        "agencies": (AgencyRow("FIA-PK", 1.0, 2.0, 0.5, 3.0, 125.0),),
        "quarantine": (QuarantineRow("verify", "bad_signature", 2.0),),
        "lag": (LagRow("corridor-delivery", "corridor.alerts", 1, 4.0, 4.0),),
        "keys": (KeyRow("FIA-PK", "k-soon", 3 * 86400.0), KeyRow("IOM", "k-none", None)),
        "registry_version": 3.0,
        "registry_expiry_s": 40 * 86400.0,
        "inbox_latency_p50_s": 0.8,
        "inbox_latency_p95_s": 2.5,
        "alerts": (),
    }
    fields.update(changes)
    return Status(**fields)  # type: ignore[arg-type]


def test_figures_are_formatted_for_people() -> None:
    assert (
        rate(None) == "-" and rate(0) == "0" and rate(0.123) == "0.12" and rate(1234.5) == "1,234.5"
    )
    assert count(None) == "-" and count(1203.6) == "1,204"
    assert duration(12.34) == "12.3 s"
    assert duration(600) == "10 min"
    assert duration(5 * 3600) == "5 h"
    assert duration(87 * 86400) == "87 d"
    assert duration(-7200) == "2 h ago"


def test_headline_says_ok_only_when_everything_is() -> None:
    assert headline(_status()).startswith("Health: OK")
    down = _status(components=(Component("delivery", "127.0.0.1:9402", False),))
    assert "1 component(s) down (delivery)" in headline(down)
    firing = ActiveAlert("CorridorBadSignatures", "firing", {}, "bad signatures", "")
    pending = ActiveAlert("CorridorQuarantineGrowing", "pending", {}, "growing", "")
    assert "1 alert(s) firing" in headline(_status(alerts=(firing, pending)))
    assert headline(_status(alerts=(pending,))).startswith("Health: OK")
    assert "scrapes no Corridor component" in headline(_status(components=()))


def test_render_shows_each_section_with_its_figures() -> None:
    firing = ActiveAlert("CorridorBadSignatures", "firing", {}, "bad signatures from FIA-PK", "")
    text = render(_status(alerts=(firing,)), "http://127.0.0.1:9090")
    lines = text.splitlines()
    assert lines[0].startswith("CORRIDOR STATUS  2026-11-24 12:00:00 UTC")
    received = next(line for line in lines if line.strip().startswith("received"))
    assert received.split()[1:3] == ["1.00", "300"]
    verified = next(line for line in lines if line.strip().startswith("verified"))
    assert verified.split()[1:3] == ["-", "-"]  # no component reports it
    agency = next(line for line in lines if line.strip().startswith("FIA-PK") and "/" not in line)
    assert agency.split() == ["FIA-PK", "1.00", "2", "0.50", "3", "2", "min"]
    assert any("verify" in line and "bad_signature" in line for line in lines)
    assert any("corridor-delivery" in line and "corridor.alerts" in line for line in lines)
    assert any("k-soon" in line and "3 d" in line and "renew soon" in line for line in lines)
    assert any("k-none" in line and "no end" in line for line in lines)
    assert "Key registry version 3: 40 d before it must be re-signed" in text
    assert "half within 0.8 s, 95% within 2.5 s" in text
    assert "FIRING   CorridorBadSignatures: bad signatures from FIA-PK" in text


def test_render_explains_empty_sections() -> None:
    text = render(
        _status(
            agencies=(),
            quarantine=(),
            lag=(),
            keys=(),
            registry_expiry_s=None,
            inbox_latency_p50_s=None,
            inbox_latency_p95_s=None,
        ),
        "http://x",
    )
    for expected in (
        "no agency traffic reported yet",
        "nothing quarantined",
        "no consumer reports its lag",
        "no component reports key validity",
        "no deliveries in the last 5m",
        "none pending or firing",
    ):
        assert expected in text


def test_json_is_strict_and_says_whether_healthy() -> None:
    document = json.loads(to_json(_status(inbox_latency_p95_s=float("nan"))))
    assert document["healthy"] is True
    assert document["inbox_latency_p95_s"] is None
    assert document["stages"][0] == {"stage": "received", "count": 300.0, "per_second": 1.0}
    assert document["keys"][1]["seconds_left"] is None
    down = json.loads(to_json(_status(components=(Component("w", "i", False),))))
    assert down["healthy"] is False
