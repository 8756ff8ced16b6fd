"""The worker's consumer asks the broker to hold a fetch for the app's short wait only."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread

from streams.consumer_thread import (
    DEFAULT_FETCH_MAX_WAIT_MS,
    ShortWaitConsumerThread,
    set_fetch_max_wait,
)


class _App:
    """Stands for the Faust app the wait is set for (weakly referenced)."""


def _created_wait(monkeypatch: pytest.MonkeyPatch, app: _App) -> int:
    def fausts(self: Any, transport: Any) -> Any:
        return SimpleNamespace(_fetch_max_wait_ms=1500)  # what Faust hands aiokafka

    monkeypatch.setattr(AIOKafkaConsumerThread, "_create_worker_consumer", fausts)
    thread = object.__new__(ShortWaitConsumerThread)
    thread.app = app
    wait: int = thread._create_worker_consumer(transport=None)._fetch_max_wait_ms
    return wait


def test_the_worker_consumer_uses_the_apps_fetch_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    app = _App()
    set_fetch_max_wait(app, 77)
    assert _created_wait(monkeypatch, app) == 77


def test_without_a_setting_the_wait_is_short(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _created_wait(monkeypatch, _App()) == DEFAULT_FETCH_MAX_WAIT_MS <= 100
