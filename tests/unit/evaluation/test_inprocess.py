"""The in-process adapter feeds simulated alerts through the correlator's code path."""

from __future__ import annotations

import copy

from evaluation.inprocess import correlate_in_process
from producers.scenarios import sample_alert


def test_two_agencies_with_the_same_number_form_an_incident_and_repeats_are_dropped() -> None:
    first = sample_alert("PK-FIA", 1, route="makran-coast")
    second = sample_alert("IR-BG", 2, route="makran-coast")
    third = sample_alert("GR-HCG", 3, route="aegean-crossing")
    second["indicators"]["phone_numbers"] = list(first["indicators"]["phone_numbers"])
    second["observed_from"], second["observed_to"] = first["observed_from"], first["observed_to"]
    for alert in (first, second, third):
        alert["issued_at"] = alert["observed_to"]
    run = correlate_in_process([first, copy.deepcopy(first), second, third])
    assert run.alerts == 3, "the repeated line is dropped as dedupe would"
    key = f"PK-FIA:{first['alert_id']}"
    assert run.membership.get(key) is not None
    assert run.membership[key] == run.membership.get(f"IR-BG:{second['alert_id']}")
    assert f"GR-HCG:{third['alert_id']}" not in run.membership
    assert run.seconds > 0 and run.rate > 0
