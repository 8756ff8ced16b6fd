"""The record-linkage model: Fellegi-Sunter match weights, term frequencies, the threshold.

For each kind of evidence, ``m`` is the probability that two reports of the
*same* operation agree on it and ``u`` the probability that two reports of
*unrelated* operations do. Agreement adds ``log2(m / u)`` bits to the pair's
match weight; a value held by more than ``FULL_WEIGHT_UPTO`` alerts loses
``TF_BITS_PER_DOUBLING`` bits per doubling of its holders (term-frequency
adjustment: ``u`` grows with how common the value is), and one held by more
than the fan-out cap is common and weighs nothing. Time is a comparison too:
its weight falls smoothly with the gap between observation windows. The pair is
linked when the total reaches ``LINK_THRESHOLD`` bits and at least one agreeing
identifier or name is backed by a shared, non-common blocking key.

The m/u values are documented priors (docs/correlation.md, section 2), set from
how reports are written in practice, not estimated from any one scenario.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from streams.evidence import (
    Agreement,
    identifier_agreements,
    name_agreement,
    place_agreements,
    windows_gap_ms,
)
from streams.features import AlertFeatures

#: (m, u) of exact agreement on one identifier of each kind.
IDENTIFIER_MU: dict[str, tuple[float, float]] = {
    "imo": (0.95, 2e-5),
    "mmsi": (0.9, 2e-5),
    "phone": (0.8, 2e-5),
    "handle": (0.7, 2e-5),
    "payment": (0.7, 2e-5),
    "plate": (0.7, 4e-5),
    # A named hawala shop or payment agent: many clients, many operations.
    "agent": (0.6, 1e-3),
    # A social-media page (on either side): it advertises for many crossings.
    "page": (0.6, 1e-3),
}
#: (m, u) of a near-agreement: one edit apart, or one number the tail of the other.
NEAR_MU = (0.1, 1e-4)
#: (m, u) of one agreeing name token: uncommon, and common (a title, a frequent name).
NAME_TOKEN_MU = (0.5, 0.02)
COMMON_NAME_TOKEN_MU = (0.5, 0.25)
#: Ceiling of the name evidence (tokens of one alias are not independent).
NAME_CAP_BITS = 10.0
#: (m, u) of one shared waypoint (same gazetteer place or within PLACE_NEAR_KM); busy hubs.
PLACE_MU = (0.6, 0.1)
BUSY_PLACE_MU = (0.6, 0.3)
#: Ceiling of the route evidence: places alone never reach the threshold.
PLACE_CAP_BITS = 5.0
#: Time weight at a gap of 0, and the gap (days) whose doubling costs TIME_BITS_PER_DOUBLING.
TIME_BITS_AT_ZERO = 3.0
TIME_SCALE_DAYS = 3.0
TIME_BITS_PER_DOUBLING = 1.5
#: Term frequency: full weight up to this many holders, then TF_BITS_PER_DOUBLING per doubling.
FULL_WEIGHT_UPTO = 4
TF_BITS_PER_DOUBLING = 6.0
#: A pair is linked at or above this match weight (bits).
LINK_THRESHOLD = 11.0
#: An exact identifier agreement worth this much makes the link *strong* (transitive).
STRONG_BITS = 13.0
#: Prior log-odds (bits) that two compared alerts report the same operation.
PRIOR_BITS = -6.0


def bits(m_u: tuple[float, float]) -> float:
    """Agreement weight ``log2(m / u)``."""
    m, u = m_u
    return math.log2(m / u)


def tf_penalty(holders: int, full_weight_upto: int = FULL_WEIGHT_UPTO) -> float:
    """Bits a value loses for being held by ``holders`` alerts.

    Counted in whole doublings beyond ``full_weight_upto`` (5-8 holders lose one
    step, 9-16 two): the weight changes, and links are re-scored, only when a
    count crosses a power of two, not at every new holder.
    """
    if holders <= full_weight_upto:
        return 0.0
    return TF_BITS_PER_DOUBLING * math.ceil(math.log2(holders / full_weight_upto))


def tf_step(holders: int, full_weight_upto: int = FULL_WEIGHT_UPTO) -> bool:
    """Whether reaching ``holders`` changes the penalty (a new doubling has begun)."""
    return bool(tf_penalty(holders, full_weight_upto) != tf_penalty(holders - 1, full_weight_upto))


def time_bits(gap_ms: int) -> float:
    """Weight of two observation windows ``gap_ms`` apart: smooth, no calendar boundary."""
    days = gap_ms / 86_400_000
    return TIME_BITS_AT_ZERO - TIME_BITS_PER_DOUBLING * math.log2(1 + days / TIME_SCALE_DAYS)


def probability(weight: float) -> float:
    """Posterior probability of a match at ``weight`` bits, with the documented prior."""
    return 1.0 / (1.0 + math.pow(2.0, -(weight + PRIOR_BITS)))


@dataclass(frozen=True, order=True)
class Evidence:
    """One reason two alerts are (or are not) linked."""

    kind: str
    """``phone``, ``phone~`` (near agreement), ``name``, ``place``, ``time``..."""
    value: str
    """What agreed, as an analyst reads it."""
    weight: float
    """Contribution to the match weight, bits."""


@dataclass(frozen=True)
class Link:
    """The scored relation between two alerts."""

    weight: float
    """Match weight, bits."""
    evidence: tuple[Evidence, ...]
    """What the weight is made of, sorted."""
    keys: frozenset[str]
    """Keys whose counts of holders the weight depends on (re-scored when they grow)."""
    strong: bool = False
    """Carried by an exact, uncommon identifier: strong enough to be transitive."""
    anchors: frozenset[str] = frozenset()
    """Shared blocking keys the link rests on (re-scored when one turns common)."""

    @property
    def score(self) -> float:
        """Posterior probability of a match."""
        return round(probability(self.weight), 6)


NO_LINK = Link(0.0, (), frozenset())
#: ``penalty(key)``: bits evidence from ``key`` loses; ``math.inf`` when the key is common.
Penalty = Callable[[str], float]


def _weigh(agreement: Agreement, penalty: Penalty) -> float:
    lost = max((penalty(k) for k in agreement.tf_keys), default=0.0)
    return max(0.0, agreement.weight - lost) if math.isfinite(lost) else 0.0


def score_pair(a: AlertFeatures, b: AlertFeatures, penalty: Penalty) -> Link:
    """Score the pair (symmetric: ``score_pair(a, b) == score_pair(b, a)``)."""
    first, second = (a, b) if a.key <= b.key else (b, a)
    agreements = identifier_agreements(first, second, IDENTIFIER_MU, NEAR_MU)
    name = name_agreement(first, second, NAME_TOKEN_MU, COMMON_NAME_TOKEN_MU, penalty)
    if name is not None:
        if not agreements and name.weight + PLACE_CAP_BITS + TIME_BITS_AT_ZERO < LINK_THRESHOLD:
            return NO_LINK  # a name this weak cannot link whatever the route and the dates
        agreements.append(name)
    evidence: list[Evidence] = []
    keys: set[str] = set()
    anchors: set[str] = set()
    anchored = strong = False
    for agreement in agreements:
        weight = _weigh(agreement, penalty)
        if agreement.kind == "name":
            weight = min(weight, NAME_CAP_BITS)
        if weight == 0.0 and agreement.weight > 0:
            continue
        keys.update(agreement.tf_keys | agreement.watch_keys)
        shared = agreement.anchor_keys & first.keys & second.keys
        anchors.update(shared)
        if weight > 0 and any(math.isfinite(penalty(k)) for k in shared):
            anchored = True
            strong = strong or (agreement.exact and weight >= STRONG_BITS)
        evidence.append(Evidence(agreement.kind, agreement.value, round(weight, 3)))
    gap = windows_gap_ms(first, second)
    time_weight = time_bits(gap)
    so_far = sum(e.weight for e in evidence) + time_weight
    if not anchored or so_far + PLACE_CAP_BITS < LINK_THRESHOLD:
        return NO_LINK
    places = place_agreements(first, second, bits(PLACE_MU), bits(BUSY_PLACE_MU))
    place_total = min(PLACE_CAP_BITS, sum(p.weight for p in places))
    if places:
        names = " / ".join(sorted(p.value for p in places))
        evidence.append(Evidence("place", names, round(place_total, 3)))
    evidence.append(Evidence("time", f"{gap / 86_400_000:.1f} days apart", round(time_weight, 3)))
    total = round(sum(e.weight for e in evidence), 3)
    strong = strong and total >= LINK_THRESHOLD
    return Link(total, tuple(sorted(evidence)), frozenset(keys), strong, frozenset(anchors))
