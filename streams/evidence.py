"""Comparisons of two alerts, one kind of evidence at a time (pure; weights come from scoring).

Each comparison returns :class:`Agreement` records: what agreed, its weight
before term-frequency adjustment, and which blocking keys it rests on. Places
are compared by great-circle distance with a tolerance (or by gazetteer id
whatever the coordinates), names token by token, identifiers exactly or one
edit apart.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from rapidfuzz.distance import OSA

from streams.features import (
    FUZZY_KINDS,
    FUZZY_MIN_LENGTH,
    PHONE_TAIL,
    AlertFeatures,
    Place,
    near_keys,
)
from streams.gazetteer import BUSY_PLACES
from streams.names import TOKEN_MATCH, NameToken, token_similarity

#: Waypoints this close are the same place; the evidence fades to nothing at PLACE_FAR_KM.
PLACE_NEAR_KM = 10.0
PLACE_FAR_KM = 50.0
#: Bits taken off when both aliases also carry an uncommon token the other lacks.
NAME_CONFLICT_BITS = 2.0
#: Token similarity at or above which a token agrees fully (below: a weaker agreement).
TOKEN_EXACT = 0.95


@dataclass(frozen=True)
class Agreement:
    """One piece of agreeing evidence between two alerts."""

    kind: str
    """Evidence kind (``phone``, ``phone~``, ``name``...)."""
    value: str
    """What agreed, for the explanation."""
    weight: float
    """Weight in bits before term-frequency adjustment of ``tf_keys``."""
    exact: bool = False
    """An exact identifier agreement (may make the link strong)."""
    tf_keys: frozenset[str] = field(default_factory=frozenset)
    """Keys whose count of holders adjusts the weight."""
    anchor_keys: frozenset[str] = field(default_factory=frozenset)
    """Shared blocking keys this agreement rests on."""
    watch_keys: frozenset[str] = field(default_factory=frozenset)
    """Further keys whose counts the weight already reflects."""


def windows_gap_ms(a: AlertFeatures, b: AlertFeatures) -> int:
    """How far apart two observation windows are (0 if they overlap)."""
    return max(
        0, max(a.observed_from_ms, b.observed_from_ms) - min(a.observed_to_ms, b.observed_to_ms)
    )


def _countries_agree(a: str, b: str) -> bool:
    """Candidate country codes of two phones: unknown agrees with anything."""
    return not a or not b or bool(set(a.split(",")) & set(b.split(",")))


def _tails(kind: str, value: str) -> frozenset[str]:
    """Keys whose counts cover every way a phone was written (a hotline written with
    and without country code, or with a digit dropped or swapped, is still one hotline)."""
    if kind != "phone" or len(value) < PHONE_TAIL:
        return frozenset()
    # ...and its one-edit neighbourhood: copies with a digit more, less or swapped.
    return frozenset({f"phone>{value[-PHONE_TAIL:]}"}) | frozenset(near_keys("phone", value))


def _series(x: str, y: str) -> bool:
    """Same length, one digit replaced by another: ``khyber24``/``khyber28``, ``QB8152``/
    ``QB8158`` are numbered accounts or plates of a series, not a copying slip."""
    if len(x) != len(y):
        return False
    diff = [(p, q) for p, q in zip(x, y, strict=True) if p != q]
    return len(diff) == 1 and diff[0][0].isdigit() and diff[0][1].isdigit()


def _near(kind: str, x: str, y: str) -> frozenset[str]:
    """Shared near-agreement keys of two values of ``kind`` (empty: not near)."""
    keys: set[str] = set()
    if kind == "phone" and min(len(x), len(y)) >= PHONE_TAIL and (x.endswith(y) or y.endswith(x)):
        keys.add(f"phone>{x[-PHONE_TAIL:]}")
    if (
        min(len(x), len(y)) >= FUZZY_MIN_LENGTH
        and OSA.distance(x, y, score_cutoff=1) <= 1
        and not (kind != "phone" and _series(x, y))
    ):
        keys.update(near_keys(kind, x) & near_keys(kind, y))
    return frozenset(keys)


def identifier_agreements(
    a: AlertFeatures,
    b: AlertFeatures,
    exact_mu: dict[str, tuple[float, float]],
    near_mu: tuple[float, float],
) -> list[Agreement]:
    """Identifiers of ``a`` that ``b`` carries too, exactly or one edit apart (best per value)."""
    found: list[Agreement] = []
    theirs = b.ids_by_kind
    for kind, value, context in a.identifiers:
        best: Agreement | None = None
        for other, other_context in theirs.get(kind, ()):
            if kind == "phone" and not _countries_agree(context, other_context):
                continue
            if other == value:
                page = kind == "handle" and "page" in (context, other_context)
                m, u = exact_mu["page" if page else kind] if kind in exact_mu else near_mu
                key = frozenset({f"{kind}:{value}"})
                best = Agreement(
                    kind, value, math.log2(m / u), True, key | _tails(kind, value), key
                )
                break
            if kind in FUZZY_KINDS and best is None:
                near = _near(kind, value, other)
                if near:
                    tf = frozenset({f"{kind}:{value}", f"{kind}:{other}"})
                    tf |= _tails(kind, value) | _tails(kind, other)
                    weight = math.log2(near_mu[0] / near_mu[1])
                    best = Agreement(f"{kind}~", f"{value} ≈ {other}", weight, False, tf, near)
        if best is not None:
            found.append(best)
    return found


def _token_weight(
    x: NameToken,
    y: NameToken,
    sim: float,
    mu: tuple[float, float],
    common_mu: tuple[float, float],
    penalty: Callable[[str], float],
) -> float:
    m, u = common_mu if x.common or y.common else mu
    weight = math.log2(m / u) * (1.0 if sim >= TOKEN_EXACT else 0.75)
    if x.common or y.common:
        return weight
    lost = min(penalty(k) for k in (*x.index_keys, *y.index_keys))
    return max(0.0, weight - lost) if math.isfinite(lost) else 0.0


def _matched_tokens(
    tokens_a: tuple[NameToken, ...], tokens_b: tuple[NameToken, ...]
) -> list[tuple[NameToken, NameToken, float]]:
    """Greedy one-to-one token matching, most similar first (ties by position)."""
    pairs = []
    for i, x in enumerate(tokens_a):
        for j, y in enumerate(tokens_b):
            # Only tokens that sound alike (a shared phonetic key or skeleton) are scored.
            if x.keys[0] != y.keys[0] and x.keys[1] != y.keys[1] and x.canonical != y.canonical:
                continue
            sim = token_similarity(x, y)
            if sim >= TOKEN_MATCH:
                pairs.append((-sim, i, j))
    if len(pairs) > 1:
        pairs.sort()
    used_a: set[int] = set()
    used_b: set[int] = set()
    matched = []
    for negative, i, j in pairs:
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            matched.append((tokens_a[i], tokens_b[j], -negative))
    return matched


#: Token matchings of alias pairs compared recently (re-scoring compares the same pairs).
_MATCHED: dict[tuple[str, str], tuple[list[tuple[NameToken, NameToken, float]], bool]] = {}
_MATCHED_MEMO = 100_000


def _conflict(
    tokens_a: tuple[NameToken, ...],
    tokens_b: tuple[NameToken, ...],
    matched: list[tuple[NameToken, NameToken, float]],
) -> bool:
    """Both names keep a name (not a title) the other lacks ("Volkan" vs "Mehmet Sahin")."""
    left_a = [t for t in tokens_a if not t.title and all(t is not x for x, _, _ in matched)]
    left_b = [t for t in tokens_b if not t.title and all(t is not y for _, y, _ in matched)]
    return bool(left_a and left_b)


def name_agreement(
    a: AlertFeatures,
    b: AlertFeatures,
    mu: tuple[float, float],
    common_mu: tuple[float, float],
    penalty: Callable[[str], float],
) -> Agreement | None:
    """The best-agreeing pair of aliases, token by token (weights already tf-adjusted)."""
    best: Agreement | None = None
    for alias_a, tokens_a in a.alias_tokens:
        for alias_b, tokens_b in b.alias_tokens:
            memo = _MATCHED.get((alias_a, alias_b))
            if memo is None:
                matched = _matched_tokens(tokens_a, tokens_b)
                memo = (matched, bool(matched) and _conflict(tokens_a, tokens_b, matched))
                if len(_MATCHED) > _MATCHED_MEMO:
                    _MATCHED.clear()
                _MATCHED[(alias_a, alias_b)] = memo
            matched, conflict = memo
            if not matched:
                continue
            weight = 0.0
            anchors: set[str] = set()
            watch: set[str] = set()
            for x, y, sim in matched:
                weight += _token_weight(x, y, sim, mu, common_mu, penalty)
                if not x.common and not y.common:
                    anchors.update(k for k in x.index_keys if k in y.index_keys)
                    watch.update(x.index_keys)
                    watch.update(y.index_keys)
            if conflict:
                weight -= NAME_CONFLICT_BITS
            if best is None or weight > best.weight:
                best = Agreement(
                    "name",
                    f"{alias_a} ~ {alias_b}",
                    weight,
                    anchor_keys=frozenset(anchors),
                    watch_keys=frozenset(watch),
                )
    return best


def distance_km(a: Place, b: Place) -> float:
    """Great-circle distance (haversine)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a.lat, a.lon, b.lat, b.lon))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(min(1.0, h)))


def place_closeness(a: Place, b: Place) -> float:
    """1 for the same place (gazetteer id, or within PLACE_NEAR_KM), fading to 0 at PLACE_FAR_KM."""
    if a.name_key and a.name_key == b.name_key:
        return 1.0
    if abs(a.lat - b.lat) > PLACE_FAR_KM / 111.0:
        return 0.0
    km = distance_km(a, b)
    if km <= PLACE_NEAR_KM:
        return 1.0
    return max(0.0, (PLACE_FAR_KM - km) / (PLACE_FAR_KM - PLACE_NEAR_KM))


def place_agreements(
    a: AlertFeatures, b: AlertFeatures, place_bits: float, busy_bits: float
) -> list[Agreement]:
    """Waypoints of ``a`` that ``b`` passes through too, each place counted once."""
    found: dict[str, Agreement] = {}
    for place in a.places:
        closeness = max((place_closeness(place, other) for other in b.places), default=0.0)
        if closeness <= 0.0:
            continue
        label = place.name_key or place.name
        base = busy_bits if place.name_key in BUSY_PLACES else place_bits
        weight = base * closeness
        if label not in found or found[label].weight < weight:
            found[label] = Agreement("place", label, weight)
    return list(found.values())
