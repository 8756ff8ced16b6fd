"""How strongly two alerts are linked: evidence, weights and the linking threshold.

Each shared, *uncommon* blocking key is a piece of evidence with a weight; the
pair's score combines them as independent signals (noisy-or: 1 - prod(1 - w)).
A shared phone, vessel, handle or payment identifier links on its own; a shared
alias needs a second signal (another alias, or the route); places alone never
link. The caller says how much each key still counts (``rarity``): 1 for a key
few alerts share, less for one shared by many (a hotline, a generic title, a busy
port in a busy week), 0 for a common one.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from streams.features import AlertFeatures

#: Weight of one shared identifier of each kind.
WEIGHTS: dict[str, float] = {
    "imo": 0.95,
    "mmsi": 0.9,
    "phone": 0.9,
    "handle": 0.8,
    "payment": 0.8,
    "plate": 0.75,
    "alias": 0.5,
}
#: Weight of the route evidence by the number of waypoints met (same cell, same week).
PLACE_WEIGHTS = (0.0, 0.2, 0.35, 0.5)
#: A pair is linked at or above this score.
LINK_THRESHOLD = 0.6
#: Observation windows further apart than this are different operations.
MAX_GAP_MS = 3 * 24 * 3600 * 1000
_FLEXIBLE_MODES = {"MIXED", "UNKNOWN"}


@dataclass(frozen=True, order=True)
class Evidence:
    """One reason two alerts are linked."""

    kind: str
    """Identifier kind (``phone``, ``alias``...) or ``place``."""
    value: str
    """The shared normalised value, or the place's name."""
    weight: float
    """Contribution to the score."""


@dataclass(frozen=True)
class Link:
    """The scored relation between two alerts."""

    score: float
    """Combined score in [0, 1]."""
    evidence: tuple[Evidence, ...]
    """What the score is made of, sorted."""
    keys: frozenset[str]
    """The blocking keys behind the evidence (to re-score when one turns common)."""


def modes_compatible(a: str, b: str) -> bool:
    """Whether two transport modes can describe the same movement."""
    return a == b or a in _FLEXIBLE_MODES or b in _FLEXIBLE_MODES


def windows_gap_ms(a: AlertFeatures, b: AlertFeatures) -> int:
    """How far apart two observation windows are (0 if they overlap)."""
    return max(
        0, max(a.observed_from_ms, b.observed_from_ms) - min(a.observed_to_ms, b.observed_to_ms)
    )


def combine(weights: list[float]) -> float:
    """Noisy-or of independent signals."""
    return 1.0 - math.prod(1.0 - w for w in weights)


def score_pair(a: AlertFeatures, b: AlertFeatures, rarity: Callable[[str], float]) -> Link:
    """Score the pair (symmetric: ``score_pair(a, b) == score_pair(b, a)``).

    ``rarity(key)`` in [0, 1] scales the weight of evidence from ``key``.
    """
    if windows_gap_ms(a, b) > MAX_GAP_MS:
        return Link(0.0, (), frozenset())
    first, second = (a, b) if a.key <= b.key else (b, a)
    evidence: list[Evidence] = []
    keys: set[str] = set()
    shared_ids = set(first.identifiers) & set(second.identifiers)
    for kind, value in sorted(shared_ids):
        key = f"{kind}:{value}"
        factor = rarity(key)
        if factor > 0:
            evidence.append(Evidence(kind, value, round(WEIGHTS.get(kind, 0.5) * factor, 6)))
            keys.add(key)
    if modes_compatible(first.transport_mode, second.transport_mode):
        other_keys = second.blocking_keys()
        met: list[str] = []
        factors: list[float] = []
        for index, place in enumerate(first.places):
            shared = {k: rarity(k) for k in first.place_keys(index) & other_keys}
            shared = {k: f for k, f in shared.items() if f > 0}
            if shared:
                met.append(place.name)
                factors.append(max(shared.values()))
                keys.update(shared)
        if met:
            weight = PLACE_WEIGHTS[min(len(met), len(PLACE_WEIGHTS) - 1)]
            weight *= sum(factors) / len(factors)
            evidence.append(Evidence("place", " / ".join(sorted(set(met))), round(weight, 6)))
    score = combine([e.weight for e in evidence])
    return Link(round(score, 6), tuple(sorted(evidence)), frozenset(keys))
