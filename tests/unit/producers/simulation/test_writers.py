"""The writers of phones, names and plates, one variant at a time (knobs forced to 0 or 1)."""

from __future__ import annotations

import dataclasses
import random
import re

import phonenumbers
import pytest

from producers.simulation.agencies import PROFILES, Profile
from producers.simulation.conveyances import Vehicle, write_plate
from producers.simulation.knobs import Dice, Knobs, knobs
from producers.simulation.names import Alias, strip_diacritics, typo, write_alias
from producers.simulation.phones import COUNTRIES, Phone, new_phone, write_phone

TURKISH = Phone("TR", "5321234567", True)


def desk(country: str | None, language: str = "en", style: str = "compact") -> Profile:
    return Profile(country, language, None, 4, "", style)


def dice(**rates: float) -> Dice:
    """Dice with every probability knob at 0 except those given."""
    zero = {f.name: 0.0 for f in dataclasses.fields(Knobs)}
    return Dice(random.Random(5), Knobs(**{**zero, **rates}))


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


@pytest.mark.parametrize(
    ("writer", "rates", "expected"),
    [
        pytest.param("TR", {}, "05321234567", id="home-number-national-with-trunk"),
        pytest.param("GR", {}, "+905321234567", id="foreign-number-e164"),
        pytest.param(None, {}, "+905321234567", id="international-body-e164"),
        pytest.param(
            "GR", {"phone_foreign_national": 1.0}, "05321234567", id="foreign-in-owners-national"
        ),
    ],
)
def test_phone_forms_by_writer(writer: str | None, rates: dict[str, float], expected: str) -> None:
    assert write_phone(dice(**rates), TURKISH, desk(writer)) == expected


def test_intl_prefix_is_00_or_bare_digits() -> None:
    d = dice(phone_intl_prefix=1.0)
    forms = {write_phone(d, TURKISH, desk("PK")) for _ in range(30)}
    assert forms == {"00905321234567", "905321234567"}


@pytest.mark.parametrize(
    ("agency", "expected"),
    [
        pytest.param("TR-SG", "0532 123 45 67", id="turkish-desk-spaces"),
        pytest.param("PK-FIA", "+90-532-123-45-67", id="pakistani-desk-dashes"),
        pytest.param("GR-HCG", "+905321234567", id="greek-desk-compact"),
    ],
)
def test_each_desk_writes_in_its_house_format(agency: str, expected: str) -> None:
    assert write_phone(dice(), TURKISH, PROFILES[agency]) == expected


def test_officers_depart_from_the_house_format_keeping_the_digits() -> None:
    d = dice(phone_off_house_style=1.0)
    forms = {write_phone(d, TURKISH, PROFILES["TR-SG"]) for _ in range(40)}
    assert "0532 123 45 67" not in forms
    assert forms == {"05321234567", "0532-123-45-67", "0532.123.45.67", "(0532) 123 45 67"}
    assert {digits(f) for f in forms} == {"05321234567"}


@pytest.mark.parametrize("language", ["ur", "fa"])
def test_eastern_digits_by_urdu_and_persian_writers(language: str) -> None:
    text = write_phone(dice(phone_eastern_digits=1.0), TURKISH, desk("PK", language))
    assert text == "+۹۰۵۳۲۱۲۳۴۵۶۷"
    greek = write_phone(dice(phone_eastern_digits=1.0), TURKISH, desk("GR", "el"))
    assert greek == "+905321234567"


def test_partial_numbers_lose_a_digit_or_end_in_xx() -> None:
    d = dice(phone_partial=1.0)
    forms = {write_phone(d, TURKISH, desk("TR")) for _ in range(30)}
    assert forms == {"0532123456", "05321234567"[:-2] + "xx"}


def test_typos_change_one_or_two_digits_after_the_prefix() -> None:
    d = dice(phone_typo=1.0)
    for _ in range(50):
        text = write_phone(d, TURKISH, desk("TR"))
        assert text != "05321234567" and len(text) == 11
        assert text.startswith("053")
        differing = sum(a != b for a, b in zip(text, "05321234567", strict=True))
        assert differing in (1, 2)


@pytest.mark.parametrize("country", sorted(COUNTRIES))
def test_new_numbers_are_valid_or_invalid_as_asked(country: str) -> None:
    rng = random.Random(country)
    for invalid in (False, True):
        phone = new_phone(rng, country, invalid)
        parsed = phonenumbers.parse(phone.e164)
        assert phonenumbers.is_valid_number(parsed) is not invalid
        assert phone.valid is not invalid


@pytest.mark.parametrize(
    ("word", "where", "which", "expected"),
    [
        pytest.param("Haddad", 0.0, 0.1, "Hadad", id="doubled-made-single"),
        pytest.param("Khan", 0.0, 0.9, "Kahn", id="transposed"),
        pytest.param("Omar", 0.0, 0.6, "Ommar", id="single-doubled"),
    ],
)
def test_name_typos(word: str, where: float, which: float, expected: str) -> None:
    assert typo(where, which, word) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("Ömer", "Omer", id="umlaut"),
        pytest.param("Yılmaz", "Yilmaz", id="dotless-i"),
        pytest.param("Hüseyin", "Huseyin", id="turkish-u"),
        pytest.param("Zāhedān", "Zahedan", id="macron"),
    ],
)
def test_diacritics_dropped(text: str, expected: str) -> None:
    assert strip_diacritics(text) == expected


ABDURRAHMAN = Alias(("abdul_rahman", "haddad"), None)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        pytest.param("ur", "Abdur Rehman Haddad", id="urdu-scheme"),
        pytest.param("tr", "Abdurrahman Haddat", id="turkish-scheme"),
        pytest.param("ar", "Abd al-Rahman Haddad", id="arabic-scheme"),
        pytest.param("en", "Abdul Rahman Haddad", id="international"),
    ],
)
def test_each_writer_uses_his_scheme(language: str, expected: str) -> None:
    assert write_alias(dice(), ABDURRAHMAN, language) == expected


def test_native_script_for_writers_of_that_script() -> None:
    d = dice(name_native_script=1.0)
    assert write_alias(d, ABDURRAHMAN, "fa") == "عبدالرحمن حداد"
    greek = write_alias(d, Alias(("nikolaos", "papadopoulos"), None), "el")
    assert greek == "Νικόλαος Παπαδόπουλος"
    assert write_alias(d, ABDURRAHMAN, "tr") == "Abdurrahman Haddat", "no native script for tr"


def test_compounds_joined_surname_first_and_honorifics() -> None:
    joined = write_alias(dice(name_compound=1.0), ABDURRAHMAN, "en")
    assert joined.split()[0] in ("Abdurrahman", "Abdulrahman", "Abdelrahman", "Abdurrehman", "Abd")
    assert write_alias(dice(name_surname_first=1.0), ABDURRAHMAN, "en") == "Haddad Abdul Rahman"
    assert write_alias(dice(name_honorific=1.0), ABDURRAHMAN, "ur") == "Haji Abdur Rehman Haddad"
    known = Alias(("umar", "khan"), "haji")
    assert write_alias(dice(name_honorific=1.0), known, "ur") == "Umar Khan"


PLATE = Vehicle("Ford Transit van", "TR", "34 ABK 1234", 0)


def test_plate_variants() -> None:
    assert write_plate(dice(), PLATE, "tr") == "34 ABK 1234"
    greek = write_plate(dice(plate_lookalike=1.0), PLATE, "el")
    assert greek == "34 ΑΒΚ 1234" and greek != "34 ABK 1234"
    assert write_plate(dice(plate_country_prefix=1.0), PLATE, "tr") == "TR 34 ABK 1234"
    spaced = write_plate(dice(plate_separators=1.0), PLATE, "tr")
    assert spaced in ("34ABK1234", "34-ABK-1234", "34 abk 1234")
    iranian = Vehicle("Saipa Pride", "IR", "12 B 345 67", 0)
    assert write_plate(dice(plate_persian_digits=1.0), iranian, "fa") == "۱۲ B ۳۴۵ ۶۷"


def test_knobs_at_zero_write_the_canonical_forms() -> None:
    assert knobs(0.0).phone_typo == 0.0
    assert write_phone(dice(), Phone("PK", "3001234567", True), desk("PK", "ur")) == "03001234567"
