"""Reading JSON and TOML that people write: alerts files, trust stores, registries, configs.

Every such file goes through here, so a mistake in one ends as a
:class:`~schemas.errors.DocumentError` naming the file and line, never as a traceback:
bytes that are not UTF-8, syntax errors, nesting deeper than :data:`MAX_DEPTH` (the
parsers recurse, and the Avro writer after them), duplicate object keys (the last one
would silently win: an analyst's typo must not change a revision or a marking), lone
UTF-16 surrogates such as ``"\\ud800"`` (valid JSON escapes, but not Unicode text: the
Avro writer cannot encode them), NaN and Infinity, and integers too long to convert.
"""

from __future__ import annotations

import itertools
import json
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from schemas.errors import DocumentError

MAX_DEPTH = 64
"""Deepest nesting of arrays and objects (tables) accepted; real documents need under 10."""

_JSON_STRING = r'"(?:[^"\\\n]|\\.)*"'
_JSON_SKIP = re.compile(_JSON_STRING)
_JSON_BRACKETS = re.compile(rf"{_JSON_STRING}|[\[\]{{}}]")
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")
_BRACKET_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
_JSON_KEYS = re.compile(rf"({_JSON_STRING})\s*:|[\[\]{{}}]")
_TOML_SKIP = re.compile(
    r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'|#[^\n]*'
)
_TOML_BRACKETS = re.compile(rf"{_TOML_SKIP.pattern}|[\[\]{{}}]")
_SURROGATE_ESCAPE = re.compile(
    r"\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}"  # a valid pair: skipped
    r"|\\u[dD][89a-fA-F][0-9a-fA-F]{2}"  # a lone half
)
_RAW_SURROGATE = re.compile("[\ud800-\udfff]")
_TOML_AT_END = " (at end of document)"
_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")


def _position(text: str, index: int, first_line: int) -> tuple[int, int]:
    """1-based line (counted from ``first_line``) and column of ``text[index]``."""
    line = text.count("\n", 0, index)
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return first_line + line, column


def decode_utf8(data: bytes, source: str) -> str:
    """``data`` as UTF-8 text, or a :class:`DocumentError` naming the first bad byte."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise DocumentError.at(
            source, line, f"not UTF-8 text (byte 0x{data[exc.start]:02x})", column
        ) from exc


def _too_deep(text: str, skip: re.Pattern[str], tokens: re.Pattern[str], limit: int) -> int | None:
    """Index of the first bracket that opens level ``limit + 1``, or None.

    ``skip`` matches what may hold brackets that do not count (strings, comments);
    ``tokens`` matches those and the brackets.
    """
    if text.count("[") + text.count("{") <= limit:
        return None  # cannot nest deeper than it has brackets; a JSON Lines line, usually
    if _bracket_depth(_NOT_BRACKETS.sub("", skip.sub("", text))) <= limit:
        return None
    depth = 0  # too deep: find where, token by token
    for match in tokens.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            if depth > limit:
                return match.start()
        elif token in ("]", "}"):
            depth -= 1
    return None


def _bracket_depth(brackets: str) -> int:
    """Deepest nesting of a string of brackets (C-speed: no Python loop per bracket)."""
    steps = map(_BRACKET_STEP.__getitem__, brackets)
    return max(itertools.accumulate(steps), default=0)


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for key, value in pairs:
        if key in document:
            raise _DuplicateKey(key)
        document[key] = value
    return document


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _duplicate_at(text: str) -> int | None:
    """Index of the first key repeated within its object (``text`` is valid up to there)."""
    objects: list[set[str] | None] = []
    for match in _JSON_KEYS.finditer(text):
        bracket = match.group()
        if bracket == "{":
            objects.append(set())
        elif bracket == "[":
            objects.append(None)
        elif bracket in ("]", "}"):
            if objects:
                objects.pop()
        elif objects and objects[-1] is not None:
            try:
                key = json.loads(match.group(1))
            except ValueError:  # past the duplicate the parser saw: nothing to find here
                return None
            if key in objects[-1]:
                return match.start()
            objects[-1].add(key)
    return None


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Every key and string of a decoded document with its path (depth is bounded)."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else key
            yield where, key
            yield from _strings(item, where)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}[{index}]")


def _is_text(string: str) -> bool:
    try:
        string.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _check_surrogates(text: str, document: Any, source: str, first_line: int) -> None:
    """Refuse a lone surrogate, written as an escape or already in ``text`` (a str read
    with errors="surrogateescape", such as stdin under the C locale)."""
    if _SURROGATE_ESCAPE.search(text) is None and _is_text(text):
        return
    for path, string in _strings(document, ""):
        if not _is_text(string):
            escape = next(
                (m for m in _SURROGATE_ESCAPE.finditer(text) if len(m.group()) == 6), None
            )
            lone = escape or _RAW_SURROGATE.search(text)
            if lone is None:
                shown = "a lone surrogate"
            else:
                shown = lone.group() if lone is escape else f"\\u{ord(lone.group()):04x}"
            field = f" in {path}" if path else ""
            problem = f"{shown}{field} is half of a UTF-16 surrogate pair, not a character"
            if lone is None:
                raise DocumentError.at(source, first_line, problem)
            line, column = _position(text, lone.start(), first_line)
            raise DocumentError.at(source, line, problem, column)


def loads_json(text: str, source: str, *, first_line: int = 1) -> Any:
    """Decode one JSON value written by a person; see the module docstring for what is refused.

    ``source`` names the text in errors (``trust store trust.json``); ``first_line`` is the
    line number of the text's first line in its file (JSON Lines).
    """
    # Parsed first, nesting checked after: JSON Lines read as one document fail fast.
    try:
        document = json.loads(
            text, object_pairs_hook=_unique_pairs, parse_constant=_reject_constant
        )
    except json.JSONDecodeError as exc:
        line, column = _position(text, exc.pos, first_line)
        raise DocumentError.at(
            source, line, f"invalid JSON: {exc.msg}", column, syntax=True
        ) from exc
    except _DuplicateKey as exc:
        at = _duplicate_at(text)
        problem = f"duplicate key {json.dumps(exc.key)}"
        if at is None:
            raise DocumentError.at(source, first_line, problem) from exc
        line, column = _position(text, at, first_line)
        raise DocumentError.at(source, line, problem, column) from exc
    except RecursionError as exc:
        raise _nested_too_deep(text, source, first_line) from exc
    except ValueError as exc:  # NaN, Infinity, an integer of more than 4,300 digits
        raise DocumentError.at(source, first_line, str(exc)) from exc
    if _too_deep(text, _JSON_SKIP, _JSON_BRACKETS, MAX_DEPTH) is not None:
        raise _nested_too_deep(text, source, first_line)
    _check_surrogates(text, document, source, first_line)
    return document


def _nested_too_deep(text: str, source: str, first_line: int) -> DocumentError:
    problem = f"nested deeper than {MAX_DEPTH} levels"
    deep = _too_deep(text, _JSON_SKIP, _JSON_BRACKETS, MAX_DEPTH)
    if deep is None:  # the parser ran out of stack first
        return DocumentError.at(source, first_line, problem)
    line, column = _position(text, deep, first_line)
    return DocumentError.at(source, line, problem, column)


def loads_json_bytes(data: bytes, source: str) -> Any:
    """:func:`loads_json` of UTF-8 ``data`` (a file's or a record's bytes)."""
    return loads_json(decode_utf8(data, source), source)


def read_bytes(path: Path, what: str) -> bytes:
    """The bytes of the ``what`` file at ``path`` (a missing or unreadable file is named)."""
    try:
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise DocumentError(f"{what} {path} does not exist") from exc
    except IsADirectoryError as exc:
        raise DocumentError(f"{what} {path} is a directory, not a file") from exc
    except OSError as exc:
        raise DocumentError(f"cannot read {what} {path}: {exc.strerror}") from exc


def read_json_file(path: Path, what: str) -> Any:
    """The JSON document in the ``what`` file at ``path``, checked like :func:`loads_json`."""
    return loads_json_bytes(read_bytes(path, what), f"{what} {path}")


def loads_toml(text: str, source: str) -> dict[str, Any]:
    """Decode a TOML document (duplicate keys and bad escapes are TOML errors already)."""
    deep = _too_deep(text, _TOML_SKIP, _TOML_BRACKETS, MAX_DEPTH)
    if deep is not None:
        line, column = _position(text, deep, 1)
        raise DocumentError.at(source, line, f"nested deeper than {MAX_DEPTH} levels", column)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        where = _TOML_POSITION.search(message)
        if message.endswith(_TOML_AT_END):
            problem = f"not valid TOML: {message.removesuffix(_TOML_AT_END)} at the end"
            raise DocumentError.at(
                source, text.rstrip("\n").count("\n") + 1, problem, syntax=True
            ) from exc
        if where is None:
            raise DocumentError.at(source, 1, f"not valid TOML: {message}", syntax=True) from exc
        problem = f"not valid TOML: {message[: where.start()]}"
        raise DocumentError.at(
            source, int(where.group(1)), problem, int(where.group(2)), syntax=True
        ) from exc
    except RecursionError as exc:  # the bracket count above should make this unreachable
        raise DocumentError.at(source, 1, "nested too deeply") from exc


def read_toml_file(path: Path, what: str) -> dict[str, Any]:
    """The TOML document in the ``what`` file at ``path``."""
    source = f"{what} {path}"
    return loads_toml(decode_utf8(read_bytes(path, what), source), source)
