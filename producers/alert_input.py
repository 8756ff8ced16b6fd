"""Reading alerts from JSON or JSON Lines, as integrators write them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from producers.errors import InputError
from schemas.errors import DocumentError
from schemas.user_files import decode_utf8, loads_json


@dataclass(frozen=True)
class RawAlert:
    """One alert object as read, before validation."""

    source: str
    """Where it came from, for messages: ``alerts.jsonl line 3`` or ``alerts.json item 2``."""
    document: Any
    """The decoded JSON value."""


def parse_alert_bytes(data: bytes, name: str) -> list[RawAlert]:
    """:func:`parse_alerts` of a file's bytes, which must be UTF-8."""
    try:
        text = decode_utf8(data, name)
    except DocumentError as exc:
        raise InputError(str(exc)) from exc
    return parse_alerts(text, name)


def parse_alerts(text: str, name: str) -> list[RawAlert]:
    """Parse a JSON object, a JSON array of objects, or JSON Lines.

    Raises :class:`InputError` naming the line of the first syntax error, or of a
    duplicate key, too deep a nesting or a lone surrogate (:mod:`schemas.user_files`).
    """
    stripped = text.strip()
    if not stripped:
        raise InputError(f"{name}: no alerts (the input is empty)")
    if stripped[0] in "[{":
        try:
            document = loads_json(text, name)
        except DocumentError as exc:
            if not exc.syntax:
                raise InputError(str(exc)) from exc
            document = None  # not one JSON value: try JSON Lines below
        else:
            items = document if isinstance(document, list) else [document]
            return [RawAlert(f"{name} item {i + 1}", item) for i, item in enumerate(items)]
    return list(_json_lines(text, name))


def _json_lines(text: str, name: str) -> Iterator[RawAlert]:
    # Only "\n" ends a line: str.splitlines() would also split at U+2028 and other
    # characters a JSON string may hold literally.
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            yield RawAlert(f"{name} line {number}", loads_json(line, name, first_line=number))
        except DocumentError as exc:
            raise InputError(str(exc)) from exc
