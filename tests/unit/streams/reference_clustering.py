"""The clustering as it was before its merge queue: the reference the fast one must equal."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from streams.scoring import Link

#: Extra support (in thresholds) two groups need per doubling of ``|A| * |B|``.
GROUP_BITS_PER_DOUBLING = 0.25


@dataclass(frozen=True)
class _Support:
    """The evidence between two groups and the alerts of each that take part."""

    pieces: dict[tuple[str, str], float]
    """Best weight of each piece: identifiers by value; names, places, time once each."""
    left: frozenset[str]
    """Alerts of the first group with a link to the second."""
    right: frozenset[str]
    """Alerts of the second group with a link to the first."""

    @classmethod
    def of(cls, link: Link, a: str, b: str) -> _Support:
        pieces: dict[tuple[str, str], float] = {}
        for e in link.evidence:
            piece = (e.kind, e.value) if e.kind not in _ONCE else (e.kind, "")
            pieces[piece] = max(pieces.get(piece, e.weight), e.weight)
        return cls(pieces, frozenset({a}), frozenset({b}))

    def combine(self, other: _Support | None) -> _Support:
        if other is None:
            return self
        pieces = dict(other.pieces)
        for piece, weight in self.pieces.items():
            pieces[piece] = max(pieces.get(piece, weight), weight)
        return _Support(pieces, self.left | other.left, self.right | other.right)

    def flipped(self) -> _Support:
        return _Support(self.pieces, self.right, self.left)

    def total(self) -> float:
        return sum(self.pieces.values())


#: Evidence kinds counted once between two groups, whichever alerts carry them.
_ONCE = frozenset({"name", "place", "time"})


def required_support(size_a: int, size_b: int, threshold: float) -> float:
    """Summed link weight two groups need between them to merge."""
    return threshold * (1.0 + GROUP_BITS_PER_DOUBLING * math.log2(size_a * size_b))


def _strong_groups(nodes: list[str], links: dict[tuple[str, str], Link]) -> dict[str, str]:
    parent = {n: n for n in nodes}

    def root(node: str) -> str:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for (a, b), link in sorted(links.items()):
        if link.strong:
            ra, rb = root(a), root(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    return {n: root(n) for n in nodes}


def reference_clusters(
    nodes: Iterable[str], links: dict[tuple[str, str], Link], threshold: float
) -> list[set[str]]:
    """Partition ``nodes`` into coherent groups given the links between them."""
    ordered = sorted(nodes)
    group_of = _strong_groups(ordered, links)
    members: dict[str, set[str]] = {}
    for node in ordered:
        members.setdefault(group_of[node], set()).add(node)
    # Per pair of groups: the evidence between them (each piece once, at its best
    # weight), and the alerts of each group taking part.
    support: dict[tuple[str, str], _Support] = {}
    for (a, b), link in links.items():
        ga, gb = group_of[a], group_of[b]
        if ga != gb:
            if ga > gb:
                ga, gb, a, b = gb, ga, b, a
            support[(ga, gb)] = _Support.of(link, a, b).combine(support.get((ga, gb)))
    while True:
        best: tuple[float, tuple[str, str]] | None = None
        for pair, between in support.items():
            size_a, size_b = len(members[pair[0]]), len(members[pair[1]])
            if min(size_a, size_b) > 1 and min(len(between.left), len(between.right)) < 2:
                continue
            ratio = between.total() / required_support(size_a, size_b, threshold)
            if ratio >= 1.0 and (best is None or (-ratio, pair) < (-best[0], best[1])):
                best = (ratio, pair)
        if best is None:
            break
        keep, gone = best[1]
        members[keep] |= members.pop(gone)
        merged: dict[tuple[str, str], _Support] = {}
        for (x, y), between in support.items():
            x = keep if x == gone else x
            y = keep if y == gone else y
            if x == y:
                continue
            if x > y:
                x, y, between = y, x, between.flipped()
            merged[(x, y)] = between.combine(merged.get((x, y)))
        support = merged
    return sorted(members.values(), key=min)
