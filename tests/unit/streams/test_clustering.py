"""Incidents from links without chaining: strong links are transitive, weak ones need support."""

from __future__ import annotations

import itertools

import pytest

from streams.clustering import clusters, required_support
from streams.scoring import LINK_THRESHOLD, Evidence, Link

T = LINK_THRESHOLD
_serial = itertools.count()


def weak(weight: float = T, value: str = "") -> Link:
    """A link resting on one piece of evidence (a distinct one unless ``value`` is given)."""
    piece = Evidence("phone~", value or f"near-{next(_serial)}", weight)
    return Link(weight, (piece,), frozenset())


def strong(weight: float = 20.0) -> Link:
    return Link(weight, (Evidence("phone", f"p{next(_serial)}", weight),), frozenset(), strong=True)


def test_two_single_alerts_need_one_link() -> None:
    assert required_support(1, 1, T) == T
    assert clusters(["a", "b"], {("a", "b"): weak()}, T) == [{"a", "b"}]


def test_strong_links_are_transitive() -> None:
    links = {("a", "b"): strong(), ("b", "c"): strong(), ("c", "d"): strong()}
    assert clusters(["a", "b", "c", "d"], links, T) == [{"a", "b", "c", "d"}]


def test_a_chain_of_weak_links_does_not_make_one_group() -> None:
    nodes = ["a", "b", "c", "d", "e"]
    links = {(x, y): weak() for x, y in itertools.pairwise(nodes)}
    groups = clusters(nodes, links, T)
    assert max(len(g) for g in groups) == 2


def test_an_alert_joins_a_group_with_enough_evidence_against_the_group() -> None:
    group = {("a", "b"): strong(), ("b", "c"): strong()}
    one_link = {**group, ("c", "x"): weak()}
    assert {"x"} in clusters(["a", "b", "c", "x"], one_link, T)
    two_links = {**group, ("c", "x"): weak(), ("a", "x"): weak()}
    assert clusters(["a", "b", "c", "x"], two_links, T) == [{"a", "b", "c", "x"}]


@pytest.mark.parametrize("weight", [T, 2 * T, 5 * T])
def test_one_alert_cannot_bridge_two_groups(weight: float) -> None:
    """However many members of the other group one alert resembles."""
    left = {("a1", "a2"): strong(), ("a2", "a3"): strong()}
    right = {("b1", "b2"): strong(), ("b2", "b3"): strong()}
    bridge = {("a1", "b1"): weak(weight), ("a1", "b2"): weak(weight), ("a1", "b3"): weak(weight)}
    nodes = ["a1", "a2", "a3", "b1", "b2", "b3"]
    assert clusters(nodes, {**left, **right, **bridge}, T) == [
        {"a1", "a2", "a3"},
        {"b1", "b2", "b3"},
    ]


def test_groups_with_several_members_on_each_side_linked_merge() -> None:
    left = {("a1", "a2"): strong()}
    right = {("b1", "b2"): strong()}
    across = {("a1", "b1"): weak(), ("a2", "b2"): weak()}
    assert clusters(["a1", "a2", "b1", "b2"], {**left, **right, **across}, T) == [
        {"a1", "a2", "b1", "b2"}
    ]


def test_one_piece_of_evidence_on_many_links_counts_once() -> None:
    """A hotline written in every alert of two groups is still one hotline."""
    left = {("a1", "a2"): strong()}
    right = {("b1", "b2"): strong()}
    hotline = {(a, b): weak(T, "hotline") for a in ("a1", "a2") for b in ("b1", "b2")}
    assert clusters(["a1", "a2", "b1", "b2"], {**left, **right, **hotline}, T) == [
        {"a1", "a2"},
        {"b1", "b2"},
    ]


def test_the_result_does_not_depend_on_the_order_of_nodes_or_links() -> None:
    links = {("a", "b"): weak(), ("b", "c"): weak(12.0), ("c", "d"): strong(), ("a", "d"): weak()}
    reference = clusters(["a", "b", "c", "d"], links, T)
    reordered = dict(reversed(list(links.items())))
    assert clusters(["d", "c", "b", "a"], reordered, T) == reference
