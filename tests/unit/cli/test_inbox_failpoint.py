"""The inbox client's test-only failpoint: off unless armed, armed only with a positive count."""

from __future__ import annotations

import pytest

from corridor_cli import environment
from corridor_cli.environment import CORRIDOR_FAILPOINT_INBOX_KILL_AFTER_STORE
from schemas.errors import ConfigError


def test_unset_the_failpoint_is_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CORRIDOR_FAILPOINT_INBOX_KILL_AFTER_STORE, raising=False)
    assert environment.inbox_kill_after_store() is None


def test_armed_with_a_count(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CORRIDOR_FAILPOINT_INBOX_KILL_AFTER_STORE, "7")
    assert environment.inbox_kill_after_store() == 7


@pytest.mark.parametrize("raw", ["0", "-1", "soon"], ids=["zero", "negative", "text"])
def test_a_bad_count_is_a_config_error(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv(CORRIDOR_FAILPOINT_INBOX_KILL_AFTER_STORE, raw)
    with pytest.raises(ConfigError, match=CORRIDOR_FAILPOINT_INBOX_KILL_AFTER_STORE):
        environment.inbox_kill_after_store()
