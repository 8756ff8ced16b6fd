"""The outage check: no acknowledgement while writes cannot be acknowledged, and a loud failure."""

from __future__ import annotations

from faults.outages import Outage, SendRecord, lost_alerts, outage_problems

OUTAGE = Outage("brokers 1, 2 down", start=100.0, end=150.0)


def send(label: str, sent_at: float, reported_at: float, status: str) -> SendRecord:
    return SendRecord("PK-FIA", label, f"m-{label}", sent_at, reported_at, status)


def test_a_send_reported_failed_in_the_outage_and_no_ack_is_clean() -> None:
    sends = [
        send("PK-FIA:a r1", 90.0, 90.1, "published"),
        send("PK-FIA:b r1", 100.5, 132.5, "unknown"),
        send("PK-FIA:c r1", 132.6, 149.0, "failed"),
    ]
    assert outage_problems(sends, [OUTAGE], lost=[]) == []


def test_an_acknowledgement_for_a_send_made_in_the_outage_is_reported() -> None:
    sends = [
        send("PK-FIA:b r1", 100.5, 132.5, "unknown"),
        send("PK-FIA:c r1", 133.0, 133.1, "published"),
    ]
    assert outage_problems(sends, [OUTAGE], lost=[]) == [
        "brokers 1, 2 down: PK-FIA:c r1 reported acknowledged"
    ]


def test_a_late_reported_acknowledgement_is_fine_unless_it_was_lost() -> None:
    sends = [
        send("PK-FIA:a r1", 99.0, 100.2, "published"),
        send("PK-FIA:b r1", 100.5, 132.5, "failed"),
    ]
    assert outage_problems(sends, [OUTAGE], lost=[]) == []
    assert outage_problems(sends, [OUTAGE], lost=["PK-FIA:a r1"]) == [
        "brokers 1, 2 down: PK-FIA:a r1 reported acknowledged, then lost"
    ]


def test_a_send_made_late_in_the_outage_may_be_acknowledged_after_it() -> None:
    sends = [
        send("PK-FIA:b r1", 100.5, 132.5, "failed"),
        send("PK-FIA:c r1", 140.0, 155.0, "published"),
    ]
    assert outage_problems(sends, [OUTAGE], lost=[]) == []


def test_a_publisher_that_reports_no_failure_in_the_outage_is_not_loud() -> None:
    hung = [send("PK-FIA:b r1", 100.5, 170.0, "unknown")]
    assert outage_problems(hung, [OUTAGE], lost=[]) == [
        "brokers 1, 2 down: no send was reported failed or unknown"
    ]


def test_lost_deliveries_name_their_alert_revisions() -> None:
    lost = ["UNODC PK-FIA:a r1", "EU-EUROPOL PK-FIA:a r1", "UNODC TR-SG:b r2"]
    assert lost_alerts(lost) == {"PK-FIA:a r1", "TR-SG:b r2"}
