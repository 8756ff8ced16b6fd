"""Excerpts of a broker's logs and of a tool's output, for error messages a human can act on."""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["error_lines", "tail", "tail_text"]

_TAIL_LINES = 40


def tail(path: Path, lines: int = _TAIL_LINES) -> str:
    """Return the last ``lines`` lines of a text file, or a note if it is missing/empty."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return f"({path} does not exist)"
    except OSError as exc:
        return f"({path} could not be read: {exc})"
    if not text.strip():
        return f"({path} is empty)"
    return "\n".join(text.splitlines()[-lines:])


def error_lines(path: Path, limit: int = 8) -> list[str]:
    """The first ``limit`` ERROR/FATAL lines of a Kafka log file (the usual root causes)."""
    found: list[str] = []
    try:
        with path.open(encoding="utf-8", errors="replace") as lines:
            for line in lines:
                if "] ERROR " in line or "] FATAL " in line:
                    found.append(line.rstrip())
                    if len(found) >= limit:
                        break
    except OSError:
        return []
    return found


def tail_text(text: str, lines: int = _TAIL_LINES) -> str:
    """Last ``lines`` lines of captured output, without ANSI colour codes (Maven 3.8 emits some)."""
    stripped = re.sub(r"\x1b\[[0-9;]*m", "", text).strip()
    return "\n".join(stripped.splitlines()[-lines:]) if stripped else "(no output)"
