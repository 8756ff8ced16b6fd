"""Simulated correlation scenarios: reproducible, valid, labelled truthfully, harder when asked."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import json
import math
import re
import tomllib
from collections import defaultdict
from functools import cache
from pathlib import Path
from typing import Any

import phonenumbers
import pytest

from producers import simulation
from producers.scenarios import ROUTES
from producers.simulation import (
    BUSY_PLACES,
    DEFAULT_AGENCIES,
    GENERIC_ALIASES,
    HOTLINES,
    LABELS_FORMAT,
    Scenario,
    knobs,
    simulate,
)
from schemas.catalog import alert_schema
from schemas.json_mapping import from_json
from schemas.topics import message_key
from schemas.validation import check_alert
from streams.indicators import Indicator, alert_indicators
from streams.names import name_key

COMMON = frozenset(
    {Indicator("phone", p) for p in HOTLINES.values()}
    | {Indicator("alias", name_key(a)) for a in GENERIC_ALIASES}
)
DIFFICULTIES = [pytest.param(d, id=f"difficulty-{d}") for d in (0.0, 0.5, 1.0)]


@cache
def scenario(seed: int, difficulty: float) -> Scenario:
    return simulate(seed, difficulty=difficulty)


def datum(document: dict[str, Any]) -> dict[str, Any]:
    return from_json(alert_schema().schema, document)


def indicators(sc: Scenario) -> dict[str, set[Indicator]]:
    """Normalised identifiers of each distinct alert (its first line)."""
    found: dict[str, set[Indicator]] = {}
    for alert in sc.alerts:
        found.setdefault(alert.key, alert_indicators(datum(alert.document)))
    return found


def owners(sc: Scenario) -> dict[str, str | None]:
    return {alert.key: alert.operation for alert in sc.alerts}


def dump(sc: Scenario) -> str:
    return json.dumps([a.document for a in sc.alerts], ensure_ascii=False)


# --------------------------------------------------------------------------- reproducibility


def test_same_arguments_give_identical_output() -> None:
    first, second = simulate(7, difficulty=0.7), simulate(7, difficulty=0.7)
    assert dump(first) == dump(second)
    assert first.labels() == second.labels()
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
def test_every_document_passes_validation(difficulty: float) -> None:
    for alert in scenario(1, difficulty).alerts:
        check_alert(datum(alert.document))
        assert alert.document["agency"] == alert.agency


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_alert_ids_follow_each_agency_format(difficulty: float) -> None:
    formats = {
        "PK-FIA": r"PK-FIA-2026-\d{6}",
        "PK-MOI": r"MOI/AHS/2026/\d{5}",
        "IR-BG": r"IRBG-1405-\d{4}",
        "TR-SG": r"TRSG/26/\d{4}",
        "GR-HCG": r"HCG-(LES|PYL|KAL|PIR)-\d{4}",
        "UNODC": r"UNODC\.SOM\.2026\.\d{4}",
        "IOM": r"IOM-DTM-2026-\d{5}",
        "EU-EUROPOL": r"EMSC:2026:\d{6}",
    }
    for alert in scenario(2, difficulty).alerts:
        assert re.fullmatch(formats[alert.agency], alert.document["alert_id"]), alert.key


def test_hotlines_are_valid_numbers() -> None:
    for number in HOTLINES.values():
        assert phonenumbers.is_valid_number(phonenumbers.parse(number))


def test_default_agencies_are_the_local_task_force() -> None:
    config = Path(__file__).parents[3] / "deploy" / "local" / "taskforce.toml"
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
    owner = owners(sc)
    assert labels["alerts"] == owner
    for alert in sc.alerts:
        assert alert.key == message_key(alert.agency, alert.document["alert_id"]).decode()
        assert labels["expected_deliveries"][alert.key] >= alert.document["revision"]
    assert set(labels["operations"]) == {op.operation for op in sc.operations}
    for op, keys in labels["operations"].items():
        assert keys == sorted(k for k, o in owner.items() if o == op)


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_every_operation_is_reported_by_two_to_four_agencies(difficulty: float) -> None:
    sc = scenario(4, difficulty)
    labels = sc.labels()
    assert len(labels["operations"]) == 40
    assert sum(op is None for op in labels["alerts"].values()) == 60
    for keys in labels["operations"].values():
        agencies = {key.split(":", 1)[0] for key in keys}
        assert 2 <= len(agencies) == len(keys) <= 4


def test_reports_overlap_the_real_window() -> None:
    sc = scenario(5, 1.0)
    truth = {op.operation: op for op in sc.operations}
    for alert in sc.alerts:
        if alert.operation is None:
            continue
        op = truth[alert.operation]
        seen_from = dt.datetime.fromisoformat(alert.document["observed_from"])
        seen_to = dt.datetime.fromisoformat(alert.document["observed_to"])
        assert seen_from <= seen_to
        assert seen_from < op.observed_to and seen_to > op.observed_from, alert.key
        places = [w["country"] for w in alert.document["route"]]
        assert places, alert.key


# --------------------------------------------------------------------------- identifiers


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_unrelated_alerts_share_only_common_values(seed: int, difficulty: float) -> None:
    sc = scenario(seed, difficulty)
    found, owner = indicators(sc), owners(sc)
    for a, b in itertools.combinations(sorted(found), 2):
        if owner[a] is not None and owner[a] == owner[b]:
            continue
        assert not (found[a] & found[b]) - COMMON, (a, b, owner[a], owner[b])


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_every_report_shares_an_identifier_with_its_operation(seed: int, difficulty: float) -> None:
    sc = scenario(seed, difficulty)
    found = indicators(sc)
    for keys in sc.labels()["operations"].values():
        for key in keys:
            others = set().union(*(found[k] for k in keys if k != key))
            assert (found[key] & others) - COMMON, key


def test_decoys_share_the_hotline_and_busy_places() -> None:
    sc = scenario(6, 0.5)
    found, owner = indicators(sc), owners(sc)
    decoys = [k for k, op in owner.items() if op is None]
    hotline = {Indicator("phone", p) for p in HOTLINES.values()}
    with_hotline = [k for k in decoys if found[k] & hotline]
    assert len(with_hotline) >= len(decoys) // 4
    assert any(found[k] & hotline for k, op in owner.items() if op is not None)
    busy = {(p[2], p[3]) for points in ROUTES.values() for p in points if p[0] in BUSY_PLACES}
    first = {a.key: a.document for a in reversed(sc.alerts)}
    at_busy = [k for k in decoys if any(_near(w, busy) for w in first[k]["route"])]
    assert len(at_busy) >= len(decoys) // 2


def _near(waypoint: dict[str, Any], places: set[tuple[float, float]]) -> bool:
    return any(_km(waypoint["lat"], waypoint["lon"], lat, lon) < 15 for lat, lon in places)


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    d_lat = (lat1 - lat2) * 111.32
    d_lon = (lon1 - lon2) * 111.32 * math.cos(math.radians(lat2))
    return math.hypot(d_lat, d_lon)


def _strong_sharing(sc: Scenario) -> float:
    """Share of same-operation report pairs that have a strong identifier in common."""
    found = indicators(sc)
    pairs = shared = 0
    for keys in sc.labels()["operations"].values():
        for a, b in itertools.combinations(keys, 2):
            pairs += 1
            shared += any(i.kind != "alias" for i in (found[a] & found[b]) - COMMON)
    return shared / pairs


def _hard_values(sc: Scenario) -> int:
    """Identifier strings that do not normalise to anything another alert has."""
    found = indicators(sc)
    counts: dict[Indicator, int] = defaultdict(int)
    for values in found.values():
        for value in values:
            counts[value] += 1
    return sum(count == 1 for count in counts.values())


def test_difficulty_reduces_shared_strong_identifiers() -> None:
    easy = sum(_strong_sharing(scenario(s, 0.0)) for s in (1, 2, 3)) / 3
    hard = sum(_strong_sharing(scenario(s, 1.0)) for s in (1, 2, 3)) / 3
    assert easy > 0.95
    assert hard < easy - 0.25


def test_difficulty_spreads_coordinates_and_generic_aliases() -> None:
    points = {(p[2], p[3]) for route in ROUTES.values() for p in route}

    def errors(sc: Scenario) -> list[float]:
        return [
            min(_km(w["lat"], w["lon"], lat, lon) for lat, lon in points)
            for a in sc.alerts
            for w in a.document["route"]
        ]

    easy, hard = errors(scenario(1, 0.0)), errors(scenario(1, 1.0))
    assert max(easy) < 1.5
    assert max(hard) < 9.0
    assert sum(hard) / len(hard) > 3 * sum(easy) / len(easy)

    def generic(sc: Scenario) -> int:
        return sum(
            alias in GENERIC_ALIASES
            for a in sc.alerts
            for alias in a.document["indicators"]["smuggler_aliases"]
        )

    assert generic(scenario(1, 0.0)) == generic(scenario(1, 0.5)) == 0
    assert generic(scenario(1, 1.0)) > 10


def test_knobs_move_the_right_way() -> None:
    easy, hard = knobs(0.0), knobs(1.0)
    falling = {"keep_identifier"}
    for field in dataclasses.fields(easy):
        low, high = getattr(easy, field.name), getattr(hard, field.name)
        if field.name in falling:
            assert low > high, field.name
        else:
            assert low <= high, field.name
    assert easy.hard_variant == easy.generic_alias == easy.stale == 0.0


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
            assert doc["estimated_persons"] != first[line.key]["estimated_persons"]
            revised.add(line.key)
        else:
            assert line.kind == "stale"
            assert doc == first[line.key] and line.key in revised
    times = [line.published_at for line in sc.alerts]
    assert times == sorted(times)


def test_dedupe_material_grows_with_difficulty() -> None:
    easy, middle, hard = (scenario(8, d).stats() for d in (0.0, 0.5, 1.0))
    assert middle.duplicates > 0 and middle.revisions > 0
    assert easy.stale == middle.stale == 0 < hard.stale
    assert easy.duplicates + easy.revisions < hard.duplicates + hard.revisions
    assert hard.records == hard.alerts + hard.duplicates + hard.revisions + hard.stale


# --------------------------------------------------------------------------- names


def _tokens() -> list[simulation._Token]:
    seen: dict[str, simulation._Token] = {}
    for table in simulation._NAMES.values():
        for token in (*table.honorifics, *table.given, *table.surnames):
            seen[token.latin[0]] = token
    seen[simulation._ABU.latin[0]] = simulation._ABU
    return list(seen.values())


@pytest.mark.parametrize("token", _tokens(), ids=lambda t: t.latin[0])
def test_name_variants_are_classified_by_the_name_key(token: simulation._Token) -> None:
    canonical = name_key(token.latin[0])
    for spelling in token.latin:
        assert name_key(spelling) == canonical, spelling
    if token.script is not None:
        assert (name_key(token.script) == canonical) == token.script_easy, token.script
    for spelling in token.hard:
        assert name_key(spelling) != canonical, spelling


def test_name_tokens_never_meet_another_token() -> None:
    owners_of: dict[str, str] = {}
    for token in _tokens():
        spellings = [*token.latin, *token.hard, *([token.script] if token.script else [])]
        for key in {name_key(s) for s in spellings} - {""}:
            assert owners_of.setdefault(key, token.latin[0]) == token.latin[0], key
    for alias in GENERIC_ALIASES:
        assert owners_of.get(name_key(alias), alias) == alias


# --------------------------------------------------------------------------- arguments


def test_a_subset_of_agencies_and_unknown_agencies() -> None:
    sc = simulate(9, operations=6, decoys=4, agencies=("PK-FIA", "TR-SG"))
    assert {a.agency for a in sc.alerts} <= {"PK-FIA", "TR-SG"}
    for keys in sc.labels()["operations"].values():
        assert len(keys) == 2
    other = simulate(9, operations=6, decoys=4, agencies=("IT-GDF", "LY-CG", "IOM"))
    for alert in other.alerts:
        check_alert(datum(alert.document))


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
