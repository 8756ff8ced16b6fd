"""Every loader of a file a person writes refuses what would crash it or silently change it.

Deep nesting (RecursionError before), bytes that are not UTF-8 (UnicodeDecodeError), a lone
surrogate escape (UnicodeEncodeError in the Avro writer, later) and duplicate keys (the last
value won): each is a CorridorError naming the file and the line.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from producers.alert_input import parse_alert_bytes
from producers.scenarios import sample_alert
from schemas import registry as reg
from schemas.client_security import load_client_security
from schemas.errors import CorridorError, DocumentError
from schemas.taskforce import load_taskforce
from schemas.truststore import TrustStore, dump_trust_store, load_trust_store
from schemas.user_files import MAX_DEPTH, loads_json, loads_toml

DEEP = 5_000
"""Far deeper than MAX_DEPTH, and than the interpreter's recursion limit."""


@dataclass(frozen=True)
class JsonLoader:
    """A loader of a JSON file and a valid document for it."""

    load: Callable[[Path], object]
    document: Callable[[TrustStore], dict[str, Any]]


def _signed_registry(store: TrustStore) -> dict[str, Any]:
    now = dt.datetime.now(dt.UTC)
    signed = reg.draft(store, version=1, issued_at=now, expires_at=now + dt.timedelta(days=1))
    return signed.to_json()


def _roots(store: TrustStore) -> dict[str, Any]:
    key = Ed25519PrivateKey.generate().public_key()
    return reg.dump_roots(reg.make_roots([("chair", key)], 1))


JSON_LOADERS = {
    "trust-store": JsonLoader(load_trust_store, dump_trust_store),
    "roots": JsonLoader(reg.load_roots, _roots),
    "registry-file": JsonLoader(lambda p: reg.parse_signed(p.read_bytes()), _signed_registry),
    "alerts-file": JsonLoader(
        lambda p: parse_alert_bytes(p.read_bytes(), str(p)), lambda _: sample_alert("PK-FIA", 1)
    ),
}


def _pretty(document: dict[str, Any]) -> str:
    """Multi-line JSON whose line 2 is the document's first member."""
    return json.dumps(document, indent=2)


def _with_member(document: dict[str, Any], member: str) -> str:
    """``document`` with ``member`` (raw JSON text) added as its first member, on line 2."""
    return "{\n  " + member + ",\n" + _pretty(document)[2:]


def _duplicate_first_key(document: dict[str, Any]) -> str:
    key, value = next(iter(document.items()))
    return _with_member(document, f"{json.dumps(key)}: {json.dumps(value)}")


DEFECTS: dict[str, tuple[Callable[[dict[str, Any]], bytes], str]] = {
    "deep-nesting": (
        lambda d: _with_member(d, '"x": ' + "[" * DEEP + "]" * DEEP).encode(),
        f"line 2: nested deeper than {MAX_DEPTH} levels",
    ),
    "duplicate-key": (
        lambda d: _duplicate_first_key(d).encode(),
        "line [0-9]+: duplicate key",
    ),
    "lone-surrogate": (
        lambda d: _with_member(d, '"x": "left \\ud800 alone"').encode(),
        r"line 2: \\ud800 in x is half of a UTF-16 surrogate pair",
    ),
    "not-utf-8": (
        lambda d: _with_member(d, '"x": "caf\xe9"').encode("latin-1"),
        r"line 2: not UTF-8 text \(byte 0xe9\)",
    ),
}


@pytest.mark.parametrize("defect", DEFECTS)
@pytest.mark.parametrize("loader", JSON_LOADERS)
def test_json_loaders_name_the_file_and_line(
    loader: str, defect: str, tmp_path: Path, trust_store: TrustStore
) -> None:
    case, make = JSON_LOADERS[loader], DEFECTS[defect][0]
    path = tmp_path / f"{loader}.json"
    path.write_text(_pretty(case.document(trust_store)), "utf-8")
    case.load(path)  # the file without the defect loads
    path.write_bytes(make(case.document(trust_store)))
    with pytest.raises(CorridorError, match=DEFECTS[defect][1]) as info:
        case.load(path)
    if loader != "registry-file":  # parse_signed reads bytes, the caller names the file
        assert str(path) in str(info.value)
    assert "\n" not in str(info.value)


def _taskforce(path: Path) -> object:
    return load_taskforce(path)


TOML_LOADERS: dict[str, tuple[Callable[[Path], object], str]] = {
    "taskforce": (_taskforce, "[[agency]]\nid = 'PK-FIA'\nrole = 'coast_guard'\n"),
    "kafka-security": (load_client_security, "protocol = 'PLAINTEXT'\n"),
}

TOML_DEFECTS: dict[str, tuple[bytes, str]] = {
    "deep-nesting": (
        ("x = " + "[" * DEEP + "]" * DEEP + "\n").encode(),
        f"line 1: nested deeper than {MAX_DEPTH} levels",
    ),
    "not-utf-8": ("name = 'caf\xe9'\n".encode("latin-1"), r"line 1: not UTF-8 text"),
}


@pytest.mark.parametrize("defect", TOML_DEFECTS)
@pytest.mark.parametrize("loader", TOML_LOADERS)
def test_toml_loaders_name_the_file_and_line(loader: str, defect: str, tmp_path: Path) -> None:
    load, good = TOML_LOADERS[loader]
    path = tmp_path / f"{loader}.toml"
    path.write_text(good, "utf-8")
    load(path)
    bad, message = TOML_DEFECTS[defect]
    path.write_bytes(bad + good.encode())
    with pytest.raises(CorridorError, match=message) as info:
        load(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            '{"a": {"b": 1,\n "b": 2}}', 'line 2: duplicate key "b" \\(column 2\\)', id="dup"
        ),
        pytest.param('{"a": 1, "\\u0061": 2}', 'duplicate key "a"', id="dup-escaped"),
        pytest.param('[{"a": 1}, {"a": 1, "a": 1}]', "column 21", id="dup-second-object"),
        pytest.param('{"a": "\\udc00"}', r"\\udc00 in a", id="low-surrogate"),
        pytest.param('{"a": ["x", "\\ud800"]}', r"in a\[1\]", id="surrogate-in-list"),
        pytest.param('{"\\ud800": 1}', "half of a UTF-16", id="surrogate-in-key"),
        pytest.param('{"a": "x\udcffy"}', r"\\udcff in a \(?", id="raw-surrogate-stdin"),
        pytest.param("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), "nested deeper", id="deep"),
        pytest.param('{"a": NaN}', "NaN is not valid JSON", id="nan"),
        pytest.param("1" * 5000, "digits", id="huge-int"),
        pytest.param('{"a": 1,}', "line 1: invalid JSON", id="syntax"),
    ],
)
def test_loads_json_refuses(text: str, message: str) -> None:
    with pytest.raises(DocumentError, match=message):
        loads_json(text, "f.json")


@pytest.mark.parametrize(
    "text",
    [
        pytest.param('{"a": "\\ud83d\\ude00", "b": "\\u00e9"}', id="surrogate-pair"),
        pytest.param('{"a": "\\\\ud800"}', id="escaped-backslash"),
        pytest.param('{"a": "[[[[{{{{"}', id="brackets-in-string"),
        pytest.param("[" * MAX_DEPTH + "]" * MAX_DEPTH, id="at-the-limit"),
        pytest.param('{"a": {"b": 1}, "b": {"a": 1}}', id="same-key-other-object"),
    ],
)
def test_loads_json_accepts(text: str) -> None:
    assert loads_json(text, "f.json") == json.loads(text)


def test_json_lines_number_from_the_line() -> None:
    with pytest.raises(DocumentError, match=r'f\.jsonl line 7: duplicate key "a"'):
        loads_json('{"a": 1, "a": 2}', "f.jsonl", first_line=7)


def test_toml_errors_keep_their_line() -> None:
    with pytest.raises(DocumentError, match=r"t.toml line 2: not valid TOML: .* \(column 5\)"):
        loads_toml("a = 1\nb = = 2\n", "t.toml")
    with pytest.raises(DocumentError, match=r"t\.toml line 2: not valid TOML: .* at the end"):
        loads_toml("a = 1\na = [1,\n", "t.toml")
