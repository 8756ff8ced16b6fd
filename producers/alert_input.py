"""Reading alerts from JSON or JSON Lines, as integrators write them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from producers.errors import InputError
from schemas.json_mapping import loads_strict


@dataclass(frozen=True)
class RawAlert:
    """One alert object as read, before validation."""

    source: str
    """Where it came from, for messages: ``alerts.jsonl line 3`` or ``alerts.json item 2``."""
    document: Any
    """The decoded JSON value."""


def parse_alerts(text: str, name: str) -> list[RawAlert]:
    """Parse a JSON object, a JSON array of objects, or JSON Lines.

    Raises :class:`InputError` naming the line of the first syntax error.
    """
    stripped = text.strip()
    if not stripped:
        raise InputError(f"{name}: no alerts (the input is empty)")
    if stripped[0] in "[{":
        try:
            document = loads_strict(stripped)
        except (json.JSONDecodeError, ValueError):
            document = None  # not one JSON value: try JSON Lines below
        else:
            items = document if isinstance(document, list) else [document]
            return [RawAlert(f"{name} item {i + 1}", item) for i, item in enumerate(items)]
    return list(_json_lines(text, name))


def _json_lines(text: str, name: str) -> Iterator[RawAlert]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield RawAlert(f"{name} line {number}", loads_strict(line))
        except json.JSONDecodeError as exc:
            raise InputError(
                f"{name} line {number}: invalid JSON at column {exc.colno}: {exc.msg}"
            ) from exc
        except ValueError as exc:
            raise InputError(f"{name} line {number}: {exc}") from exc
