"""Who carries what: every report shares an underlying identifier with its operation."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from producers.simulation.knobs import Dice, knobs
from producers.simulation.operations import link_plan

ITEMS = st.lists(
    st.tuples(st.sampled_from(["phone", "alias", "account", "vessel"]), st.integers(0, 2)),
    min_size=1,
    max_size=6,
    unique=True,
)


@given(
    common=ITEMS,
    extra=st.lists(ITEMS, min_size=2, max_size=6),
    seed=st.integers(0, 1000),
    difficulty=st.floats(0.0, 1.0),
)
def test_every_report_shares_an_identifier_with_another(
    common: list[tuple[str, int]],
    extra: list[list[tuple[str, int]]],
    seed: int,
    difficulty: float,
) -> None:
    eligible = [common + [i for i in more if i not in common] for more in extra]
    carried = link_plan(Dice(random.Random(seed), knobs(difficulty)), eligible)
    assert len(carried) == len(eligible)
    for n, items in enumerate(carried):
        assert set(items) <= set(eligible[n])
        others = set().union(*(set(c) for m, c in enumerate(carried) if m != n))
        assert set(items) & others, (n, carried)


def test_name_only_links_grow_with_difficulty() -> None:
    eligible = [[("phone", 0), ("alias", 0)], [("phone", 0), ("alias", 0)]]

    def name_only(difficulty: float) -> int:
        rng = random.Random(1)
        count = 0
        for _ in range(400):
            dice = Dice(rng, knobs(difficulty))
            dice.k = dice.k.__class__(**{**dice.k.__dict__, "keep_identifier": 0.0})
            carried = link_plan(dice, eligible)
            count += carried[0] == [("alias", 0)]
        return count

    assert name_only(1.0) > 2 * name_only(0.0) > 0
