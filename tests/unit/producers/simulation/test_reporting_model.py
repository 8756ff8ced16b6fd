"""The reporting model: each variant happens at its stated rate, and shows in what is written.

The rate tests read the simulator's own tally of draws; the other tests look only
at the alert text, with checks written here (never the correlator's normalisers).
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
from collections import defaultdict
from functools import cache
from typing import Any

import phonenumbers
import pytest

from producers.simulation import BUSY_PLACES, Scenario, knobs, simulate
from producers.simulation.gazetteer import PLACES, ROUTES
from producers.simulation.knobs import RANGES, SIZES, knob_names
from producers.simulation.name_table import WORDS

ARABIC = re.compile(r"[\u0600-\u06ff]")
GREEK = re.compile(r"[\u0370-\u03ff]")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
EASTERN_DIGITS = re.compile(r"[\u06f0-\u06f9]")


@cache
def scenario(difficulty: float, seed: int = 1, operations: int = 150) -> Scenario:
    return simulate(seed, difficulty=difficulty, operations=operations, decoys=operations * 3 // 2)


def first_lines(sc: Scenario) -> dict[str, Any]:
    """Each alert's first line (its revision 1)."""
    found: dict[str, Any] = {}
    for line in sc.alerts:
        found.setdefault(line.key, line)
    return found


def phones(sc: Scenario) -> list[tuple[str, str]]:
    """(agency, phone string) of every phone written in a phone field."""
    return [
        (line.agency, p)
        for line in first_lines(sc).values()
        for p in line.document["indicators"]["phone_numbers"]
    ]


def aliases(sc: Scenario) -> list[str]:
    return [
        a
        for line in first_lines(sc).values()
        for a in line.document["indicators"]["smuggler_aliases"]
    ]


# --------------------------------------------------------------------------- stated rates


@pytest.mark.parametrize("difficulty", [0.5, 1.0], ids=["difficulty-0.5", "difficulty-1.0"])
def test_every_variant_happens_at_its_stated_rate(difficulty: float) -> None:
    k = knobs(difficulty)
    tally = {v: (tried, hit) for v, tried, hit in scenario(difficulty).variants}
    for variant, (tried, hit) in tally.items():
        rate = getattr(k, variant)
        if tried < 40:
            continue
        spread = 4 * math.sqrt(rate * (1 - rate) / tried) + 0.01
        assert abs(hit / tried - rate) <= spread, (variant, tried, hit, rate)


def test_every_probability_knob_is_drawn() -> None:
    tally = {v: tried for v, tried, _ in scenario(1.0).variants}
    for name in knob_names():
        if name not in SIZES:
            assert tally.get(name, 0) >= 10, name


def test_knobs_run_from_their_easy_to_their_hard_value() -> None:
    assert set(RANGES) == set(knob_names())
    easy, middle, hard = knobs(0.0), knobs(0.5), knobs(1.0)
    for name, (low, high) in RANGES.items():
        assert getattr(easy, name) == pytest.approx(low)
        assert getattr(hard, name) == pytest.approx(high)
        assert getattr(middle, name) == pytest.approx((low + high) / 2)
    for name in ("phone_typo", "phone_partial", "name_typo", "plate_ocr", "vessel_digit_misread"):
        assert getattr(easy, name) == 0.0, "no typos at difficulty 0"


def test_no_typo_or_partial_number_at_difficulty_zero() -> None:
    tally = {v: hit for v, _, hit in scenario(0.0).variants}
    for variant in ("phone_typo", "phone_partial", "name_typo", "plate_ocr"):
        assert tally.get(variant, 0) == 0, variant
    assert not [p for _, p in phones(scenario(0.0)) if "x" in p]


# --------------------------------------------------------------------------- phones


def test_hard_phone_forms_appear_in_the_text() -> None:
    written = phones(scenario(1.0))
    texts = [p for _, p in written]
    assert any(p.endswith("xx") for p in texts), "partial numbers"
    assert any(EASTERN_DIGITS.search(p) for p in texts), "Urdu/Persian digits"
    assert any(p.startswith("00") for p in texts), "00 prefix"
    assert any(re.search(r"[().]", p) for p in texts), "parentheses and dots"
    handles = [
        h["handle"]
        for line in first_lines(scenario(1.0)).values()
        for h in line.document["indicators"]["messaging_handles"]
    ]
    assert any(h.startswith("wa.me/") for h in handles)


def _turkish_national(text: str) -> bool:
    return bool(re.fullmatch(r"05\d{9}", re.sub(r"[\s().-]", "", text)))


def test_foreign_numbers_in_their_owners_national_format_grow_with_difficulty() -> None:
    def share(sc: Scenario) -> float:
        outside = [p for agency, p in phones(sc) if agency not in ("TR-SG",)]
        return sum(_turkish_national(p) for p in outside) / len(outside)

    assert share(scenario(1.0)) > 2 * share(scenario(0.0)) > 0


def test_networks_use_numbers_libphonenumber_calls_invalid() -> None:
    invalid = 0
    for _, text in phones(scenario(1.0)):
        if text.startswith("+") and text[1:].isdigit():
            invalid += not phonenumbers.is_valid_number(phonenumbers.parse(text))
    assert invalid > 0


# --------------------------------------------------------------------------- names


def test_names_arrive_in_native_scripts_and_many_romanisations() -> None:
    written = aliases(scenario(1.0))
    assert any(ARABIC.search(a) for a in written)
    assert any(GREEK.search(a) for a in written)
    assert any(re.search(r"\b[A-Z]{3,}\b", a) for a in written), "surname in capitals"
    equivalents = {e for w in WORDS.values() for e in w.equivalents}
    assert any(set(a.split()) & equivalents for a in written), "Joseph for Yusuf, Nikos..."


def test_one_name_is_written_several_ways() -> None:
    spellings: dict[str, set[str]] = defaultdict(set)
    for word in WORDS.values():
        for spelling in (*word.spellings(), *word.joined):
            spellings[word.key].add(spelling)
    seen: dict[str, set[str]] = defaultdict(set)
    for alias in aliases(scenario(1.0)):
        for key, forms in spellings.items():
            seen[key] |= {f for f in forms if re.search(rf"(^|\s){re.escape(f)}($|\s)", alias)}
    assert sum(len(forms) >= 3 for forms in seen.values()) >= 5


def test_common_names_are_carried_by_decoys_and_operations_alike() -> None:
    sc = scenario(1.0)
    khans = {
        line.operation
        for line in first_lines(sc).values()
        for a in line.document["indicators"]["smuggler_aliases"]
        if re.search(r"kh?a+n\b|χαν|خان", a.casefold())
    }
    assert None in khans and len(khans) > 3


# --------------------------------------------------------------------------- plates, places


def test_plates_with_look_alike_letters() -> None:
    plates = [
        c["registration"]
        for line in first_lines(scenario(1.0)).values()
        for c in line.document["conveyances"]
        if c["kind"] == "VEHICLE"
    ]
    assert any(GREEK.search(p) or CYRILLIC.search(p) for p in plates)


def test_exonyms_and_old_names_grow_with_difficulty() -> None:
    old = {n for names in PLACES.values() for group in names.old.values() for n in group}

    def count(sc: Scenario) -> int:
        return sum(
            w["place_name"] in old
            for line in first_lines(sc).values()
            for w in line.document["route"]
        )

    assert count(scenario(1.0)) > 2 * count(scenario(0.0)) > 0


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    d_lat = (lat1 - lat2) * 111.32
    d_lon = (lon1 - lon2) * 111.32 * math.cos(math.radians(lat2))
    return math.hypot(d_lat, d_lon)


def test_waypoints_point_near_the_place_but_not_at_one_grid_point() -> None:
    places = {(p[2], p[3]) for route in ROUTES.values() for p in route}
    for difficulty in (0.0, 1.0):
        errors = [
            min(_km(w["lat"], w["lon"], lat, lon) for lat, lon in places)
            for line in first_lines(scenario(difficulty)).values()
            for w in line.document["route"]
        ]
        assert max(errors) < 20.0
        assert sum(e > 1.0 for e in errors) > len(errors) // 3, "landmarks a few km apart"


# --------------------------------------------------------------------------- time and decoys


def _window(line: Any) -> tuple[dt.datetime, dt.datetime]:
    doc = line.document
    return dt.datetime.fromisoformat(doc["observed_from"]), dt.datetime.fromisoformat(
        doc["observed_to"]
    )


def test_legs_of_one_operation_are_observed_days_to_weeks_apart() -> None:
    by_op: dict[str, list[Any]] = defaultdict(list)
    for line in first_lines(scenario(1.0)).values():
        if line.operation is not None:
            by_op[line.operation].append(line)
    gaps = [
        abs(_window(a)[0] - _window(b)[0])
        for lines in by_op.values()
        for a, b in itertools.combinations(lines, 2)
    ]
    assert max(gaps) > dt.timedelta(days=10)
    crossing = [
        (a, b)
        for lines in by_op.values()
        for a, b in itertools.combinations(lines, 2)
        if _window(a)[1].isocalendar()[:2] != _window(b)[0].isocalendar()[:2]
        and abs(_window(b)[0] - _window(a)[1]) < dt.timedelta(days=1)
    ]
    assert crossing, "reports a day apart across an ISO-week boundary"


def test_decoys_crowd_the_busy_places_and_the_hotlines() -> None:
    sc = scenario(0.5)
    decoys = [line for line in first_lines(sc).values() if line.operation is None]
    hotline = [
        d
        for d in decoys
        if any(
            re.sub(r"\D", "", p.translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789"))).endswith(tail)
            for p in d.document["indicators"]["phone_numbers"]
            for tail in ("234411", "449120")
        )
    ]
    assert len(hotline) >= len(decoys) // 4
    busy = {(p[2], p[3]) for points in ROUTES.values() for p in points if p[0] in BUSY_PLACES}
    at_busy = [
        d
        for d in decoys
        if any(_km(w["lat"], w["lon"], *b) < 20 for w in d.document["route"] for b in busy)
    ]
    assert len(at_busy) >= len(decoys) // 2


def test_difficulty_reduces_the_links_an_exact_string_match_finds() -> None:
    def exact_share(sc: Scenario) -> float:
        strings = {
            key: {
                *line.document["indicators"]["phone_numbers"],
                *line.document["indicators"]["smuggler_aliases"],
                *(h["handle"] for h in line.document["indicators"]["messaging_handles"]),
            }
            for key, line in first_lines(sc).items()
        }
        ops = sc.labels()["operations"].values()
        pairs = [(a, b) for keys in ops for a, b in itertools.combinations(keys, 2)]
        return sum(bool(strings[a] & strings[b]) for a, b in pairs) / len(pairs)

    assert exact_share(scenario(0.0)) > exact_share(scenario(1.0)) + 0.2
