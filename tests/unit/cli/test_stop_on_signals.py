"""``stop_on_signals``: SIGTERM stops a loop that waits on the event, every time."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest

#: A service loop at its most exposed: always inside ``stop.wait``, so a signal nearly always
#: lands while the main thread holds the event's lock.
LOOP = """
from corridor_cli.common import stop_on_signals
stop = stop_on_signals()
print("ready", flush=True)
while not stop.wait(0):
    pass
print("stopped", flush=True)
"""


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_a_loop_waiting_on_the_event_every_time(signum: int) -> None:
    # Setting the event inside the handler deadlocked more than half of these runs.
    for _ in range(8):
        process = subprocess.Popen([sys.executable, "-c", LOOP], stdout=subprocess.PIPE, text=True)
        try:
            assert process.stdout is not None
            assert process.stdout.readline() == "ready\n"
            process.send_signal(signum)
            assert process.wait(timeout=20) == 0
            assert process.stdout.read() == "stopped\n"
        finally:
            process.kill()
            process.wait()
            process.stdout.close()  # type: ignore[union-attr]
