"""Phone numbers: the ones a network really uses, and how officers of each country write them.

Grouping habits are the simulator's own table (how numbers are printed on
cards, adverts and police forms in each country), not a formatter's output.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

import phonenumbers

from producers.simulation.agencies import PHONE_STYLES, Profile
from producers.simulation.knobs import Dice

#: country -> (calling code, trunk prefix, mobile prefixes of the national significant number)
COUNTRIES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "PK": ("92", "0", ("300", "301", "303", "306", "311", "313", "321", "333", "345", "347")),
    "IR": ("98", "0", ("901", "910", "912", "913", "915", "917", "919", "935", "936")),
    "TR": ("90", "0", ("501", "505", "530", "532", "533", "535", "541", "544", "555")),
    "GR": ("30", "", ("690", "693", "694", "695", "697", "698", "699")),
    "LY": ("218", "0", ("91", "92", "94")),
    "AF": ("93", "0", ("70", "72", "77", "78", "79")),
}
#: Digits of a mobile national significant number.
NATIONAL_LENGTH = {"PK": 10, "IR": 10, "TR": 10, "GR": 10, "LY": 9, "AF": 9}
#: How each country groups the digits after the trunk prefix on paper.
GROUPING: dict[str, tuple[int, ...]] = {
    "PK": (3, 7),
    "IR": (3, 3, 4),
    "TR": (3, 3, 2, 2),
    "GR": (3, 3, 4),
    "LY": (2, 7),
    "AF": (2, 3, 4),
}
#: Where smugglers' SIM cards come from on each route country.
SIM_COUNTRIES = {"PK": ("PK", "AF"), "IR": ("IR", "AF"), "TR": ("TR",), "GR": ("TR", "GR")}
#: Urdu and Persian desks may type Eastern Arabic (Persian) digits.
EASTERN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
#: Digits misread from a photographed or faxed page.
MISREAD = {"1": "7", "7": "1", "5": "6", "6": "5", "0": "8", "8": "3", "3": "8"}


@dataclass(frozen=True)
class Phone:
    """A number a network uses."""

    country: str
    """Country of the SIM."""
    national: str
    """National significant number (no trunk prefix)."""
    valid: bool
    """Whether libphonenumber calls it valid (networks use unallocated or odd numbers too)."""

    @property
    def e164(self) -> str:
        """``+<code><national>``."""
        return f"+{COUNTRIES[self.country][0]}{self.national}"


def new_phone(rng: random.Random, country: str, invalid: bool) -> Phone:
    """A fresh mobile number of ``country``; ``invalid``: one libphonenumber rejects."""
    code, _, prefixes = COUNTRIES[country]
    for _ in range(200):
        prefix = rng.choice(prefixes)
        rest = NATIONAL_LENGTH[country] - len(prefix)
        national = prefix + "".join(rng.choice("0123456789") for _ in range(rest))
        if invalid:
            national = _spoil(rng, national)
        valid = phonenumbers.is_valid_number(phonenumbers.parse(f"+{code}{national}"))
        if valid != invalid:
            return Phone(country, national, valid)
    raise ValueError(f"cannot make a {'n in' if invalid else ''}valid {country} number")


def _spoil(rng: random.Random, national: str) -> str:
    """An unallocated range, or one digit too few or too many (as scratch cards and typos give)."""
    choice = rng.randrange(3)
    if choice == 0:
        return national[:-1]
    if choice == 1:
        return national + rng.choice("0123456789")
    return rng.choice("124") + national[1:]


def write_phone(dice: Dice, phone: Phone, writer: Profile) -> str:
    """How an officer of the ``writer`` agency writes ``phone`` in a report."""
    rng = dice.rng
    writer_country, language = writer.country, writer.language
    code, trunk, _ = COUNTRIES[phone.country]
    digits = phone.national
    if dice.happens("phone_typo"):
        digits = _typo(rng, digits)
    partial = dice.happens("phone_partial")
    if writer_country == phone.country or dice.happens("phone_foreign_national"):
        head, body = trunk, digits
    elif dice.happens("phone_intl_prefix"):
        head, body = rng.choice((f"00{code}", code)), digits
    else:
        head, body = f"+{code}", digits
    if partial:
        body = body[:-1] if rng.random() < 0.5 else body[:-2] + "xx"
    style = writer.phone_style
    if dice.happens("phone_off_house_style"):
        style = rng.choice([s for s in PHONE_STYLES if s != style])
    text = _grouped(style, head, body, GROUPING[phone.country])
    if language in ("ur", "fa") and dice.happens("phone_eastern_digits"):
        text = text.translate(EASTERN_DIGITS)
    return text


def write_whatsapp(dice: Dice, phone: Phone, writer: Profile) -> str:
    """A WhatsApp account as written: the number in Latin digits, or a ``wa.me`` link."""
    if dice.rng.random() < 0.3:
        return f"wa.me/{COUNTRIES[phone.country][0]}{phone.national}"
    return write_phone(dice, phone, replace(writer, language="en"))


def _typo(rng: random.Random, digits: str) -> str:
    """Two adjacent digits swapped, or one misread; never the first (the prefix is well known)."""
    chars = list(digits)
    for _ in range(10):
        i = rng.randrange(2, len(chars) - 1)
        if rng.random() < 0.5 and chars[i] != chars[i + 1]:
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
            return "".join(chars)
        if chars[i] in MISREAD:
            chars[i] = MISREAD[chars[i]]
            return "".join(chars)
    return digits[:-1] + str((int(digits[-1]) + 1) % 10)


def _grouped(style: str, head: str, body: str, groups: tuple[int, ...]) -> str:
    """The digits in ``style``: compact, or in the country's groups with a separator."""
    if style == "compact":
        return head + body
    parts, at = [], 0
    for size in groups[:-1]:
        if at < len(body):
            parts.append(body[at : at + size])
            at += size
    if at < len(body):
        parts.append(body[at:])
    national = head in ("0", "")
    first, rest = (head + parts[0], parts[1:]) if national else (parts[0], parts[1:])
    lead = [] if national else [head]
    if style == "brackets":  # (0532) 123 45 67 / +90 (532) 123 45 67
        return " ".join([*lead, f"({first})", *rest])
    separator = {"spaces": " ", "dashes": "-", "dots": "."}[style]
    return separator.join([*lead, first, *rest])
