"""Where the CPU goes: per-process CPU time from /proc, the broker's pid, py-spy recordings."""

from __future__ import annotations

import logging
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("bench")


def cpu_seconds(pid: int | None) -> float | None:
    """User+system CPU seconds of process ``pid`` (all threads), from /proc; None if unknown."""
    if pid is None:
        return None
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
    except OSError:
        return None
    return _cpu_ticks(stat) / os.sysconf("SC_CLK_TCK")


def _cpu_ticks(stat: str) -> int:
    """User+system clock ticks of a /proc ``stat`` line (a process's or a thread's)."""
    fields = stat.rsplit(")", 1)[1].split()
    # Fields after "pid (comm)": state is field 3, utime field 14, stime field 15.
    return int(fields[11]) + int(fields[12])


def total_cpu_seconds(pids: Sequence[int]) -> float | None:
    """CPU seconds of several processes together (a cluster's brokers); None if one is unknown."""
    seconds = [cpu_seconds(pid) for pid in pids]
    if not seconds or any(s is None for s in seconds):
        return None
    return sum(s for s in seconds if s is not None)


#: Thread names (``comm``) of the JVM's just-in-time compiler threads: "C2 CompilerThre".
_JIT_THREAD = re.compile(r"C\d CompilerThre")


def jit_cpu_seconds(pids: Sequence[int]) -> float | None:
    """CPU seconds of the JIT compiler threads of the JVMs ``pids`` together (part of their
    :func:`total_cpu_seconds`); None if one is unknown.

    A broker started for a run compiles its hot paths while the run loads it: CPU that a
    long-running broker spent once, days ago. The report shows it apart.
    """
    if not pids:
        return None
    total = 0
    tasks = []
    for pid in pids:
        try:
            tasks += list(Path(f"/proc/{pid}/task").iterdir())
        except OSError:
            return None
    for task in tasks:
        try:
            stat = (task / "stat").read_text(encoding="utf-8")
        except OSError:  # the thread ended meanwhile
            continue
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        if _JIT_THREAD.fullmatch(comm):
            total += _cpu_ticks(stat)
    return total / os.sysconf("SC_CLK_TCK")


MACHINE = "(machine)"
"""Name of the whole machine's busy CPU time in a probe's samples."""


def machine_busy_seconds() -> float | None:
    """CPU seconds all cores spent busy since boot (every process, ours or not), from /proc/stat."""
    try:
        first = Path("/proc/stat").read_text(encoding="ascii").splitlines()[0]
    except (OSError, IndexError):
        return None
    ticks = [int(v) for v in first.split()[1:9]]  # user nice system idle iowait irq softirq steal
    busy = sum(ticks) - ticks[3] - ticks[4]
    return busy / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class CpuProbe:
    """Named pids whose CPU time is sampled around a timed window, and the whole machine's.

    A name may stand for several processes (the brokers of a cluster): their sum is sampled.
    """

    pids: dict[str, int | tuple[int, ...] | None]

    def sample(self) -> dict[str, float | None]:
        """CPU seconds of each process now; :data:`MACHINE`: busy seconds of all cores."""
        sampled = {
            name: total_cpu_seconds(pid) if isinstance(pid, tuple) else cpu_seconds(pid)
            for name, pid in self.pids.items()
        }
        sampled[MACHINE] = machine_busy_seconds()
        return sampled

    @staticmethod
    def used(before: dict[str, float | None], after: dict[str, float | None]) -> dict[str, float]:
        """CPU seconds used between two samples (processes that could not be read are left out)."""
        used: dict[str, float] = {}
        for name, start in before.items():
            end = after.get(name)
            if start is not None and end is not None:
                used[name] = end - start
        return used


def _listening_inodes(port: int) -> set[str]:
    """Socket inodes listening on TCP ``port`` (IPv4 and IPv6), from /proc/net."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text(encoding="ascii").splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            local, state, inode = parts[1], parts[3], parts[9]
            if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:  # 0A = LISTEN
                inodes.add(inode)
    return inodes


def listening_pid(bootstrap: str) -> int | None:
    """Pid of the local process listening on the first bootstrap server's port, if we can see it.

    Used to find an external broker's JVM; None when it is remote or another user's.
    """
    host, _, port = bootstrap.split(",")[0].rpartition(":")
    if host not in {"127.0.0.1", "localhost", "::1", "[::1]"} or not port.isdigit():
        return None
    wanted = {f"socket:[{inode}]" for inode in _listening_inodes(int(port))}
    if not wanted:
        return None
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            for fd in (proc / "fd").iterdir():
                if str(fd.readlink()) in wanted:
                    return int(proc.name)
        except OSError:
            continue
    return None


class Profiler:
    """py-spy recordings of named processes, written to ``directory`` when stopped.

    py-spy samples a running process from outside (ptrace); it cannot read a JVM, so the
    broker is left out. ``--nonblocking`` keeps it from pausing the process it samples.
    """

    def __init__(self, directory: Path, fmt: str = "flamegraph") -> None:
        self.directory = directory
        self.fmt = fmt
        self._running: list[tuple[str, subprocess.Popen[bytes], Path]] = []
        self.written: list[Path] = []

    @staticmethod
    def executable() -> str | None:
        """The py-spy program next to this Python, or on the PATH."""
        beside = Path(sys.executable).parent / "py-spy"
        return str(beside) if beside.exists() else shutil.which("py-spy")

    def start(self, label: str, pids: dict[str, int]) -> None:
        """Start recording each process; ``label`` names this run in the file names."""
        program = self.executable()
        if program is None:
            raise RuntimeError("--profile needs py-spy (pip install py-spy)")
        self.directory.mkdir(parents=True, exist_ok=True)
        suffix = "svg" if self.fmt == "flamegraph" else "speedscope.json"
        for name, pid in pids.items():
            out = self.directory / f"{label}-{name.replace(' ', '-')}.{suffix}"
            argv = [program, "record", "--pid", str(pid), "--rate", "100", "--nonblocking"]
            argv += ["--format", self.fmt, "--output", str(out)]
            process = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
            )
            self._running.append((name, process, out))

    def stop(self) -> None:
        """Stop every recording (SIGINT makes py-spy write its file) and wait for the files."""
        for _, process, _ in self._running:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for name, process, out in self._running:
            try:
                _, err = process.communicate(timeout=60.0)
            except subprocess.TimeoutExpired:
                process.kill()
                _, err = process.communicate()
            if out.exists():
                self.written.append(out)
            else:
                detail = err.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
                log.warning("py-spy wrote no profile of %s: %s", name, detail[0])
        self._running.clear()
