"""Identifiers as the STIX export writes them: one stable form per real-world value.

The export's own, light normalisation (E.164 phones, handles without ``@``, URL form
or case, payment ids without separators), kept apart from the correlator's matching
keys in ``streams/``: those are tuned for linking (lossy, several keys per value)
and change with the model, while an exported observable's id must stay the same.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import phonenumbers

_URL_PREFIX = re.compile(
    r"^(https?://)?(www\.)?(t\.me|telegram\.me|wa\.me|facebook\.com|fb\.com|"
    r"instagram\.com|tiktok\.com|x\.com|twitter\.com)/",
    re.IGNORECASE,
)
_SEPARATORS = re.compile(r"[\s\-./]+")


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
