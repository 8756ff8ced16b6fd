"""From pairwise links to incidents without chaining (pure, deterministic).

Connected components let one weak link glue two operations together, and a
chain of weak links glue many. Here a *strong* link (an exact, uncommon
identifier: the same phone, vessel, account, plate or payment id) is
transitive: alerts joined by one belong together. Weaker links only merge two
groups when the evidence between the groups *as a whole* is enough: each piece
counted once (the same phone on five links is one phone; names, route and time
count once each), it must reach ``threshold * (1 + log2(|A| * |B|) / 4)``, and
when both groups have several members, at least two alerts of each must take
part: one alert cannot bridge two groups, however many members of the other it
resembles. Two single alerts need one link; an alert joining a group of four
needs one and a half times the threshold (two pieces of evidence, or one very
strong).

Merges are made best-supported first, ties broken by member keys, so the result
is a function of the links alone, whatever order alerts arrived in.
"""

from __future__ import annotations

import heapq
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

    for a, b in sorted(pair for pair, link in links.items() if link.strong):
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {n: root(n) for n in nodes}


def clusters(
    nodes: Iterable[str], links: dict[tuple[str, str], Link], threshold: float
) -> list[set[str]]:
    """Partition ``nodes`` into coherent groups given the links between them."""
    ordered = sorted(nodes)
    group_of = _strong_groups(ordered, links)
    members: dict[str, set[str]] = {}
    for node in ordered:
        members.setdefault(group_of[node], set()).add(node)
    _MergeQueue(members, _support_between_groups(links, group_of), threshold).merge_all()
    return sorted(members.values(), key=min)


def _support_between_groups(
    links: dict[tuple[str, str], Link], group_of: dict[str, str]
) -> dict[tuple[str, str], _Support]:
    """Per pair of groups: the evidence between them and the alerts of each taking part.

    Each piece counts once, at its best weight. The pieces of a pair are kept in the
    order their links come in ``links``, as combining one link's support at a time
    would, so that the totals are summed in that order.
    """
    gathered: dict[tuple[str, str], tuple[dict[tuple[str, str], float], set[str], set[str]]] = {}
    for (a, b), link in links.items():
        ga, gb = group_of[a], group_of[b]
        if ga == gb:
            continue
        if ga > gb:
            ga, gb, a, b = gb, ga, b, a
        entry = gathered.get((ga, gb))
        if entry is None:
            entry = gathered[(ga, gb)] = ({}, set(), set())
        pieces, left, right = entry
        for e in link.evidence:
            piece = (e.kind, "") if e.kind in _ONCE else (e.kind, e.value)
            best = pieces.get(piece)
            if best is None or e.weight > best:
                pieces[piece] = e.weight
        left.add(a)
        right.add(b)
    return {
        pair: _Support(pieces, frozenset(left), frozenset(right))
        for pair, (pieces, left, right) in gathered.items()
    }


class _MergeQueue:
    """Merges groups best-supported first until no pair of groups has enough support.

    A merge changes only the pairs of the two groups it joins, so the pairs live in a
    heap (stale entries are skipped when they come up) instead of being scanned and
    rebuilt after every merge: the cost is about ``pairs * log(pairs)``, not
    ``merges * pairs``, which on a component of a thousand weakly linked alerts is the
    difference between milliseconds and a tenth of a second per added alert.

    The result is that of scanning every pair for the best after each merge (ratio,
    then the smaller pair of group ids), and the two supports of a merged pair are
    combined in the order of the pairs' first appearance (``rank``), as a rebuilt
    mapping would, so that each total is summed in the same order to the same float.
    """

    def __init__(
        self,
        members: dict[str, set[str]],
        support: dict[tuple[str, str], _Support],
        threshold: float,
    ) -> None:
        self._members = members
        self._support = support
        self._threshold = threshold
        self._rank = {pair: rank for rank, pair in enumerate(support)}
        self._partners: dict[str, set[str]] = {}
        self._stamp: dict[tuple[str, str], int] = {}
        self._heap: list[tuple[float, tuple[str, str], int]] = []
        #: Pairs with a current entry in the heap (that may merge).
        self._queued: set[tuple[str, str]] = set()
        self._pushed = 0
        for x, y in support:
            self._partners.setdefault(x, set()).add(y)
            self._partners.setdefault(y, set()).add(x)
        for pair in support:
            self._queue(pair)

    def _queue(self, pair: tuple[str, str]) -> None:
        """(Re)consider ``pair``: queue it if it may merge now; older entries go stale."""
        self._pushed += 1
        self._stamp[pair] = self._pushed
        self._queued.discard(pair)
        between = self._support[pair]
        size_a, size_b = len(self._members[pair[0]]), len(self._members[pair[1]])
        if min(size_a, size_b) > 1 and min(len(between.left), len(between.right)) < 2:
            return
        ratio = between.total() / required_support(size_a, size_b, self._threshold)
        if ratio >= 1.0:
            heapq.heappush(self._heap, (-ratio, pair, self._pushed))
            self._queued.add(pair)

    def merge_all(self) -> None:
        while self._heap:
            _, pair, stamp = heapq.heappop(self._heap)
            if self._stamp.get(pair) == stamp:
                self._merge(*pair)

    def _merge(self, keep: str, gone: str) -> None:
        members, support, rank = self._members, self._support, self._rank
        members[keep] |= members.pop(gone)
        del support[(keep, gone)], self._stamp[(keep, gone)], rank[(keep, gone)]
        self._queued.discard((keep, gone))
        # A pair that could not merge cannot after a merge that left its support as it
        # was: groups only grow, so the support it needs only rises, and the alerts of
        # each taking part stay as few. Only the pairs that changed are considered again.
        changed = set()
        self._partners[keep].discard(gone)
        self._partners[gone].discard(keep)
        for other in sorted(self._partners.pop(gone)):
            old = (gone, other) if gone < other else (other, gone)
            between, old_rank = support.pop(old), rank.pop(old)
            del self._stamp[old]
            self._queued.discard(old)
            self._partners[other].discard(gone)
            pair = (keep, other) if keep < other else (other, keep)
            if (pair[0] == keep) != (old[0] == gone):
                between = between.flipped()
            present = support.get(pair)
            changed.add(pair)
            if present is None:
                support[pair], rank[pair] = between, old_rank
                self._partners[keep].add(other)
                self._partners[other].add(keep)
            elif rank[pair] < old_rank:
                support[pair] = between.combine(present)
            else:
                support[pair], rank[pair] = present.combine(between), old_rank
        for other in self._partners[keep]:
            pair = (keep, other) if keep < other else (other, keep)
            if pair in changed or pair in self._queued:
                self._queue(pair)
