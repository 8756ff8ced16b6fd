"""Logging set-up for every ``corridor`` process: plain text or one JSON object a line."""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys

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
        # Faust and its service framework announce every start and stop step at INFO.
        for name in ("aiokafka", "faust", "mode"):
            logging.getLogger(name).setLevel(logging.WARNING)
