"""The merge queue of ``clusters`` gives exactly the groups of the scan it replaced."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from streams.clustering import clusters
from streams.scoring import LINK_THRESHOLD, Evidence, Link
from tests.unit.streams.reference_clustering import reference_clusters

KINDS = ("phone", "phone~", "handle", "name", "place", "time")
#: Few weights, so that ratios tie and the tie-break by group ids is exercised.
WEIGHTS = (1.5, 2.0, 3.0, LINK_THRESHOLD / 2, LINK_THRESHOLD, 7.25, 0.1 + 0.2)


@st.composite
def linked_graphs(draw: st.DrawFn) -> tuple[list[str], dict[tuple[str, str], Link]]:
    """Nodes and links that share pieces of evidence, with a few strong links."""
    count = draw(st.integers(min_value=2, max_value=40))
    nodes = [f"A{n:02d}" for n in range(count)]
    pairs = [(a, b) for i, a in enumerate(nodes) for b in nodes[i + 1 :]]
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=min(len(pairs), 160)))
    links: dict[tuple[str, str], Link] = {}
    for pair in chosen:
        pieces = draw(
            st.lists(
                st.tuples(
                    st.sampled_from(KINDS),
                    st.integers(min_value=0, max_value=4),
                    st.one_of(st.sampled_from(WEIGHTS), st.floats(min_value=0.1, max_value=12.0)),
                ),
                min_size=1,
                max_size=3,
            )
        )
        evidence = tuple(Evidence(kind, f"v{value}", weight) for kind, value, weight in pieces)
        strong = draw(st.integers(min_value=0, max_value=9)) == 0
        links[pair] = Link(sum(e.weight for e in evidence), evidence, frozenset(), strong=strong)
    return nodes, links


@settings(max_examples=400, deadline=None)
@given(linked_graphs(), st.randoms(use_true_random=False))
def test_the_merge_queue_forms_the_groups_of_the_full_scan(
    graph: tuple[list[str], dict[tuple[str, str], Link]], rnd: random.Random
) -> None:
    nodes, links = graph
    # The mapping's order is the order links were found in: any order gives the same groups.
    items = list(links.items())
    rnd.shuffle(items)
    shuffled = dict(items)
    assert clusters(nodes, shuffled, LINK_THRESHOLD) == reference_clusters(
        nodes, shuffled, LINK_THRESHOLD
    )


def test_a_large_weakly_linked_component_is_grouped_as_before() -> None:
    rnd = random.Random(14)
    nodes = [f"N{n:04d}" for n in range(600)]
    links: dict[tuple[str, str], Link] = {}
    for _ in range(4000):
        a, b = sorted(rnd.sample(nodes, 2))
        evidence = tuple(
            Evidence(rnd.choice(KINDS), f"v{rnd.randrange(30)}", rnd.choice(WEIGHTS))
            for _ in range(rnd.randint(1, 3))
        )
        links[(a, b)] = Link(sum(e.weight for e in evidence), evidence, frozenset())
    assert clusters(nodes, links, LINK_THRESHOLD) == reference_clusters(
        nodes, links, LINK_THRESHOLD
    )
