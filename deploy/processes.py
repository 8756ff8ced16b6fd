"""Stopping child processes the demo, the bench and the tests start; detached servers' pids."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
from pathlib import Path

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


def _reap(pid: int) -> bool:
    """Reap ``pid`` if it is a finished child of ours; return True if it was reaped."""
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return False
    return done == pid


def pid_alive(pid: int) -> bool:
    """True if ``pid`` is a live (non-zombie) process."""
    if _reap(pid):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
    except OSError:
        return True  # no procfs: trust kill(0)
    # Field 3 (after "pid (comm)") is the state; Z = zombie, X = dead.
    state = stat.rsplit(")", 1)[-1].split()[0]
    return state not in {"Z", "X"}


def cmdline(pid: int) -> list[str] | None:
    """The command line of ``pid`` (None without procfs or once it is gone)."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def signal_group(pid: int, sig: signal.Signals) -> None:
    """Signal ``pid``'s process group if it leads one (a detached server), else the pid alone."""
    try:
        if os.getpgid(pid) == pid:
            os.killpg(pid, sig)
        else:
            os.kill(pid, sig)
    except ProcessLookupError:
        pass
