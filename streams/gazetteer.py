"""Documented gazetteer of the corridor's places: one id for every name a place goes by.

Agencies name the same place in their own language and script, by an exonym or
an old name (*Smyrna*/*Izmir*, *Mytilini*/*Lesbos*, *Bengasi*/*Benghazi*,
*Kerman*/*کرمان*). Coordinates alone do not settle it: one agency geocodes the
port, another the town centre, a third the district. Each entry gives a
canonical name, country, a reference point and the names in use (English,
local official, native script, Italian/French/Greek/Turkish exonyms, historical
names). Spellings are matched after romanisation (``anyascii``) and folding to
lower-case letters, so accents and scripts do not matter. A place not listed
here is compared by its coordinates only.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from anyascii import anyascii


@dataclass(frozen=True)
class GazetteerPlace:
    """One place of the corridor."""

    place_id: str
    """Canonical name, used as the id."""
    country: str
    """ISO 3166-1 alpha-2 code."""
    lat: float
    """Reference latitude, degrees."""
    lon: float
    """Reference longitude, degrees."""
    busy: bool
    """A hub many unrelated operations pass through: meeting there is weaker evidence."""


# id, country, lat, lon, busy, other names
_TABLE: tuple[tuple[str, str, float, float, bool, tuple[str, ...]], ...] = (
    ("Quetta", "PK", 30.18, 66.98, True, ("Kwatah", "Shalkot", "کوئٹہ", "کویټه")),
    ("Karachi", "PK", 24.86, 67.01, True, ("کراچی", "Kurrachee")),
    ("Lahore", "PK", 31.52, 74.36, True, ("لاہور", "Lahor")),
    ("Islamabad", "PK", 33.68, 73.05, True, ("اسلام آباد",)),
    ("Gujrat", "PK", 32.57, 74.08, False, ("گجرات",)),
    ("Mashkel", "PK", 28.04, 63.25, False, ("Mashkhel", "Mashkhel Bazar", "ماشکیل")),
    ("Taftan", "PK", 28.97, 61.57, False, ("Kuh-i-Taftan", "تفتان")),
    ("Turbat", "PK", 26.00, 63.05, False, ("Kech", "تربت")),
    ("Gwadar", "PK", 25.13, 62.32, False, ("Gawadar", "گوادر")),
    ("Jiwani", "PK", 25.05, 61.75, False, ("Jiwanri", "جیونی")),
    ("Panjgur", "PK", 26.96, 64.09, False, ("پنجگور",)),
    ("Kabul", "AF", 34.53, 69.17, True, ("Kaboul", "کابل")),
    ("Herat", "AF", 34.35, 62.20, False, ("Hérat", "Harat", "هرات")),
    ("Kandahar", "AF", 31.63, 65.71, False, ("Qandahar", "Kandahār", "کندهار")),
    ("Nimruz", "AF", 31.00, 62.00, False, ("Zaranj", "Nimroz", "زرنج", "نیمروز")),
    ("Islam Qala", "AF", 34.66, 61.07, False, ("Islam Qaleh", "اسلام قلعه")),
    ("Zahedan", "IR", 29.50, 60.86, False, ("Zahidan", "Duzdab", "زاهدان")),
    ("Mirjaveh", "IR", 29.02, 61.45, False, ("Mirjawa", "میرجاوه")),
    ("Chabahar", "IR", 25.29, 60.64, False, ("Chah Bahar", "چابهار")),
    ("Kerman", "IR", 30.28, 57.08, False, ("Kirman", "کرمان")),
    ("Tehran", "IR", 35.69, 51.39, True, ("Teheran", "Téhéran", "تهران")),
    ("Tabriz", "IR", 38.08, 46.29, False, ("Tebriz", "تبریز")),
    ("Urmia", "IR", 37.55, 45.08, False, ("Orumiyeh", "Urumiyeh", "Rezaiyeh", "ارومیه")),
    ("Maku", "IR", 39.30, 44.52, False, ("ماکو",)),
    ("Bazargan", "IR", 39.39, 44.39, False, ("بازرگان", "Gurbulak", "Gürbulak")),
    ("Salmas", "IR", 38.20, 44.77, False, ("سلماس",)),
    ("Van", "TR", 38.50, 43.37, False, ("Wan", "Վան", "وان")),
    ("Dogubayazit", "TR", 39.55, 44.08, False, ("Doğubayazıt", "Bayazid", "Beyazit")),  # noqa: RUF001
    ("Erzurum", "TR", 39.90, 41.27, False, ("Theodosiopolis", "Karin")),
    (
        "Istanbul",
        "TR",
        41.01,
        28.98,
        True,
        (
            "İstanbul",
            "Constantinople",
            "Konstantinoupoli",
            "Κωνσταντινούπολη",
            "Stamboul",
            "Costantinopoli",
        ),
    ),
    ("Izmir", "TR", 38.42, 27.14, True, ("İzmir", "Smyrna", "Smirne", "Σμύρνη", "Smyrne")),
    ("Ayvalik", "TR", 39.32, 26.69, False, ("Ayvalık", "Kydonies", "Κυδωνιές")),  # noqa: RUF001
    ("Dikili", "TR", 39.07, 26.89, False, ("Δικελί",)),
    ("Cesme", "TR", 38.32, 26.30, False, ("Çeşme", "Krini", "Κρήνη")),
    ("Bodrum", "TR", 37.04, 27.43, False, ("Halicarnassus", "Alikarnassos", "Αλικαρνασσός")),
    ("Edirne", "TR", 41.68, 26.56, False, ("Adrianople", "Adrianoupoli", "Αδριανούπολη")),
    (
        "Lesbos",
        "GR",
        39.10,
        26.55,
        False,
        ("Lesvos", "Mytilene", "Mytilini", "Mitilini", "Midilli", "Λέσβος", "Μυτιλήνη"),
    ),
    ("Chios", "GR", 38.37, 26.14, False, ("Hios", "Sakiz", "Sakız", "Χίος")),  # noqa: RUF001
    ("Samos", "GR", 37.75, 26.98, False, ("Sisam", "Vathy", "Σάμος")),
    ("Kos", "GR", 36.89, 27.29, False, ("Istanköy", "Istankoy", "Coo", "Κως")),
    ("Rhodes", "GR", 36.43, 28.22, False, ("Rodos", "Rodi", "Ρόδος")),
    ("Athens", "GR", 37.98, 23.73, True, ("Athina", "Athinai", "Atina", "Αθήνα", "Atene")),
    ("Piraeus", "GR", 37.94, 23.65, True, ("Pireas", "Pireo", "Πειραιάς")),
    ("Thessaloniki", "GR", 40.64, 22.94, False, ("Salonica", "Salonika", "Selanik", "Θεσσαλονίκη")),
    ("Alexandroupoli", "GR", 40.85, 25.87, False, ("Dedeagach", "Dedeağaç", "Αλεξανδρούπολη")),
    ("Evros", "GR", 41.10, 26.20, False, ("Meric", "Meriç", "Maritsa", "Έβρος")),
    ("Pylos", "GR", 36.91, 21.70, False, ("Navarino", "Πύλος")),
    ("Kalamata", "GR", 37.04, 22.11, False, ("Καλαμάτα",)),
    ("Crete", "GR", 35.24, 24.81, False, ("Kriti", "Candia", "Girit", "Κρήτη")),
    ("Gavdos", "GR", 34.84, 24.08, False, ("Γαύδος",)),
    (
        "Benghazi",
        "LY",
        32.12,
        20.07,
        True,
        ("Bengasi", "Banghazi", "Bengazi", "بنغازي", "Berenice", "Hesperides"),
    ),
    ("Tobruk", "LY", 32.08, 23.98, False, ("Tubruq", "Tobruch", "طبرق")),
    ("Tripoli", "LY", 32.89, 13.19, True, ("Tarabulus", "Trablus", "Tripoli di Libia", "طرابلس")),
    ("Zuwara", "LY", 32.93, 12.08, False, ("Zuara", "Zuwarah", "زوارة")),
    ("Sabratha", "LY", 32.79, 12.48, False, ("Sabrata", "صبراتة")),
    ("Zawiya", "LY", 32.76, 12.73, False, ("Az Zawiyah", "Zawia", "الزاوية")),
    ("Misrata", "LY", 32.38, 15.09, False, ("Misurata", "Misratah", "مصراتة")),
    ("Sabha", "LY", 27.04, 14.43, False, ("Sebha", "سبها")),
    ("Kufra", "LY", 24.18, 23.29, False, ("Al Kufrah", "الكفرة")),
    ("Lampedusa", "IT", 35.51, 12.60, False, ("Lampedouse",)),
    ("Augusta", "IT", 37.23, 15.22, False, ()),
    ("Pozzallo", "IT", 36.73, 14.85, False, ()),
    ("Catania", "IT", 37.50, 15.09, False, ("Katane",)),
    ("Crotone", "IT", 39.08, 17.13, False, ("Kroton", "Croton", "Cotrone")),
    ("Reggio Calabria", "IT", 38.11, 15.65, False, ("Reggio", "Rhegion")),
    (
        "Alexandria",
        "EG",
        31.20,
        29.92,
        True,
        ("Al Iskandariyah", "Iskandariya", "الإسكندرية", "Alessandria d'Egitto"),
    ),
    ("Dubai", "AE", 25.25, 55.36, True, ("Dubayy", "دبي")),
    ("Muscat", "OM", 23.59, 58.41, True, ("Masqat", "مسقط")),
    ("Sfax", "TN", 34.74, 10.76, False, ("Safaqis", "صفاقس")),
)

_NON_LETTERS = re.compile(r"[^a-z]+")


def fold_place_name(name: str) -> str:
    """Romanised, lower-case letters only: the form names are looked up by."""
    return _NON_LETTERS.sub("", anyascii(unicodedata.normalize("NFKC", name)).lower())


def _index() -> dict[str, GazetteerPlace]:
    index: dict[str, GazetteerPlace] = {}
    for place_id, country, lat, lon, busy, names in _TABLE:
        place = GazetteerPlace(place_id, country, lat, lon, busy)
        for name in (place_id, *names):
            index.setdefault(fold_place_name(name), place)
    return index


_INDEX = _index()
BUSY_PLACES = frozenset(p.place_id for p in _INDEX.values() if p.busy)


@lru_cache(maxsize=16384)
def resolve(name: str) -> GazetteerPlace | None:
    """The gazetteer place a written name refers to, or None if not listed."""
    folded = fold_place_name(name)
    if folded in _INDEX:
        return _INDEX[folded]
    # "Port of Izmir", "Izmir port", "Mytilini harbour": try the name's words.
    words = [fold_place_name(w) for w in re.split(r"[\s,/()-]+", name) if w]
    for size in (3, 2, 1):
        for start in range(len(words) - size + 1):
            found = _INDEX.get("".join(words[start : start + size]))
            if found is not None and len("".join(words[start : start + size])) >= 3:
                return found
    return None
