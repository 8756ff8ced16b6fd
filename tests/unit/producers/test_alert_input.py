"""Reading alerts files: JSON object, JSON array, JSON Lines."""

from __future__ import annotations

import pytest

from producers.alert_input import parse_alerts
from producers.errors import InputError


@pytest.mark.parametrize(
    ("text", "count"),
    [
        pytest.param('{"a": 1}', 1, id="object"),
        pytest.param('[{"a": 1}, {"a": 2}]', 2, id="array"),
        pytest.param('{"a": 1}\n\n{"a": 2}\n', 2, id="json-lines"),
        pytest.param('  {"a": 1}  ', 1, id="whitespace"),
    ],
)
def test_formats(text: str, count: int) -> None:
    assert len(parse_alerts(text, "f")) == count


def test_sources_name_lines_and_items() -> None:
    assert [r.source for r in parse_alerts('{"a":1}\n{"a":2}', "x.jsonl")] == [
        "x.jsonl line 1",
        "x.jsonl line 2",
    ]
    assert parse_alerts('[{"a":1}]', "x.json")[0].source == "x.json item 1"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("", "no alerts", id="empty"),
        pytest.param('{"a": 1}\n{"a": ', "line 2: invalid JSON", id="broken-line"),
        pytest.param('{"a": NaN}', "NaN is not valid JSON", id="nan"),
        pytest.param("not json", "line 1: invalid JSON", id="text"),
    ],
)
def test_errors_name_the_line(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_alerts(text, "f")
