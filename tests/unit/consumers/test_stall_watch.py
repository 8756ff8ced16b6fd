"""A consumer is called stalled only when it polls nothing while its group waits still."""

from __future__ import annotations

from consumers.stall_watch import GroupProgress, StallWatch


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _idle(watch: StallWatch, clock: _Clock, seconds: int, lag: int, committed: int) -> None:
    """Empty polls for ``seconds``, with an outside measurement every 5 s."""
    for second in range(seconds + 1):
        clock.now += 1.0
        watch.polled(0)
        if second % 5 == 0:
            watch.measured(GroupProgress(lag=lag, committed=committed, at=clock.now))


def test_empty_polls_while_the_group_waits_still_are_a_stall() -> None:
    clock = _Clock()
    watch = StallWatch(30.0, clock)
    _idle(watch, clock, 29, lag=7, committed=40)
    assert not watch.stalled()  # not yet 30 s
    _idle(watch, clock, 2, lag=7, committed=40)
    assert watch.stalled()
    assert watch.idle_s() >= 30


def test_an_idle_consumer_with_nothing_waiting_is_not_stalled() -> None:
    clock = _Clock()
    watch = StallWatch(30.0, clock)
    _idle(watch, clock, 120, lag=0, committed=40)
    assert not watch.stalled()


def test_moving_commits_mean_another_member_makes_progress() -> None:
    clock = _Clock()
    watch = StallWatch(30.0, clock)
    for step in range(30):
        _idle(watch, clock, 4, lag=7, committed=40 + step)
    assert not watch.stalled()


def test_records_reset_the_watch_and_a_recreated_consumer_starts_over() -> None:
    clock = _Clock()
    watch = StallWatch(30.0, clock)
    _idle(watch, clock, 40, lag=7, committed=40)
    watch.polled(3)
    assert not watch.stalled()
    _idle(watch, clock, 40, lag=7, committed=43)
    assert watch.stalled()
    watch.reset()
    assert not watch.stalled()


def test_without_fresh_measurements_nothing_is_called_a_stall() -> None:
    clock = _Clock()
    watch = StallWatch(30.0, clock)
    watch.measured(GroupProgress(lag=7, committed=40, at=clock.now - 1))  # before idling
    for _ in range(60):
        clock.now += 1.0
        watch.polled(0)
    assert not watch.stalled()


def test_zero_switches_the_watch_off() -> None:
    clock = _Clock()
    watch = StallWatch(0.0, clock)
    _idle(watch, clock, 120, lag=7, committed=40)
    assert not watch.stalled()


def test_empty_polls_that_keep_the_thread_busy_are_a_spin() -> None:
    from consumers.stall_watch import SPIN_POLLS, SpinWatch

    spin = SpinWatch()
    for _ in range(SPIN_POLLS - 1):
        spin.polled(0, wall_s=0.2, cpu_s=0.08)  # 40%: what the wedge measured
    assert not spin.spinning()
    spin.polled(0, wall_s=0.2, cpu_s=0.08)
    assert spin.spinning()
    spin.reset()
    assert not spin.spinning()


def test_waiting_polls_records_and_early_returns_are_not_a_spin() -> None:
    from consumers.stall_watch import SPIN_POLLS, SpinWatch

    spin = SpinWatch()
    for n in range(10 * SPIN_POLLS):
        spin.polled(0, wall_s=0.2, cpu_s=0.001)  # a healthy wait for the fetch
        spin.polled(0, wall_s=0.001, cpu_s=0.001)  # returned early: not judged
        if n % (SPIN_POLLS - 1) == 0:
            spin.polled(5, wall_s=0.2, cpu_s=0.2)  # records: busy for good reason
    assert not spin.spinning()
    for _ in range(SPIN_POLLS - 1):
        spin.polled(0, wall_s=0.2, cpu_s=0.08)
    spin.polled(0, wall_s=0.2, cpu_s=0.001)  # one waiting poll breaks the run
    assert not spin.spinning()
