"""Boats and vehicles of a network, and how their names, plates, IMO and MMSI are written."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from producers.simulation.knobs import Dice

#: Latin capitals and their Greek and Cyrillic look-alikes (what those keyboards give).
GREEK_LOOKALIKE = str.maketrans("ABEHIKMNOPTXYZ", "ΑΒΕΗΙΚΜΝΟΡΤΧΥΖ")
CYRILLIC_LOOKALIKE = str.maketrans("ABCEHKMOPTXY", "АВСЕНКМОРТХУ")
PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
OCR = {"O": "0", "0": "O", "I": "1", "1": "I", "B": "8", "8": "B", "S": "5", "5": "S"}
MID = {"TR": "271", "GR": "237", "LY": "642", "EG": "622", "TG": "671", "SL": "667", "PK": "463"}
MID["IR"] = "422"
#: Boat names by route: common names, shared by unrelated boats.
VESSEL_NAMES = {
    "aegean-crossing": (("TR",), ("Deniz Yildizi", "Mavi Ruzgar", "Ege Yolcusu", "Poyraz 2")),
    "izmir-chios": (("TR",), ("Deniz Yildizi", "Yunus", "Ege Yolcusu", "Kaptan Ali")),
    "central-mediterranean": (
        ("LY", "EG", "TG", "SL"),
        ("Al Noor", "Sea Star", "Bahr Al Khair", "Al Hayat", "Nour 3", "Fairouz", "Mabrouka"),
    ),
    "makran-coast": (("PK", "IR"), ("Al Madina", "Sea Queen", "Bahar", "Zam Zam", "Al Hussaini")),
}
VEHICLES = {
    "PK": ("Toyota Hiace van", "Suzuki pickup", "Toyota Land Cruiser", "Hino truck"),
    "IR": ("Iran Khodro Samand", "Saipa Pride", "Toyota Hilux", "Mercedes-Benz truck"),
    "TR": ("Ford Transit van", "Fiat Doblo", "refrigerated lorry", "Renault Master van"),
    "LY": ("Toyota Land Cruiser", "Toyota Hilux", "Isuzu truck"),
}
_IR_LETTERS = ("B", "J", "D", "S", "T", "N", "V", "L")
_TR_PROVINCES = {"Istanbul": "34", "Van": "65", "Ayvalik": "10", "Izmir": "35", "Cesme": "35"}


@dataclass(frozen=True)
class Vessel:
    """The boat of a sea leg."""

    name: str
    """Name painted on it (a common one)."""
    flag: str
    """Flag state."""
    mmsi: str
    """9 digits."""
    imo: str | None
    """7 digits, the last a check digit; small craft have none."""
    leg: int
    """Route index where the sea leg starts."""


@dataclass(frozen=True)
class Vehicle:
    """The vehicle of a road leg."""

    description: str
    """Make and type."""
    country: str
    """Country of registration."""
    plate: str
    """Registration as issued: upper-case Latin letters, digits, single spaces."""
    leg: int
    """Route index where the road leg starts."""


def new_vessel(rng: random.Random, route: str, leg: int) -> Vessel:
    """A fresh boat for ``route``."""
    flags, names = VESSEL_NAMES.get(route, (("TR",), ("Sea Star",)))
    flag = rng.choice(flags)
    mmsi = MID[flag] + f"{rng.randint(100000, 999999)}"
    imo = None
    if route == "central-mediterranean" and rng.random() < 0.7:
        head = [rng.choice((7, 8, 9))] + [rng.randrange(10) for _ in range(5)]
        check = sum(d * w for d, w in zip(head, range(7, 1, -1), strict=True)) % 10
        imo = "".join(map(str, head)) + str(check)
    return Vessel(rng.choice(names), flag, mmsi, imo, leg)


def new_vehicle(rng: random.Random, country: str, place: str, leg: int) -> Vehicle:
    """A fresh vehicle registered in ``country`` near ``place``."""
    letters = "ABCDEFGHJKLMNPRSTUVYZ"
    if country == "PK":
        plate = (
            f"{rng.choice(('QA', 'QB', 'QC', 'QAA', 'QAB', 'LEA', 'LEB'))} {rng.randint(100, 9999)}"
        )
    elif country == "IR":
        two, letter, three = rng.randint(10, 99), rng.choice(_IR_LETTERS), rng.randint(100, 999)
        plate = f"{two} {letter} {three} {rng.randint(11, 99)}"
    elif country == "TR":
        province = _TR_PROVINCES.get(place, "34")
        series = "".join(rng.sample(letters, rng.choice((2, 3))))
        plate = f"{province} {series} {rng.randint(100, 9999)}"
    else:
        plate = f"{rng.randint(1, 9)} {rng.randint(100000, 999999)}"
    return Vehicle(rng.choice(VEHICLES.get(country, ("van",))), country, plate, leg)


def write_plate(dice: Dice, vehicle: Vehicle, language: str) -> str:
    """The plate as an officer types it."""
    rng = dice.rng
    text = vehicle.plate
    if dice.happens("plate_ocr"):
        spots = [i for i, c in enumerate(text) if c in OCR]
        if spots:
            i = rng.choice(spots)
            text = text[:i] + OCR[text[i]] + text[i + 1 :]
    if dice.happens("plate_separators"):
        text = rng.choice((text.replace(" ", ""), text.replace(" ", "-"), text.lower()))
    if dice.happens("plate_lookalike"):
        table = GREEK_LOOKALIKE if language == "el" or rng.random() < 0.5 else CYRILLIC_LOOKALIKE
        text = text.upper().translate(table)
    if vehicle.country == "IR" and dice.happens("plate_persian_digits"):
        text = text.translate(PERSIAN_DIGITS)
    if dice.happens("plate_country_prefix"):
        text = f"{vehicle.country} {text}"
    return text


def write_vessel(dice: Dice, vessel: Vessel) -> dict[str, Any]:
    """A conveyance entry: name written loosely; IMO and MMSI as the agency's system takes them."""
    rng = dice.rng
    name = rng.choice(
        (vessel.name, vessel.name.upper(), vessel.name.replace(" ", "-"), vessel.name.lower())
    )
    if name.lower().startswith("al ") and rng.random() < 0.3:
        name = "El " + name[3:]
    entry: dict[str, Any] = {"kind": "VESSEL", "name": name, "flag": vessel.flag}
    imo = vessel.imo
    mmsi = vessel.mmsi
    if dice.happens("vessel_digit_misread"):
        if imo is not None and rng.random() < 0.5:
            imo = _misread(rng, imo)
        else:
            mmsi = _misread(rng, mmsi)
    carry = rng.random()
    if imo is None or carry < 0.4:
        entry["mmsi"] = mmsi
    if imo is not None and carry >= 0.2:
        if rng.random() < 0.35:
            entry["registration"] = rng.choice((f"IMO {imo}", f"IMO{imo}", f"IMO no. {imo}"))
        else:
            entry["imo"] = imo
    return entry


def _misread(rng: random.Random, digits: str) -> str:
    i = rng.randrange(len(digits))
    return digits[:i] + str((int(digits[i]) + rng.choice((1, 9))) % 10) + digits[i + 1 :]
