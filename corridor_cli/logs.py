"""Logging set-up for every ``corridor`` process: plain text or one JSON object a line."""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from corridor_cli import environment


class JsonFormatter(logging.Formatter):
    """One JSON object per record, for log shippers: UTC time, level, logger, message.

    Messages carry identifiers, topics, offsets, agencies and reasons only: Corridor never
    logs alert content, personal data or key material (see docs/operations.md).
    """

    def format(self, record: logging.LogRecord) -> str:
        document = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            document["exception"] = self.formatException(record.exc_info)
        return json.dumps(document)


class RepeatLimiter(logging.Filter):
    """At most ``burst`` records of one kind (logger, level, message template) per ``window_s``.

    During a broker outage a client library or a retry loop can log the same error
    dozens of times a second, burying everything else and filling disks. Records at
    WARNING and above of one kind beyond the burst are dropped for the rest of the
    window; the first one let through after it says how many were suppressed.
    Records below WARNING pass untouched.
    """

    def __init__(
        self,
        burst: int = 5,
        window_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self._burst = burst
        self._window_s = window_s
        self._clock = clock
        self._lock = threading.Lock()
        self._kinds: dict[tuple[str, int, str], _Window] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        kind = (record.name, record.levelno, str(record.msg))
        now = self._clock()
        with self._lock:
            window = self._kinds.setdefault(kind, _Window(started=now))
            if now - window.started >= self._window_s:
                window.started, window.passed = now, 0
            if window.passed >= self._burst:
                window.suppressed += 1
                return False
            window.passed += 1
            suppressed, window.suppressed = window.suppressed, 0
        if suppressed:
            record.msg = f"{record.msg} [{suppressed} similar messages suppressed]"
        return True


@dataclass
class _Window:
    """One kind of record in the current window."""

    started: float
    passed: int = 0
    suppressed: int = 0


def configure(level: str | None = None) -> None:
    """Configure the root logger once, on stderr (stdout carries command output)."""
    handler = logging.StreamHandler(sys.stderr)
    if environment.log_format() == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RepeatLimiter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    chosen = level or environment.log_level()
    root.setLevel(chosen)
    if chosen != "DEBUG":
        # kafka-python logs every failed connection attempt at ERROR; Corridor reports
        # the outcome itself (e.g. "cannot reach Kafka at ..."), so keep the noise for DEBUG.
        logging.getLogger("kafka").setLevel(logging.CRITICAL)
        # Except a consumer group's membership (joined, assigned, revoked, heartbeat
        # failures, left): a few lines per rebalance, and the first thing an operator
        # needs when a service stops consuming.
        for name in ("kafka.coordinator", "kafka.consumer.subscription_state"):
            logging.getLogger(name).setLevel(chosen)
        # Faust and its service framework announce every start and stop step at INFO.
        for name in ("aiokafka", "faust", "mode"):
            logging.getLogger(name).setLevel(logging.WARNING)
