"""What a difficulty level means: the rate of every reporting variant, and the dice that draw them.

Each rate is the probability that a written value (or a report) takes that
variant; it moves linearly from its value at difficulty 0 to its value at 1.
docs/correlation.md, "Reporting model", gives the same figures with examples.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, fields


@dataclass(frozen=True)
class Knobs:
    """Rates (probabilities) and sizes of one difficulty level."""

    # phones
    phone_off_house_style: float
    """A number is written in another format than the desk's house format (compact, spaces...)."""
    phone_foreign_national: float
    """A foreign number is written in its owner country's national format, without country."""
    phone_intl_prefix: float
    """An international number is written with ``00`` or as bare digits instead of ``+``."""
    phone_eastern_digits: float
    """An Urdu or Persian writer uses Eastern Arabic digits."""
    phone_partial: float
    """A digit is missing or the last two are written ``xx``."""
    phone_typo: float
    """Two adjacent digits swapped or one misread."""
    phone_invalid: float
    """The network's number is invalid for libphonenumber (unallocated range, wrong length)."""
    phone_whatsapp: float
    """A number is given as a WhatsApp account (the number, or a ``wa.me/`` link)."""
    # names
    name_other_scheme: float
    """A name word is spelled by another transliteration scheme than the writer's own."""
    name_native_script: float
    """A name is written in its native script."""
    name_compound: float
    """A compound name is written joined or with the article, not apart."""
    name_case_diacritics: float
    """Diacritics dropped or surname in capitals."""
    name_surname_first: float
    """Surname first, police style."""
    name_typo: float
    """A doubled letter single (or the reverse), or two letters transposed."""
    name_equivalent: float
    """A cross-language equivalent or short form (Yusuf/Joseph, Nikolaos/Nikos)."""
    name_honorific: float
    """An honorific or nickname is added (or dropped if the smuggler has one)."""
    common_name: float
    """A report carries a common name shared by unrelated people (Muhammad Khan)."""
    near_miss_name: float
    """A decoy carries a name one word away from an operation's smuggler (another person)."""
    # accounts, payments, plates, vessels
    handle_case: float
    """A handle's case is changed."""
    handle_display_name: float
    """The account's display name is written instead of its handle."""
    handle_separator_slip: float
    """A ``_`` or ``.`` of a handle is dropped or swapped (dictated)."""
    hawala_form: float
    """A hawala shop is written without its city or with its type abbreviated."""
    wallet_shortened: float
    """A crypto wallet is shortened to its first 6 and last 4 characters."""
    plate_separators: float
    """A plate's spacing, dashes or case differ from the registration."""
    plate_lookalike: float
    """Latin plate letters typed as Greek or Cyrillic look-alikes."""
    plate_persian_digits: float
    """An Iranian plate written with Persian digits."""
    plate_country_prefix: float
    """A plate written with its country code in front."""
    plate_ocr: float
    """An OCR confusion in a plate: O/0, I/1, B/8, S/5."""
    vessel_digit_misread: float
    """A digit of an IMO or MMSI misread."""
    # places
    place_exonym: float
    """A place named by an exonym or old name."""
    place_native_script: float
    """A place named in the writer's native script."""
    place_centroid: float
    """A waypoint given as the district or island centroid."""
    gps_error_km: float
    """Largest GPS or map-reading error, km."""
    # time
    leg_window: float
    """A report covers only its own leg's share of the operation's window."""
    clock_skew_hours: float
    """Largest clock or reconstruction error on each end of a window, hours."""
    whole_day: float
    """A desk reports whole days (00:00-23:59)."""
    week_boundary: float
    """An operation has a leg ending on a Sunday and the next starting on the Monday."""
    followup_alert: float
    """An agency files a second alert about a later leg of the same operation."""
    max_operation_days: float
    """Longest operation, days."""
    # what is carried, and the decoys
    keep_identifier: float
    """A report carries an identifier its agency could know."""
    alias_link: float
    """The guaranteed link between two reports is a name only."""
    trim_view: float
    """An agency reports fewer waypoints than it could see."""
    mode_disagreement: float
    """An agency reports the transport mode of its own legs."""
    hotline_operations: float
    """A report of an operation mentions a public hotline."""
    hotline_decoys: float
    """A decoy mentions a public hotline."""
    busy_week_operations: float
    """An operation falls in the busy week."""
    busy_week_decoys: float
    """A decoy falls in the busy week."""
    busy_place_decoys: float
    """A decoy is at a busy port or crossing."""
    # dedupe material
    duplicate: float
    """An alert is re-sent unchanged."""
    revision: float
    """An alert gets a revision 2."""
    stale: float
    """A revised alert has revision 1 re-sent after revision 2."""


#: (value at difficulty 0, value at difficulty 1) of every knob.
RANGES: dict[str, tuple[float, float]] = {
    "phone_off_house_style": (0.1, 0.5),
    "phone_foreign_national": (0.05, 0.35),
    "phone_intl_prefix": (0.1, 0.3),
    "phone_eastern_digits": (0.02, 0.15),
    "phone_partial": (0.0, 0.08),
    "phone_typo": (0.0, 0.08),
    "phone_invalid": (0.05, 0.2),
    "phone_whatsapp": (0.3, 0.3),
    "name_other_scheme": (0.3, 0.8),
    "name_native_script": (0.05, 0.3),
    "name_compound": (0.2, 0.6),
    "name_case_diacritics": (0.2, 0.5),
    "name_surname_first": (0.05, 0.3),
    "name_typo": (0.0, 0.1),
    "name_equivalent": (0.0, 0.25),
    "name_honorific": (0.2, 0.4),
    "common_name": (0.05, 0.3),
    "near_miss_name": (0.05, 0.25),
    "handle_case": (0.2, 0.5),
    "handle_display_name": (0.05, 0.3),
    "handle_separator_slip": (0.0, 0.1),
    "hawala_form": (0.2, 0.5),
    "wallet_shortened": (0.0, 0.2),
    "plate_separators": (0.3, 0.7),
    "plate_lookalike": (0.05, 0.3),
    "plate_persian_digits": (0.05, 0.25),
    "plate_country_prefix": (0.1, 0.3),
    "plate_ocr": (0.0, 0.08),
    "vessel_digit_misread": (0.0, 0.06),
    "place_exonym": (0.05, 0.35),
    "place_native_script": (0.05, 0.3),
    "place_centroid": (0.0, 0.15),
    "gps_error_km": (0.2, 3.0),
    "leg_window": (0.4, 0.9),
    "clock_skew_hours": (1.0, 24.0),
    "whole_day": (0.1, 0.4),
    "week_boundary": (0.2, 0.5),
    "followup_alert": (0.05, 0.2),
    "max_operation_days": (7.0, 28.0),
    "keep_identifier": (0.75, 0.5),
    "alias_link": (0.1, 0.5),
    "trim_view": (0.0, 0.5),
    "mode_disagreement": (0.0, 0.4),
    "hotline_operations": (0.05, 0.25),
    "hotline_decoys": (0.3, 0.7),
    "busy_week_operations": (0.2, 0.6),
    "busy_week_decoys": (0.4, 0.9),
    "busy_place_decoys": (0.6, 0.95),
    "duplicate": (0.02, 0.15),
    "revision": (0.04, 0.2),
    "stale": (0.0, 0.4),
}
#: Knobs that are sizes, not probabilities.
SIZES = frozenset({"gps_error_km", "clock_skew_hours", "max_operation_days"})


def knobs(difficulty: float) -> Knobs:
    """The knobs of ``difficulty`` (0.0 .. 1.0)."""
    return Knobs(**{name: low + (high - low) * difficulty for name, (low, high) in RANGES.items()})


class Dice:
    """The scenario's one random source, with a tally of every variant drawn.

    ``happens("phone_typo")`` is true with the knob's probability; the tally keeps
    how often each variant was tried and how often it happened, so tests can
    check the stated rates against what was generated.
    """

    def __init__(self, rng: random.Random, k: Knobs) -> None:
        self.rng = rng
        self.k = k
        self.tried: Counter[str] = Counter()
        self.hit: Counter[str] = Counter()

    def happens(self, variant: str) -> bool:
        """Draw ``variant`` at its knob's rate, and count it."""
        rate: float = getattr(self.k, variant)
        happened = self.rng.random() < rate
        self.tried[variant] += 1
        self.hit[variant] += happened
        return happened

    def rates(self) -> dict[str, tuple[int, int]]:
        """``variant -> (tried, happened)`` so far."""
        return {v: (self.tried[v], self.hit[v]) for v in sorted(self.tried)}


def knob_names() -> tuple[str, ...]:
    """Every knob, in declaration order."""
    return tuple(f.name for f in fields(Knobs))
