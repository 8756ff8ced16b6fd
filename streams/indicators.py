"""Identifiers of an alert as written, normalised so that different agencies' spellings meet.

Normalisation keeps evidence rather than validating it away:

* phones become their *national significant digits* (formatting, ``+``/``00``
  international prefix, country code and trunk ``0`` stripped). libphonenumber
  is asked only which country codes are plausible: a number it calls invalid or
  partial still yields its digits, and a national-format number keeps every
  candidate country (the agency's, the route's) instead of one guessed country;
* handles lose URL forms, ``@``, case and the separators of display names;
* payment ids lose separators and case;
* plates lose separators; Cyrillic and Greek letters that look like Latin ones
  become those Latin letters (what an officer copying a plate actually wrote);
* IMO numbers keep their six significant digits (prefix and check digit
  optional, also found in a conveyance's name or registration), MMSIs nine.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import phonenumbers

_URL_PREFIX = re.compile(
    r"^(https?://)?(www\.|m\.)?(t\.me|telegram\.me|telegram\.dog|wa\.me|api\.whatsapp\.com|"
    r"facebook\.com|fb\.com|instagram\.com|tiktok\.com|x\.com|twitter\.com|signal\.me)/+"
    r"(#/p/|s/|@)?",
    re.IGNORECASE,
)
_QUERY = re.compile(r"[?#].*$")
#: Several numbers in one field: "0300 1234567 / 0321 7654321", "..., ...", "... or ...".
_PHONE_LIST = re.compile(r"\s*(?:[,;]|\s/\s|\s(?:or|ya|yaa|ve|veya|ή|και|و)\s)\s*", re.IGNORECASE)
#: Labels officers put before a handle ("telegram: @x") or a payment id ("IBAN", "A/C No.").
_HANDLE_LABEL = re.compile(
    r"^\s*(telegram|whatsapp|signal|viber|imo|instagram|facebook|fb|tiktok|tg|wa)"
    r"(\s*[:#]\s*|\s+(?=@))",
    re.IGNORECASE,
)
_PAYMENT_LABEL = re.compile(
    r"^\s*(iban|acct|account(\s+no)?|a/c(\s+no)?|wallet|address)\b\s*[:#.\-]*\s*",
    re.IGNORECASE,
)
_ALNUM = re.compile(r"[^0-9a-z]+")
_PHONE_LIKE = re.compile(r"^[+0-9][0-9 ()\-./]{5,}$")
_PHONE_PLATFORMS = {"whatsapp", "signal", "imo", "viber", "telegram", "phone", "sms"}
_IMO_TEXT = re.compile(r"\bIMO[\s:#.\-]*([0-9]{6,7})\b", re.IGNORECASE)
_MMSI_TEXT = re.compile(r"\bMMSI[\s:#.\-]*([0-9]{9})\b", re.IGNORECASE)
#: Cyrillic and Greek capitals that look like Latin ones, as found on plates copied by hand.
_LOOKALIKES = str.maketrans(
    # Cyrillic A, Ve, Ie, Ka, Em, En, O, Er, Es, Te, U, Ha, I, Je, Dze
    "\u0410\u0412\u0415\u041a\u041c\u041d\u041e\u0420\u0421\u0422\u0423\u0425\u0406\u0408\u0405"
    # Greek Alpha, Beta, Epsilon, Zeta, Eta, Iota, Kappa, Mu, Nu, Omicron, Rho, Tau, Upsilon, Chi
    "\u0391\u0392\u0395\u0396\u0397\u0399\u039a\u039c\u039d\u039f\u03a1\u03a4\u03a5\u03a7",
    "ABEKMHOPCTYXIJSABEZHIKMNOPTYX",
)
#: Shortest digit string kept as a phone (shorter is an extension or a fragment).
MIN_PHONE_DIGITS = 6


@dataclass(frozen=True, order=True)
class Indicator:
    """One normalised identifier."""

    kind: str
    """``phone``, ``handle``, ``payment``, ``agent``, ``imo``, ``mmsi``, ``plate``."""
    value: str
    """Normalised value; equal values mean the same identifier as written."""
    context: str = ""
    """Phones: candidate country calling codes, comma-separated ("" when unknown);
    handles: ``page`` for a social-media page, "" for a messaging account."""


def _calling_code(region: str) -> int:
    return phonenumbers.country_code_for_region(region)


def normalise_phone(raw: str, regions: Iterable[str] = ()) -> Indicator | None:
    """National significant digits of ``raw`` and the country codes it may belong to."""
    start = re.search(r"[+0-9]", raw)
    text = raw[start.start() :].strip() if start else ""
    digits = re.sub(r"[^0-9]", "", text)
    international = text.startswith("+") or digits.startswith("00")
    if digits.startswith("00"):
        digits = digits[2:]
    codes: set[int] = set()
    national = digits
    if international:
        try:
            number = phonenumbers.parse("+" + digits, None)
            code = int(number.country_code or 0)
            codes = {code}
            national = digits[len(str(code)) :]
        except phonenumbers.NumberParseException:
            codes = set()
    else:
        national, codes = _national(digits, regions)
    national = national.lstrip("0")
    if len(national) < MIN_PHONE_DIGITS:
        return None
    return Indicator("phone", national, ",".join(str(c) for c in sorted(codes)))


def _national(digits: str, regions: Iterable[str]) -> tuple[str, set[int]]:
    """A number written without ``+``: national format, or a country code without ``+``."""
    codes = {_calling_code(r) for r in regions} - {0}
    for code in sorted(codes, key=lambda c: -len(str(c))):
        prefix = str(code)
        rest = digits[len(prefix) :]
        if len(digits) >= 11 and digits.startswith(prefix) and 8 <= len(rest) <= 11:
            return rest, {code}
    plausible: set[int] = set()
    for region in regions:
        try:
            number = phonenumbers.parse(digits, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_possible_number(number) and number.country_code:
            plausible.add(int(number.country_code))
    return digits, plausible


def normalise_handle(handle: str) -> str:
    """Handle without URL form, ``@``, case or separators (so display names meet handles)."""
    bare = _QUERY.sub("", _URL_PREFIX.sub("", _HANDLE_LABEL.sub("", handle.strip())))
    return _ALNUM.sub("", bare.lstrip("@").casefold())


def normalise_plate(raw: str) -> str:
    """Latin capitals and digits: separators dropped, look-alike letters mapped to Latin."""
    upper = raw.upper().translate(_LOOKALIKES)
    return re.sub(r"[^0-9A-Z]", "", upper)


def normalise_payment(identifier: str) -> str:
    """Letters and digits of a payment id, case-folded (the method is often mislabelled)."""
    return _ALNUM.sub("", _PAYMENT_LABEL.sub("", identifier).casefold())


def payment_kind(compact: str) -> str:
    """``payment`` for an account, wallet or number; ``agent`` for a named shop or agent.

    A hawala shop or exchange ("Al-Madina Exchange") serves many clients, so two
    unrelated operations share it far more often than an account number.
    """
    return "payment" if sum(c.isdigit() for c in compact) >= 6 else "agent"


def imo_digits(raw: str) -> str | None:
    """The six significant digits of an IMO number (its seventh is a check digit)."""
    digits = re.sub(r"[^0-9]", "", raw)
    return digits[:6] if len(digits) in (6, 7) else None


def regions_for(alert: dict[str, Any]) -> list[str]:
    """Regions to read national phone formats with: the agency's country, then the route's."""
    regions: list[str] = []
    prefix = alert["agency"].split("-", 1)[0]
    if len(prefix) == 2 and prefix.isalpha():
        regions.append(prefix.upper())
    for point in alert["route"]:
        if point["country"] not in regions:
            regions.append(point["country"])
    return regions


def _vessel_indicators(conveyance: dict[str, Any]) -> set[Indicator]:
    found: set[Indicator] = set()
    texts = " ".join(t for t in (conveyance["name"], conveyance["registration"]) if t)
    imos = [conveyance["imo"]] if conveyance["imo"] else []
    imos += _IMO_TEXT.findall(texts)
    for raw in imos:
        digits = imo_digits(raw)
        if digits:
            found.add(Indicator("imo", digits))
    mmsis = [conveyance["mmsi"]] if conveyance["mmsi"] else []
    for raw in mmsis + _MMSI_TEXT.findall(texts):
        digits = re.sub(r"[^0-9]", "", raw)
        if len(digits) == 9:
            found.add(Indicator("mmsi", digits))
    return found


def alert_indicators(alert: dict[str, Any]) -> set[Indicator]:
    """Every identifier of an alert datum, normalised."""
    regions = regions_for(alert)
    found: set[Indicator] = set()
    indicators = alert["indicators"]
    for field in indicators["phone_numbers"]:
        for raw in _PHONE_LIST.split(field):
            phone = normalise_phone(raw, regions)
            if phone is not None:
                found.add(phone)
    pages = {id(h) for h in indicators["social_media_handles"]}
    for handle in (*indicators["messaging_handles"], *indicators["social_media_handles"]):
        platform, value = handle["platform"].casefold(), handle["handle"]
        bare = _URL_PREFIX.sub("", value.strip())
        if (platform in _PHONE_PLATFORMS or bare != value.strip()) and _PHONE_LIKE.match(bare):
            phone = normalise_phone(bare, regions)
            if phone is not None:
                found.add(phone)
                continue
        compact = normalise_handle(value)
        if len(compact) >= 3:
            # A social-media page advertises to many; a messaging account is one person's.
            found.add(Indicator("handle", compact, "page" if id(handle) in pages else ""))
    for channel in indicators["payment_channels"]:
        compact = normalise_payment(channel["identifier"])
        if len(compact) >= 4:
            found.add(Indicator(payment_kind(compact), compact))
    for conveyance in alert["conveyances"]:
        found |= _vessel_indicators(conveyance)
        registration = conveyance["registration"]
        if registration and not _IMO_TEXT.search(registration):
            plate = normalise_plate(registration)
            if len(plate) >= 4:
                found.add(Indicator("plate", plate))
    return found
