"""Stopping child processes the demo, the bench and the tests start."""

from __future__ import annotations

import logging
import subprocess

logger = logging.getLogger(__name__)


def stop_process(process: subprocess.Popen[bytes], name: str, grace_s: float = 20.0) -> None:
    """SIGTERM (clean shutdown, offsets committed), then SIGKILL after ``grace_s``."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        logger.warning("%s ignored SIGTERM for %.0fs; killing it", name, grace_s)
        process.kill()
        process.wait(timeout=grace_s)
