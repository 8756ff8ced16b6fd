"""Identifiers as written: phones, handles, payments, plates, IMO and MMSI meet across spellings."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streams.indicators import (
    Indicator,
    alert_indicators,
    imo_digits,
    normalise_handle,
    normalise_payment,
    normalise_phone,
    normalise_plate,
)

PK_MOBILE = "3001234567"


@pytest.mark.parametrize(
    ("raw", "regions"),
    [
        pytest.param("0300 1234567", ["PK"], id="pk-national-trunk-0"),
        pytest.param("+92 300 1234567", [], id="international-plus"),
        pytest.param("0092-300-1234567", ["PK"], id="international-00"),
        pytest.param("00923001234567", ["TR"], id="dialled-from-turkey"),
        pytest.param("+92 (0) 300 123 4567", [], id="plus-with-trunk-in-brackets"),
        pytest.param("+920300-1234567", [], id="plus-with-stray-trunk"),
        pytest.param("92 300 1234567", ["PK", "IR"], id="country-code-without-plus"),
        pytest.param("300.123.4567", ["GR"], id="bare-national-dots"),
        pytest.param("0300 1234567", ["GR", "TR"], id="agency-country-wrong"),
        pytest.param("Tel: +92 300 1234567", [], id="labelled"),
    ],
)
def test_phone_spellings_give_the_same_digits(raw: str, regions: list[str]) -> None:
    phone = normalise_phone(raw, regions)
    assert phone is not None
    assert phone.value == PK_MOBILE


@pytest.mark.parametrize(
    ("raw", "regions", "digits"),
    [
        # libphonenumber calls these invalid (unassigned range, one digit short): still evidence.
        pytest.param("+92 399 1234567", [], "3991234567", id="unassigned-range"),
        pytest.param("0300 123456", ["PK"], "300123456", id="one-digit-short"),
        pytest.param("+30 210 523 44", [], "21052344", id="partial-greek-landline"),
    ],
)
def test_numbers_libphonenumber_rejects_are_kept(raw: str, regions: list[str], digits: str) -> None:
    phone = normalise_phone(raw, regions)
    assert phone is not None and phone.value == digits


def test_national_number_of_unclear_country_keeps_its_candidates() -> None:
    phone = normalise_phone("0532 123 45 67", ["TR", "GR", "PK"])
    assert phone is not None
    assert phone.value == "5321234567"
    assert set(phone.context.split(",")) >= {"90"}
    assert len(phone.context.split(",")) >= 2, "not silently assigned one country"


def test_explicit_country_code_is_the_only_candidate() -> None:
    phone = normalise_phone("+90 532 123 45 67", ["PK"])
    assert phone == Indicator("phone", "5321234567", "90")


@pytest.mark.parametrize(
    "raw",
    [pytest.param("12", id="too-short"), pytest.param("hotline", id="not-a-number")],
)
def test_fragments_are_not_phones(raw: str) -> None:
    assert normalise_phone(raw, ["PK"]) is None


@pytest.mark.parametrize(
    ("handle", "expected"),
    [
        pytest.param("@Route_Europe", "routeeurope", id="at-sign-and-case"),
        pytest.param("https://t.me/route_europe", "routeeurope", id="telegram-url"),
        pytest.param("t.me/Route.Europe/", "routeeurope", id="bare-url-dots"),
        pytest.param("https://www.tiktok.com/@Europe.Jobs.24/", "europejobs24", id="tiktok-url"),
        pytest.param("facebook.com/europe.jobs?ref=share", "europejobs", id="facebook-query"),
        pytest.param("Europe Jobs", "europejobs", id="display-name"),
        pytest.param("instagram.com/europe_jobs", "europejobs", id="instagram-url"),
        pytest.param("telegram: @europe_jobs", "europejobs", id="platform-label"),
    ],
)
def test_handles(handle: str, expected: str) -> None:
    assert normalise_handle(handle) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("qa-1234", "QA1234", id="dash-lower-case"),
        pytest.param("QA 1234", "QA1234", id="space"),
        pytest.param("QА 1234", "QA1234", id="cyrillic-a"),  # noqa: RUF001
        pytest.param("ΙΚΜ-4521", "IKM4521", id="greek-look-alikes"),  # noqa: RUF001
        pytest.param("34 ВК 771", "34BK771", id="cyrillic-ve-ka"),  # noqa: RUF001
        pytest.param("34.bk.771", "34BK771", id="dots"),
    ],
)
def test_plates(raw: str, expected: str) -> None:
    assert normalise_plate(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("PK36 SCBL 0000 0011 2345 6702", "pk36scbl0000001123456702", id="iban-spaced"),
        pytest.param("pk36-scbl-0000-0011-2345-6702", "pk36scbl0000001123456702", id="iban-dashed"),
        pytest.param("Al-Madina Exchange, Quetta", "almadinaexchangequetta", id="hawala-name"),
        pytest.param(
            "IBAN: PK36 SCBL 0000 0011 2345 6702", "pk36scbl0000001123456702", id="iban-label"
        ),
    ],
)
def test_payments(raw: str, expected: str) -> None:
    assert normalise_payment(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("9074729", "907472", id="seven-digits"),
        pytest.param("IMO 9074729", "907472", id="with-prefix"),
        pytest.param("907472", "907472", id="without-check-digit"),
        pytest.param("12345", None, id="too-short"),
    ],
)
def test_imo_numbers(raw: str, expected: str | None) -> None:
    assert imo_digits(raw) == expected


def _alert(
    agency: str, conveyance: dict[str, Any] | None = None, **indicators: Any
) -> dict[str, Any]:
    base = {
        "phone_numbers": [],
        "messaging_handles": [],
        "social_media_handles": [],
        "payment_channels": [],
        "smuggler_aliases": [],
    }
    base.update(indicators)
    vessel = {
        "kind": "VESSEL",
        "name": None,
        "imo": None,
        "mmsi": "463012345",
        "registration": None,
    }
    return {
        "agency": agency,
        "route": [{"country": "PK"}, {"country": "IR"}, {"country": "TR"}],
        "conveyances": [conveyance or vessel],
        "indicators": base,
    }


def test_two_agencies_writing_the_same_network_differently_share_indicators() -> None:
    fia = _alert(
        "PK-FIA",
        phone_numbers=["0300 1234567"],
        messaging_handles=[{"platform": "whatsapp", "handle": "+92 321 5550123"}],
        payment_channels=[{"method": "HAWALA", "identifier": "Al-Madina Exchange"}],
    )
    tcg = _alert(
        "TR-SG",
        phone_numbers=["0092 300 123 4567"],
        messaging_handles=[{"platform": "WhatsApp", "handle": "wa.me/923215550123"}],
        payment_channels=[{"method": "BANK_TRANSFER", "identifier": "al madina exchange"}],
    )
    values = {(i.kind, i.value) for i in alert_indicators(fia)}
    shared = values & {(i.kind, i.value) for i in alert_indicators(tcg)}
    assert shared == {
        ("phone", "3001234567"),
        ("phone", "3215550123"),
        ("mmsi", "463012345"),
        ("agent", "almadinaexchange"),
    }


def test_imo_written_in_the_vessel_name_is_found() -> None:
    vessel = {
        "kind": "VESSEL",
        "name": "MV Sea Star (IMO 9074729)",
        "imo": None,
        "mmsi": None,
        "registration": None,
    }
    found = alert_indicators(_alert("GR-HCG", conveyance=vessel))
    assert Indicator("imo", "907472") in found


def test_several_numbers_in_one_field_are_all_kept() -> None:
    alert = _alert(
        "PK-FIA", phone_numbers=["0300 1234567 / 0321-7654321", "0333 1112223 or 0345 9998887"]
    )
    phones = {i.value for i in alert_indicators(alert) if i.kind == "phone"}
    assert phones == {"3001234567", "3217654321", "3331112223", "3459998887"}


@given(st.text(max_size=60), st.lists(st.sampled_from(["PK", "TR", "GR", "ZZ", "XK"]), max_size=3))
def test_any_text_in_any_field_normalises_without_error(text: str, regions: list[str]) -> None:
    phone = normalise_phone(text, regions)
    assert phone is None or phone.value.isdigit()
    assert normalise_handle(text).isalnum() or normalise_handle(text) == ""
    assert normalise_payment(text) == normalise_payment(normalise_payment(text))
    assert normalise_plate(text) == normalise_plate(normalise_plate(text))
    assert imo_digits(text) is None or len(imo_digits(text) or "") == 6
