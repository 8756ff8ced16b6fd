"""Freezing the survivors: young garbage is collected first, what lives is frozen."""

from __future__ import annotations

import gc
import weakref

from streams.heap import freeze_survivors


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


def test_young_cycles_are_collected_and_survivors_frozen() -> None:
    cycle_a, cycle_b = _Node(), _Node()
    cycle_a.other, cycle_b.other = cycle_b, cycle_a
    dead = weakref.ref(cycle_a)
    del cycle_a, cycle_b
    kept = [_Node() for _ in range(1000)]
    before = gc.get_freeze_count()
    try:
        frozen = freeze_survivors()
        assert dead() is None  # garbage made before the freeze is not frozen with the rest
        assert frozen >= before + len(kept)
        assert frozen == gc.get_freeze_count()
        del kept  # a frozen object is still freed when nothing refers to it
        assert gc.get_freeze_count() <= frozen - 1000
    finally:
        gc.unfreeze()
