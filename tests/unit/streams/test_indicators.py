"""Normalising strong identifiers across national formats and spellings."""

from __future__ import annotations

from typing import Any

import pytest

from streams.indicators import (
    Indicator,
    alert_indicators,
    normalise_handle,
    normalise_payment,
    normalise_phone,
    normalise_plate,
)


@pytest.mark.parametrize(
    ("raw", "regions", "expected"),
    [
        pytest.param("0300 1234567", ["PK"], "+923001234567", id="pk-national"),
        pytest.param("+92 300 1234567", [], "+923001234567", id="international"),
        pytest.param("0092-300-1234567", ["PK"], "+923001234567", id="pk-00-prefix"),
        pytest.param("00923001234567", ["TR"], "+923001234567", id="dialled-from-turkey"),
        pytest.param("0532 123 45 67", ["TR"], "+905321234567", id="tr-national"),
        pytest.param("694 123 4567", ["GR"], "+306941234567", id="gr-national"),
        pytest.param("0300 1234567", ["GR", "PK"], "+923001234567", id="second-region"),
        pytest.param("12", ["PK"], None, id="too-short"),
        pytest.param("hotline", ["PK"], None, id="not-a-number"),
    ],
)
def test_phones_become_e164(raw: str, regions: list[str], expected: str | None) -> None:
    assert normalise_phone(raw, regions) == expected


@pytest.mark.parametrize(
    ("platform", "handle", "expected"),
    [
        ("Telegram", "@Route_Europe", "telegram:route_europe"),
        ("telegram", "https://t.me/route_europe", "telegram:route_europe"),
        ("TikTok", "https://www.tiktok.com/@Europe.Jobs.24/", "tiktok:europe.jobs.24"),
        ("facebook", "facebook.com/europe.jobs", "facebook:europe.jobs"),
    ],
)
def test_handles(platform: str, handle: str, expected: str) -> None:
    assert normalise_handle(platform, handle) == expected


def test_plates_and_payments() -> None:
    assert normalise_plate("qa-1234") == normalise_plate("QA 1234") == "QA1234"
    assert normalise_payment("BANK_TRANSFER", "PK36 SCBL 0000") == "BANK_TRANSFER:pk36scbl0000"
    assert normalise_payment("CRYPTO", "1BoatSLRHt") == "CRYPTO:1BoatSLRHt"


def _alert(agency: str, **indicators: Any) -> dict[str, Any]:
    base = {
        "phone_numbers": [],
        "messaging_handles": [],
        "social_media_handles": [],
        "payment_channels": [],
        "smuggler_aliases": [],
    }
    base.update(indicators)
    return {
        "agency": agency,
        "route": [{"country": "PK"}, {"country": "IR"}, {"country": "TR"}],
        "conveyances": [
            {"kind": "VESSEL", "imo": None, "mmsi": "463012345", "registration": None},
        ],
        "indicators": base,
    }


def test_two_agencies_writing_the_same_network_differently_share_indicators() -> None:
    fia = _alert(
        "PK-FIA",
        phone_numbers=["0300 1234567"],
        smuggler_aliases=["Haji Baloch"],
        messaging_handles=[{"platform": "whatsapp", "handle": "+92 321 5550123"}],
    )
    tcg = _alert(
        "TR-SG",
        phone_numbers=["0092 300 123 4567"],
        smuggler_aliases=["Hajji Balouch"],
        messaging_handles=[{"platform": "WhatsApp", "handle": "0321-5550123"}],
    )
    shared = alert_indicators(fia) & alert_indicators(tcg)
    assert Indicator("phone", "+923001234567") in shared
    assert Indicator("phone", "+923215550123") in shared
    assert Indicator("mmsi", "463012345") in shared
    assert any(i.kind == "alias" for i in shared)
