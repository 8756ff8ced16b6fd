"""Repeated errors are rate-limited in the log, and the suppression is said."""

from __future__ import annotations

import logging

from corridor_cli.logs import RepeatLimiter


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _record(
    message: str, level: int = logging.ERROR, name: str = "streams.app"
) -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, message, ("x",), None)


def test_a_burst_of_one_error_passes_then_the_rest_of_the_window_is_suppressed() -> None:
    clock = _Clock()
    limiter = RepeatLimiter(burst=3, window_s=60.0, clock=clock)
    passed = [limiter.filter(_record("send to %s failed")) for _ in range(70)]
    assert passed.count(True) == 3
    assert passed[:3] == [True, True, True]
    clock.now = 61.0
    record = _record("send to %s failed")
    assert limiter.filter(record)
    assert record.getMessage() == "send to x failed [67 similar messages suppressed]"


def test_other_kinds_and_info_records_are_not_limited() -> None:
    limiter = RepeatLimiter(burst=1, window_s=60.0, clock=_Clock())
    assert limiter.filter(_record("a %s"))
    assert not limiter.filter(_record("a %s"))
    assert limiter.filter(_record("b %s"))
    assert limiter.filter(_record("a %s", name="consumers.delivery.service"))
    assert limiter.filter(_record("a %s", level=logging.WARNING))
    assert all(limiter.filter(_record("a %s", level=logging.INFO)) for _ in range(10))


def test_the_configured_root_handler_limits_repeats() -> None:
    from corridor_cli import logs

    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    try:
        logs.configure("INFO")
        assert any(isinstance(f, RepeatLimiter) for h in root.handlers for f in h.filters)
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)


def test_group_membership_is_logged_but_not_kafka_pythons_connection_noise() -> None:
    from corridor_cli import logs

    root = logging.getLogger()
    names = ("kafka", "kafka.coordinator", "kafka.consumer.subscription_state")
    saved = (root.handlers[:], root.level, {n: logging.getLogger(n).level for n in names})
    try:
        logs.configure("INFO")
        assert logging.getLogger("kafka.coordinator").isEnabledFor(logging.INFO)
        assert logging.getLogger("kafka.coordinator.heartbeat").isEnabledFor(logging.WARNING)
        assert logging.getLogger("kafka.consumer.subscription_state").isEnabledFor(logging.INFO)
        assert not logging.getLogger("kafka.conn").isEnabledFor(logging.ERROR)
    finally:
        root.handlers[:], level, levels = saved
        root.setLevel(level)
        for name, saved_level in levels.items():
            logging.getLogger(name).setLevel(saved_level)
