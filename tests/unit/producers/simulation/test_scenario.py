"""Simulated scenarios: reproducible, publishable, labelled truthfully, arguments checked."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from producers.alert_input import parse_alerts
from producers.simulation import (
    DEFAULT_AGENCIES,
    LABELS_FORMAT,
    Scenario,
    simulate,
)
from schemas.catalog import alert_schema
from schemas.json_mapping import alert_from_json, from_json
from schemas.topics import message_key
from schemas.validation import alert_problems, check_alert

DIFFICULTIES = [pytest.param(d, id=f"difficulty-{d}") for d in (0.0, 0.5, 0.8, 1.0)]


@cache
def scenario(seed: int, difficulty: float) -> Scenario:
    return simulate(seed, difficulty=difficulty)


def dump(sc: Scenario) -> str:
    return json.dumps([a.document for a in sc.alerts], ensure_ascii=False)


# --------------------------------------------------------------------------- reproducibility


def test_same_arguments_give_identical_output() -> None:
    first, second = simulate(7, difficulty=0.7), simulate(7, difficulty=0.7)
    assert dump(first) == dump(second)
    assert first.labels() == second.labels()
    assert first.variants == second.variants
    assert [a.published_at for a in first.alerts] == [a.published_at for a in second.alerts]


def test_another_seed_gives_another_scenario() -> None:
    assert dump(simulate(7)) != dump(simulate(8))
    assert simulate(7).labels()["operations"] != simulate(8).labels()["operations"]


def test_output_does_not_depend_on_earlier_calls() -> None:
    alone = dump(simulate(3, difficulty=1.0))
    simulate(4, difficulty=0.2, operations=5)
    assert dump(simulate(3, difficulty=1.0)) == alone


# --------------------------------------------------------------------------- validity


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_line_passes_corridor_publish_validation(seed: int, difficulty: float) -> None:
    sc = scenario(seed, difficulty)
    for agency, documents in sc.by_agency().items():
        text = "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in documents)
        for raw in parse_alerts(text, f"alerts-{agency}.jsonl"):
            datum, personal = alert_from_json(raw.document)  # as corridor publish does
            check_alert(datum)
            assert personal is None
            assert datum["agency"] == agency


def test_a_large_scenario_is_valid_and_has_over_2000_alerts() -> None:
    sc = simulate(1, difficulty=0.5, operations=450, decoys=675)
    assert len(sc.labels()["alerts"]) >= 2000
    for line in sc.alerts:
        assert alert_problems(from_json(alert_schema().schema, line.document)) == []


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_alert_ids_follow_each_agency_format(difficulty: float) -> None:
    formats = {
        "PK-FIA": r"PK-FIA-2026-\d{6}",
        "PK-MOI": r"MOI/AHS/2026/\d{5}",
        "IR-BG": r"IRBG-1405-\d{4}",
        "TR-SG": r"TRSG/26/\d{4}",
        "GR-HCG": r"HCG-(LES|PYL|KAL|CHI|PIR)-\d{4}",
        "UNODC": r"UNODC\.SOM\.2026\.\d{4}",
        "IOM": r"IOM-DTM-2026-\d{5}",
        "EU-EUROPOL": r"EMSC:2026:\d{6}",
    }
    for alert in scenario(2, difficulty).alerts:
        assert re.fullmatch(formats[alert.agency], alert.document["alert_id"]), alert.key


def test_default_agencies_are_the_local_task_force() -> None:
    config = Path(__file__).parents[4] / "deploy" / "local" / "taskforce.toml"
    agencies = tomllib.loads(config.read_text("utf-8"))["agency"]
    assert tuple(a["id"] for a in agencies) == DEFAULT_AGENCIES


# --------------------------------------------------------------------------- labels


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_labels_agree_with_the_alerts(difficulty: float) -> None:
    sc = scenario(3, difficulty)
    labels = json.loads(json.dumps(sc.labels()))
    assert labels["format"] == LABELS_FORMAT
    assert (labels["seed"], labels["difficulty"]) == (3, difficulty)
    assert labels["records"] == len(sc.alerts)
    owner = {alert.key: alert.operation for alert in sc.alerts}
    assert labels["alerts"] == owner
    for alert in sc.alerts:
        assert alert.key == message_key(alert.agency, alert.document["alert_id"]).decode()
        assert labels["expected_deliveries"][alert.key] >= alert.document["revision"]
    assert set(labels["operations"]) == {op.operation for op in sc.operations}
    for op, keys in labels["operations"].items():
        assert keys == sorted(k for k, o in owner.items() if o == op)


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_every_operation_is_reported_by_two_to_four_agencies(difficulty: float) -> None:
    labels = scenario(4, difficulty).labels()
    assert len(labels["operations"]) == 40
    assert sum(op is None for op in labels["alerts"].values()) == 60
    for keys in labels["operations"].values():
        agencies = {key.split(":", 1)[0] for key in keys}
        assert 2 <= len(agencies) <= 4
        assert len(agencies) <= len(keys) <= 2 * len(agencies)  # follow-up alerts


def test_some_agencies_file_a_second_alert_on_a_later_leg() -> None:
    labels = scenario(4, 1.0).labels()
    repeated = [
        keys
        for keys in labels["operations"].values()
        if len(keys) > len({k.split(":", 1)[0] for k in keys})
    ]
    assert repeated


def test_reports_overlap_their_operation_give_or_take_the_clock_skew() -> None:
    sc = scenario(5, 1.0)
    truth = {op.operation: op for op in sc.operations}
    skew = dt.timedelta(hours=24, minutes=1)
    for alert in sc.alerts:
        if alert.operation is None:
            continue
        op = truth[alert.operation]
        seen_from = dt.datetime.fromisoformat(alert.document["observed_from"])
        seen_to = dt.datetime.fromisoformat(alert.document["observed_to"])
        assert seen_from <= seen_to
        assert seen_from < op.observed_to + skew and seen_to > op.observed_from - skew, alert.key


# --------------------------------------------------------------------------- dedupe material


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_duplicates_and_revisions_come_later(difficulty: float) -> None:
    sc = scenario(7, difficulty)
    first: dict[str, dict[str, Any]] = {}
    revised: set[str] = set()
    for line in sc.alerts:
        doc = line.document
        if line.kind == "original":
            assert line.key not in first
            first[line.key] = doc
        elif line.kind == "duplicate":
            assert doc == first[line.key]
            assert line.key not in revised
        elif line.kind == "revision":
            assert doc["revision"] == 2
            assert doc["issued_at"] > first[line.key]["issued_at"]
            revised.add(line.key)
        else:
            assert line.kind == "stale"
            assert doc == first[line.key] and line.key in revised
    times = [line.published_at for line in sc.alerts]
    assert times == sorted(times)


def test_dedupe_material_grows_with_difficulty() -> None:
    easy, middle, hard = (scenario(8, d).stats() for d in (0.0, 0.5, 1.0))
    assert middle.duplicates > 0 and middle.revisions > 0
    assert easy.stale == 0 < hard.stale
    assert easy.duplicates + easy.revisions < hard.duplicates + hard.revisions
    assert hard.records == hard.alerts + hard.duplicates + hard.revisions + hard.stale


# --------------------------------------------------------------------------- arguments


def test_a_subset_of_agencies_and_unknown_agencies() -> None:
    sc = simulate(9, operations=6, decoys=4, agencies=("PK-FIA", "TR-SG"))
    assert {a.agency for a in sc.alerts} <= {"PK-FIA", "TR-SG"}
    other = simulate(9, operations=6, decoys=4, agencies=("IT-GDF", "LY-CG", "IOM"))
    for alert in other.alerts:
        assert alert_problems(from_json(alert_schema().schema, alert.document)) == []


def test_empty_scenario() -> None:
    sc = simulate(1, operations=0, decoys=0)
    assert sc.alerts == ()
    assert sc.labels()["records"] == 0


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"difficulty": 1.5}, id="difficulty-high"),
        pytest.param({"difficulty": -0.1}, id="difficulty-low"),
        pytest.param({"difficulty": math.nan}, id="difficulty-nan"),
        pytest.param({"operations": -1}, id="negative-operations"),
        pytest.param({"decoys": -1}, id="negative-decoys"),
        pytest.param({"agencies": ("PK-FIA",)}, id="one-agency"),
        pytest.param({"agencies": ("PK-FIA", "PK-FIA")}, id="repeated-agency"),
        pytest.param({"agencies": ("PK-FIA", "pk fia")}, id="bad-agency"),
        pytest.param({"start": dt.datetime(2026, 11, 2)}, id="naive-start"),
    ],
)
def test_bad_arguments_are_rejected(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        simulate(1, **kwargs)


def test_write_puts_one_file_per_agency_and_the_labels(tmp_path: Path) -> None:
    sc = simulate(2, operations=5, decoys=5)
    paths = sc.write(tmp_path / "out")
    assert paths[-1].name == "labels.json"
    assert json.loads(paths[-1].read_text("utf-8")) == sc.labels()
    for path in paths[:-1]:
        agency = path.stem.removeprefix("alerts-")
        lines = path.read_text("utf-8").splitlines()
        assert [json.loads(line) for line in lines] == sc.by_agency()[agency]
    assert len(paths) - 1 == len(sc.by_agency())


def test_the_simulator_does_not_import_the_correlator() -> None:
    package = Path(__file__).parents[4] / "producers" / "simulation"
    for module in package.glob("*.py"):
        source = module.read_text("utf-8")
        assert not re.search(r"^\s*(from|import)\s+streams\b", source, re.M), module.name
