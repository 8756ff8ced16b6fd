"""Structure-aware mutations of decoded documents (Avro datums, JSON): one field at a time.

A field keeps its place but gets an extreme value (empty, huge, out of range, of another
type, a lone surrogate, NaN...), so the input gets past the framing and tests the checks
behind it.
"""

from __future__ import annotations

import copy
import datetime as dt
import random
from typing import Any

_UTC = dt.UTC
EXTREME_STRINGS = (
    "",
    " ",
    "x" * 5000,
    "\u202e",
    "\x00",
    "\ud800",
    "ΑΒΓ",
    "PK-FIA",
    "TF-HUB",
    "corridor.inbound.PK-FIA",
    "9999-12-31T23:59:59Z",
    "0" * 400,
    "-1",
)
EXTREME_NUMBERS: tuple[Any, ...] = (
    0,
    -1,
    1,
    2**31 - 1,
    -(2**31),
    2**31,
    2**63 - 1,
    -(2**63),
    2**63,
    10**400,
    0.5,
    -0.0,
    1e308,
    float("nan"),
    float("inf"),
    True,
)
EXTREME_TIMES = (
    dt.datetime(1, 1, 1, tzinfo=_UTC),
    dt.datetime(1970, 1, 1, tzinfo=_UTC),
    dt.datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=_UTC),
    dt.datetime(2026, 11, 24, 8, 30, tzinfo=_UTC),
)


def _paths(value: Any, path: tuple[Any, ...], out: list[tuple[Any, ...]]) -> None:
    out.append(path)
    if isinstance(value, dict):
        for key, inner in value.items():
            _paths(inner, (*path, key), out)
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            _paths(inner, (*path, index), out)


def _replacement(rng: random.Random, old: Any, json_only: bool) -> Any:
    """A value for a field that held ``old``: mostly of its type, sometimes of another."""
    if rng.random() < 0.2:
        pool: list[Any] = [None, [], {}, "", 0, [None] * 3, {"x": {"y": []}}]
        if not json_only:
            pool += [b"", b"\xff" * 9]
        return rng.choice(pool)
    if isinstance(old, bool):
        return not old
    if isinstance(old, int | float):
        return rng.choice(EXTREME_NUMBERS)
    if isinstance(old, str):
        return rng.choice((*EXTREME_STRINGS, old * rng.randrange(2, 50), old[: len(old) // 2]))
    if isinstance(old, bytes):
        return rng.choice((b"", old[:-1], old + b"\0", bytes(len(old)), old * 3))
    if isinstance(old, dt.datetime):
        return rng.choice(EXTREME_TIMES)
    if isinstance(old, list):
        if old and rng.random() < 0.5:
            return old * rng.choice((2, 50))
        return []
    if isinstance(old, dict):
        if rng.random() < 0.5:
            return {}
        return {**old, rng.choice(EXTREME_STRINGS): rng.choice(EXTREME_NUMBERS)}
    return rng.choice(EXTREME_STRINGS)


def mutate_document(rng: random.Random, document: Any, *, json_only: bool = False) -> Any:
    """A deep copy of ``document`` with one to three fields replaced, deleted or added.

    ``json_only``: keep to values JSON can hold (no bytes).
    """
    out = copy.deepcopy(document)
    for _ in range(rng.choice((1, 1, 2, 3))):
        paths: list[tuple[Any, ...]] = []
        _paths(out, (), paths)
        path = rng.choice(paths)
        if not path:
            out = _replacement(rng, out, json_only)
            continue
        parent = out
        for step in path[:-1]:
            parent = parent[step]
        last = path[-1]
        action = rng.random()
        if action < 0.15 and isinstance(parent, dict):
            del parent[last]
        elif action < 0.25 and isinstance(parent, dict):
            parent[rng.choice(EXTREME_STRINGS)] = _replacement(rng, parent[last], json_only)
        else:
            parent[last] = _replacement(rng, parent[last], json_only)
    return out


def deeply_nested(rng: random.Random) -> str:
    """JSON text of arrays or objects nested past any sane depth (a parser that recurses
    must refuse it; built as text, because Python's own encoder would recurse too)."""
    depth = rng.choice((63, 64, 65, 200, 5000, 100_000))
    opening, closing = ("[", "]") if rng.random() < 0.5 else ('{"a":', "}")
    return opening * depth + "1" + closing * depth
