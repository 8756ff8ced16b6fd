"""bench/pipeline/cpu.py: CPU accounting from /proc and finding a broker by its port."""

from __future__ import annotations

import os
import socket

from bench.pipeline.cpu import CpuProbe, cpu_seconds, listening_pid, total_cpu_seconds


def test_listening_pid_finds_the_process_that_listens() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        assert listening_pid(f"127.0.0.1:{port},127.0.0.1:1") == os.getpid()
    assert listening_pid(f"127.0.0.1:{port}") is None
    assert listening_pid("broker.example.org:9092") is None


def test_cpu_seconds_grow_with_work_and_unknown_pids_are_left_out() -> None:
    probe = CpuProbe({"me": os.getpid(), "gone": None})
    before = probe.sample()
    start = cpu_seconds(os.getpid())
    assert start is not None
    while (cpu_seconds(os.getpid()) or 0.0) < start + 0.065:  # /proc counts in 10 ms ticks
        sum(i * i for i in range(10_000))
    used = CpuProbe.used(before, probe.sample())
    assert used["me"] >= 0.05
    assert "gone" not in used


def test_a_name_for_several_processes_is_their_sum() -> None:
    me = cpu_seconds(os.getpid())
    parent = cpu_seconds(os.getppid())
    assert me is not None and parent is not None
    both = CpuProbe({"brokers": (os.getpid(), os.getppid())}).sample()["brokers"]
    assert both is not None and both >= me + parent
    assert total_cpu_seconds(()) is None
    assert total_cpu_seconds((os.getpid(), 2**22 + 1)) is None  # past Linux's pid_max
