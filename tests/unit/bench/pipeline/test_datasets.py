"""bench/pipeline/datasets.py: the bench's alerts are valid, unique and reach every recipient."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.pipeline import datasets
from bench.pipeline.datasets import alert_data, rebadge, sign_all
from consumers.delivery.policy import decide_all
from producers.scenarios import sample_alert
from schemas.marking import Release
from schemas.taskforce import load_taskforce
from throwaway_deployment import Deployment, make_deployment

RECIPIENTS = ["RCV-01", "RCV-02", "RCV-03"]


@pytest.fixture
def deployment(tmp_path: Path) -> Deployment:
    publishers = [f"PUB-{i:02d}" for i in range(1, 6)]
    return make_deployment(tmp_path / "tf", "ds", publishers, RECIPIENTS)


def entitled(deployment: Deployment, datum: dict[str, object]) -> set[str]:
    release = Release.of_alert(
        str(datum["agency"]),
        str(datum["tlp"]),
        list(datum["tlp_recipients"]),  # type: ignore[call-overload]
        str(datum["handling_code"]),
    )
    decisions = decide_all("alert", release, load_taskforce(deployment.config))
    return {d.recipient for d in decisions if d.allowed}


def test_rebadge_names_the_bench_recipients_for_red_and_h3() -> None:
    document = {**sample_alert("IOM", 367), "revision": 2, "tlp": "RED", "handling_code": "H1"}
    datum = rebadge(document, 42, "PUB-03", RECIPIENTS)
    assert datum["agency"] == "PUB-03"
    assert datum["alert_id"] == f"B000042-{document['alert_id']}"
    assert datum["revision"] == 1
    assert datum["tlp_recipients"] == RECIPIENTS


@pytest.mark.parametrize("name", ["worst", "realistic"])
def test_alerts_are_unique_signable_and_reach_every_recipient(
    name: str, deployment: Deployment, tmp_path: Path
) -> None:
    data = alert_data(name, deployment, 150, tmp_path / "work", seed=3)
    assert len(data) == 150
    assert len({(d["agency"], d["alert_id"]) for d in data}) == 150
    assert {d["agency"] for d in data} == set(deployment.publishers)
    records = sign_all(deployment, data)  # validates every alert
    assert len({r.key for r in records}) == 150
    for datum in data:
        assert entitled(deployment, datum) == set(RECIPIENTS), datum["alert_id"]


def test_a_data_set_larger_than_one_scenario_takes_several(
    deployment: Deployment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One simulated scenario runs out of distinct identifiers short of 20,000 alerts (the
    # bench's default burst): the realistic data set then failed to generate.
    monkeypatch.setattr(datasets, "SCENARIO_ALERTS", 60)
    data = alert_data("realistic", deployment, 150, tmp_path / "work", seed=3)
    assert len(data) == 150
    assert len({(d["agency"], d["alert_id"]) for d in data}) == 150
    assert len(list((tmp_path / "work").glob("simulate-*"))) == 3  # seeds 3, 4 and 5
