"""Logging set-up for every ``corridor`` process: plain text or one JSON object a line."""

from __future__ import annotations

import json
import logging
import sys

from corridor_cli import environment


class JsonFormatter(logging.Formatter):
    """One JSON object per record, for log shippers."""

    def format(self, record: logging.LogRecord) -> str:
        document = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            document["exception"] = self.formatException(record.exc_info)
        return json.dumps(document)


def configure(level: str | None = None) -> None:
    """Configure the root logger once, on stderr (stdout carries command output)."""
    handler = logging.StreamHandler(sys.stderr)
    if environment.log_format() == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    chosen = level or environment.log_level()
    root.setLevel(chosen)
    if chosen != "DEBUG":
        # kafka-python logs every failed connection attempt at ERROR; Corridor reports
        # the outcome itself (e.g. "cannot reach Kafka at ..."), so keep the noise for DEBUG.
        logging.getLogger("kafka").setLevel(logging.CRITICAL)
        logging.getLogger("aiokafka").setLevel(logging.WARNING)
