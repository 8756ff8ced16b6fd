"""Strong identifiers of an alert, normalised so that different agencies' spellings meet.

Phone numbers become E.164 (national formats resolved with the originating
agency's country, then the route's countries), handles lose ``@``, URL prefixes
and case, plates and IBAN-like identifiers lose separators, vessels are keyed by
IMO and MMSI. Each result is an :class:`Indicator` that correlation can index.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import phonenumbers

from streams.names import name_key

_URL_PREFIX = re.compile(
    r"^(https?://)?(www\.)?(t\.me|telegram\.me|wa\.me|facebook\.com|fb\.com|"
    r"instagram\.com|tiktok\.com|x\.com|twitter\.com)/",
    re.IGNORECASE,
)
_SEPARATORS = re.compile(r"[\s\-./]+")
_PHONE_LIKE = re.compile(r"^[+0-9][0-9 ()\-./]{5,}$")
_PHONE_PLATFORMS = {"whatsapp", "signal", "imo", "viber", "telegram"}


@dataclass(frozen=True, order=True)
class Indicator:
    """One normalised identifier."""

    kind: str
    """``phone``, ``handle``, ``payment``, ``imo``, ``mmsi``, ``plate`` or ``alias``."""
    value: str
    """Normalised value; equal values mean the same real-world identifier."""


def normalise_phone(raw: str, regions: Iterable[str]) -> str | None:
    """E.164 form of ``raw``, trying each region for national formats; None if invalid."""
    candidates = [None] if raw.strip().startswith("+") else [*regions, None]
    for region in candidates:
        try:
            number = phonenumbers.parse(raw, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return None


def normalise_handle(platform: str, handle: str) -> str:
    """``platform:handle`` without URL prefix, leading ``@`` or case."""
    bare = _URL_PREFIX.sub("", handle.strip()).lstrip("@").strip("/").casefold()
    return f"{platform.strip().casefold()}:{bare}"


def normalise_plate(raw: str) -> str:
    """Upper case without spaces, dashes, dots or slashes."""
    return _SEPARATORS.sub("", raw).upper()


def normalise_payment(method: str, identifier: str) -> str:
    """``METHOD:identifier``; crypto addresses keep their case (it is significant)."""
    compact = _SEPARATORS.sub("", identifier.strip())
    return f"{method}:{compact if method == 'CRYPTO' else compact.casefold()}"


def regions_for(alert: dict[str, Any]) -> list[str]:
    """Regions to resolve national phone formats: the agency's country, then the route's."""
    regions: list[str] = []
    prefix = alert["agency"].split("-", 1)[0]
    if len(prefix) == 2 and prefix.isalpha():
        regions.append(prefix)
    for point in alert["route"]:
        if point["country"] not in regions:
            regions.append(point["country"])
    return regions


def alert_indicators(alert: dict[str, Any]) -> set[Indicator]:
    """Every strong identifier of an alert datum, normalised."""
    regions = regions_for(alert)
    found: set[Indicator] = set()
    indicators = alert["indicators"]
    for raw in indicators["phone_numbers"]:
        phone = normalise_phone(raw, regions)
        if phone is not None:
            found.add(Indicator("phone", phone))
    for handle in (*indicators["messaging_handles"], *indicators["social_media_handles"]):
        platform, value = handle["platform"].casefold(), handle["handle"]
        phone = None
        if platform in _PHONE_PLATFORMS and _PHONE_LIKE.match(value.strip()):
            phone = normalise_phone(value, regions)
        if phone is not None:
            found.add(Indicator("phone", phone))
        else:
            found.add(Indicator("handle", normalise_handle(platform, value)))
    for channel in indicators["payment_channels"]:
        found.add(Indicator("payment", normalise_payment(channel["method"], channel["identifier"])))
    for alias in indicators["smuggler_aliases"]:
        key = name_key(alias)
        if key:
            found.add(Indicator("alias", key))
    for conveyance in alert["conveyances"]:
        if conveyance["imo"]:
            found.add(Indicator("imo", conveyance["imo"]))
        if conveyance["mmsi"]:
            found.add(Indicator("mmsi", conveyance["mmsi"]))
        if conveyance["registration"]:
            found.add(Indicator("plate", normalise_plate(conveyance["registration"])))
    return found
