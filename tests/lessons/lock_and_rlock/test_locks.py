"""Lock rules, deadlock shown safely and cured by a global order, and locking granularity."""

from __future__ import annotations

import threading

import pytest
from matplotlib.figure import Figure

from helpers.lessons.lock_and_rlock.locks import (
    GRANULARITIES,
    acquire_in_order,
    explore_granularity,
    in_lock_order,
    lock_overhead,
    lock_pair_rounds,
    opposite_order_deadlock,
    plot_lock_overhead,
    release_from_another_thread,
    rlock_behaviour,
    run_granularity,
    try_acquire_elsewhere,
)
from helpers.teaching.rlock import RLock as TeachingRLock


def test_any_thread_may_release_a_lock() -> None:
    lock = threading.Lock()
    lock.acquire()
    assert release_from_another_thread(lock) is None
    assert not lock.locked()


def test_only_the_owner_may_release_an_rlock() -> None:
    rlock = threading.RLock()
    rlock.acquire()
    error = release_from_another_thread(rlock)
    assert isinstance(error, RuntimeError)
    assert try_acquire_elsewhere(rlock) is False  # still held by this thread
    rlock.release()
    assert try_acquire_elsewhere(rlock) is True


def test_releasing_an_unlocked_lock_is_an_error_from_any_thread() -> None:
    assert isinstance(release_from_another_thread(threading.Lock()), RuntimeError)


def test_try_acquire_elsewhere_leaves_the_lock_as_it_was() -> None:
    lock = threading.Lock()
    assert try_acquire_elsewhere(lock, 0.01) is True
    assert not lock.locked()


def test_opposite_order_deadlock_is_detected_by_both_threads() -> None:
    attempts = opposite_order_deadlock(timeout=0.05)
    assert [(a.thread, a.holds, a.wants, a.got_it) for a in attempts] == [
        ("thread 1", "A", "B", False),
        ("thread 2", "B", "A", False),
    ]
    assert "gave up" in str(attempts[0])


def test_deadlock_demo_validates_timeout() -> None:
    with pytest.raises(ValueError, match="timeout"):
        opposite_order_deadlock(timeout=0)


def test_global_order_never_deadlocks() -> None:
    outcome = lock_pair_rounds(100, ordered=True, timeout=2.0)
    assert (outcome.completed, outcome.timeouts) == (200, 0)
    assert "one global order" in str(outcome)


def test_unordered_rounds_are_accounted_for() -> None:
    outcome = lock_pair_rounds(3, ordered=False, timeout=0.02)
    assert outcome.completed + outcome.timeouts == 6


def test_in_lock_order_is_the_same_whatever_the_argument_order() -> None:
    a, b, c = threading.Lock(), threading.Lock(), threading.Lock()
    assert in_lock_order([a, b, c]) == in_lock_order([c, a, b]) == in_lock_order([b, c, a])
    with pytest.raises(ValueError, match="same lock twice"):
        in_lock_order([a, a])


def test_acquire_in_order_holds_all_then_releases_all() -> None:
    a, b = threading.Lock(), threading.Lock()
    with acquire_in_order(b, a):
        assert a.locked() and b.locked()
    assert not a.locked() and not b.locked()
    with pytest.raises(KeyError), acquire_in_order(a, b):
        raise KeyError("released anyway")
    assert not a.locked() and not b.locked()


def test_acquire_in_order_times_out_and_releases_what_it_took() -> None:
    a, b = threading.Lock(), threading.Lock()
    second = in_lock_order([a, b])[1]
    second.acquire()
    try:
        with pytest.raises(TimeoutError), acquire_in_order(a, b, timeout=0.05):
            pass
        assert in_lock_order([a, b])[0].locked() is False
    finally:
        second.release()
    with pytest.raises(ValueError), acquire_in_order():
        pass


def test_acquire_in_order_works_with_rlocks_and_teaching_rlocks() -> None:
    locks = [threading.RLock(), TeachingRLock()]
    with acquire_in_order(*locks, timeout=1):
        assert all(try_acquire_elsewhere(lock) is False for lock in locks)
    assert all(try_acquire_elsewhere(lock) is True for lock in locks)


@pytest.mark.parametrize("granularity", list(GRANULARITIES))
def test_granularity_counts_exactly_and_excludes_mutually(granularity: str) -> None:
    run = run_granularity(granularity, threads=3, items=4, work_ms=2)
    assert run.total == run.expected == 12
    assert len(run.operations) == 12
    assert run.max_holders() == 1
    assert [label for label, _ in run.rows()] == ["thread 1", "thread 2", "thread 3"]


def test_coarse_lock_is_held_across_the_work() -> None:
    coarse = run_granularity("coarse", threads=2, items=2, work_ms=5)
    fine = run_granularity("fine", threads=2, items=2, work_ms=5)
    held = [b - a for op in coarse.operations for a, b in op.running]
    assert min(held) >= 0.005  # sleep never returns early: the lock covered the work
    # Fine: the lock is taken only after the work, so never before 5 ms into the operation.
    assert all(op.running[0][0] - op.start >= 0.005 for op in fine.operations)


@pytest.mark.parametrize(
    ("kwargs", "error", "name"),
    [
        ({"granularity": "medium"}, ValueError, "granularity"),
        ({"granularity": 1}, TypeError, "granularity"),
        ({"threads": 0}, ValueError, "threads"),
        ({"items": 0}, ValueError, "items"),
        ({"work_ms": -1}, ValueError, "work_ms"),
        ({"work_ms": "x"}, TypeError, "work_ms"),
    ],
)
def test_run_granularity_validates(
    kwargs: dict[str, object], error: type[Exception], name: str
) -> None:
    with pytest.raises(error, match=name):
        run_granularity(**kwargs)  # type: ignore[arg-type]


def test_explore_granularity_draws_and_reports_progress() -> None:
    seen: list[tuple[int, int]] = []
    fig, runs = explore_granularity(3, 2, 1, progress=lambda d, t: seen.append((d, t)))
    assert isinstance(fig, Figure)
    assert [r.threads for r in runs["coarse"]] == [1, 2, 3]
    assert all(r.total == r.expected for rs in runs.values() for r in rs)
    assert seen[-1] == (6, 6)
    wall_ax = fig.axes[1]
    assert wall_ax.get_xlabel() == "threads" and "ms" in wall_ax.get_ylabel()
    with pytest.raises(ValueError, match="threads"):
        explore_granularity(0)


def test_lock_overhead_measures_four_ways_with_exact_counts() -> None:
    results = lock_overhead(increments=4_000, threads=2, batch=100)
    assert len(results) == 4 and all(v > 0 for v in results.values())
    fig = plot_lock_overhead(results)
    assert "ns" in fig.axes[0].get_xlabel()
    with pytest.raises(ValueError):
        lock_overhead(increments=0)
    with pytest.raises(ValueError):
        plot_lock_overhead({})


def test_rlock_behaviour_is_the_same_for_both_rlocks() -> None:
    stdlib = rlock_behaviour(threading.RLock)
    assert stdlib == rlock_behaviour(TeachingRLock)
    assert stdlib["another thread: release()"] == "RuntimeError"
    assert stdlib["after 2 of 3 releases, another thread: acquire"] is False
    assert stdlib["after 3 of 3 releases, another thread: acquire"] is True


class _SilentRLock:
    """A wrong RLock: a release by a non-owner is silently ignored instead of an error."""

    def __init__(self) -> None:
        self._inner = threading.RLock()

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        return self._inner.acquire(blocking, timeout)

    def release(self) -> None:
        try:
            self._inner.release()
        except RuntimeError:
            if threading.current_thread() is threading.main_thread():
                raise

    __enter__ = acquire

    def __exit__(self, *exc: object) -> None:
        self.release()


def test_rlock_behaviour_notices_a_missing_owner_check() -> None:
    report = rlock_behaviour(_SilentRLock)
    assert report["another thread: release()"] == "no error"
    assert report != rlock_behaviour(threading.RLock)
