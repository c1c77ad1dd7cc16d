"""One behavioural suite, run on threading's semaphores and on the course's teaching ones.

Modelled on what CPython's Lib/test/lock_tests.py checks. Every wait has a timeout, every
thread is joined with a timeout, and no test asserts a duration.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from threads import BOUND, join_all, start  # tests/support/

from helpers.core.lifecycle import wait_until, waiting_count
from helpers.teaching import semaphore as teaching

PLAIN = {"threading": threading.Semaphore, "teaching": teaching.Semaphore}
BOUNDED = {"threading": threading.BoundedSemaphore, "teaching": teaching.BoundedSemaphore}
BOTH = {
    **{f"{k}.Semaphore": v for k, v in PLAIN.items()},
    **{f"{k}.BoundedSemaphore": v for k, v in BOUNDED.items()},
}


@pytest.fixture(params=list(BOTH), ids=list(BOTH))
def make(request: pytest.FixtureRequest) -> Callable[..., Any]:
    return BOTH[request.param]


@pytest.fixture(params=list(PLAIN), ids=list(PLAIN))
def make_plain(request: pytest.FixtureRequest) -> Callable[..., Any]:
    return PLAIN[request.param]


@pytest.fixture(params=list(BOUNDED), ids=list(BOUNDED))
def make_bounded(request: pytest.FixtureRequest) -> Callable[..., Any]:
    return BOUNDED[request.param]


def start_blocked(sem: Any, count: int, results: list[Any]) -> list[threading.Thread]:
    """``count`` threads that each block in ``acquire`` (bounded) and record the result."""
    threads = [start(lambda: results.append(sem.acquire(timeout=BOUND))) for _ in range(count)]
    assert wait_until(lambda: waiting_count(sem) == count, BOUND)
    return threads


# --- Construction ------------------------------------------------------------------------------


def test_negative_start_value_is_refused(make: Callable[..., Any]) -> None:
    for value in (-1, -(2**62)):
        with pytest.raises(ValueError, match="initial value must be >= 0"):
            make(value)


def test_default_value_is_one(make: Callable[..., Any]) -> None:
    sem = make()
    assert sem.acquire(False) is True
    assert sem.acquire(False) is False
    sem.release()


def test_zero_permits_blocks_until_released(make_plain: Callable[..., Any]) -> None:
    sem = make_plain(0)
    results: list[Any] = []
    threads = start_blocked(sem, 1, results)
    assert results == []
    sem.release()
    join_all(threads)
    assert results == [True]


# --- acquire -------------------------------------------------------------------------------------


def test_acquire_returns_true_and_counts_down(make: Callable[..., Any]) -> None:
    sem = make(2)
    assert sem.acquire() is True
    assert sem.acquire(True) is True
    assert sem.acquire(blocking=False) is False
    sem.release()
    assert sem.acquire(False) is True
    sem.release()
    sem.release()


def test_timeout_returns_false_and_true(make: Callable[..., Any]) -> None:
    sem = make(2)
    assert sem.acquire(timeout=0.005) is True
    assert sem.acquire(timeout=0.005) is True
    assert sem.acquire(timeout=0.005) is False
    assert sem.acquire(timeout=0) is False
    assert sem.acquire(timeout=-1) is False
    sem.release()
    assert sem.acquire(timeout=0.005) is True


@pytest.mark.parametrize("timeout", [0, -1, 0.02])
def test_timed_acquire_waits_as_threading_does(make: Callable[..., Any], timeout: float) -> None:
    """CPython's arithmetic: the first wait gets the whole timeout, even 0 or less (a look
    that still releases the lock for a moment, so a releaser can get in); later waits get
    what is left, and the acquire gives up once nothing is left."""
    sem = make(1)
    sem.acquire()
    waits: list[float | None] = []
    real_wait = sem._cond.wait

    def recording_wait(wait_timeout: float | None = None) -> bool:
        waits.append(wait_timeout)
        return bool(real_wait(wait_timeout))

    sem._cond.wait = recording_wait  # instance attribute: only this semaphore
    assert sem.acquire(timeout=timeout) is False
    assert waits[0] == timeout  # the whole timeout first
    assert all(w is not None and w < timeout for w in waits[1:])  # then what was left
    sem.release()


def test_timeout_with_non_blocking_is_refused(make: Callable[..., Any]) -> None:
    sem = make(2)
    with pytest.raises(ValueError, match="can't specify timeout"):
        sem.acquire(False, timeout=1.0)
    assert sem.acquire(False) is True  # the refused call took nothing
    assert sem.acquire(False) is True


def test_timed_out_acquire_leaves_the_queue(make: Callable[..., Any]) -> None:
    sem = make(1)
    sem.acquire()
    assert sem.acquire(timeout=0.01) is False
    assert waiting_count(sem) == 0
    sem.release()


def test_blocked_acquire_wakes_on_release(make: Callable[..., Any]) -> None:
    sem = make(1)
    sem.acquire()
    results: list[Any] = []
    threads = start_blocked(sem, 1, results)
    sem.release()
    join_all(threads)
    assert results == [True]
    assert sem.acquire(False) is False  # the waiter holds it now (it never released)


def test_try_acquire_contended(make: Callable[..., Any]) -> None:
    sem = make(4)
    sem.acquire()
    results: list[bool] = []
    threads = [
        start(lambda: results.extend([sem.acquire(False), sem.acquire(False)])) for _ in range(5)
    ]
    join_all(threads)
    assert sorted(results) == [False] * 7 + [True] * 3


# --- with -----------------------------------------------------------------------------------


def test_with_takes_and_gives_back_even_on_error(make: Callable[..., Any]) -> None:
    sem = make(2)
    with sem as entered:
        assert entered is True
        assert sem.acquire(False) is True
        sem.release()
        with sem:
            assert sem.acquire(False) is False
    assert [sem.acquire(False), sem.acquire(False)] == [True, True]
    sem.release(2)
    with pytest.raises(TypeError), sem:
        raise TypeError("boom")
    assert [sem.acquire(False), sem.acquire(False)] == [True, True]


# --- release -------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [0, -1])
def test_release_n_must_be_positive(make: Callable[..., Any], n: int) -> None:
    sem = make(1)
    sem.acquire()
    with pytest.raises(ValueError, match="n must be one or more"):
        sem.release(n)
    assert sem.acquire(False) is False  # nothing was released


def test_release_n_wakes_n_waiters(make: Callable[..., Any]) -> None:
    sem = make(3)
    for _ in range(3):
        sem.acquire()
    results: list[Any] = []
    threads = start_blocked(sem, 3, results)
    sem.release(2)
    assert wait_until(lambda: len(results) == 2, BOUND)
    assert waiting_count(sem) == 1  # the third still waits: only 2 permits came back
    sem.release()
    join_all(threads)
    assert results == [True, True, True]
    assert sem.acquire(False) is False


def test_plain_semaphore_may_grow(make_plain: Callable[..., Any]) -> None:
    sem = make_plain(1)
    sem.release()  # no acquire before: allowed, the counter becomes 2
    assert [sem.acquire(False), sem.acquire(False), sem.acquire(False)] == [True, True, False]


def test_bounded_semaphore_refuses_over_release(make_bounded: Callable[..., Any]) -> None:
    sem = make_bounded(2)
    with pytest.raises(ValueError, match="released too many times"):
        sem.release()
    sem.acquire()
    with pytest.raises(ValueError, match="released too many times"):
        sem.release(2)  # one of the two would go past the initial value: none is added
    sem.release()
    assert [sem.acquire(False), sem.acquire(False), sem.acquire(False)] == [True, True, False]


def test_bounded_release_n_up_to_the_limit(make_bounded: Callable[..., Any]) -> None:
    sem = make_bounded(3)
    for _ in range(3):
        sem.acquire()
    sem.release(3)
    with pytest.raises(ValueError):
        sem.release()


# --- repr -----------------------------------------------------------------------------------


#: Each kind's repr when made with 3 permits, and after one acquire.
REPRS = {
    "Semaphore": (r"<\w+\.Semaphore at 0x[0-9a-f]+: value=3>", r": value=2>$"),
    "BoundedSemaphore": (r"<\w+\.BoundedSemaphore at 0x[0-9a-f]+: value=3/3>", r": value=2/3>$"),
}


def test_repr_shows_the_counter(make: Callable[..., Any]) -> None:
    """A BoundedSemaphore's repr shows its limit as well."""
    kind = "BoundedSemaphore" if make in BOUNDED.values() else "Semaphore"
    if make is getattr(threading, kind) and "value=" not in repr(make()):
        pytest.skip(f"threading.{kind} has a counter in its repr from Python 3.11")
    full, after_one_acquire = REPRS[kind]
    sem = make(3)
    assert re.search(full, repr(sem))
    sem.acquire()
    assert re.search(after_one_acquire, repr(sem))


# --- Contention under load ---------------------------------------------------------------------


def test_acquire_contended_in_phases(make: Callable[..., Any]) -> None:
    """lock_tests' phases: exactly as many acquires succeed as permits were released."""
    sem = make(7)
    sem.acquire()
    phase = [0]
    got: list[int] = []

    def take_two() -> None:
        for _ in range(2):
            if sem.acquire(timeout=BOUND):
                got.append(phase[0])

    threads = [start(take_two) for _ in range(10)]
    assert wait_until(lambda: len(got) == 6, BOUND)
    phase[0] = 1
    for _ in range(7):
        sem.release()
    assert wait_until(lambda: len(got) == 13, BOUND)
    phase[0] = 2
    sem.release(6)
    assert wait_until(lambda: len(got) == 19, BOUND)
    assert sem.acquire(False) is False  # every released permit was taken
    sem.release()
    join_all(threads)
    assert sorted(got) == [0] * 6 + [1] * 7 + [2] * 7


def test_load_never_more_holders_than_permits_and_no_lost_permit(
    make: Callable[..., Any],
) -> None:
    """Many threads x many cycles, mixing blocking, timed, non-blocking and release(n)."""
    permits, threads_count, cycles = 3, 12, 150
    sem = make(permits)
    holders = [0, 0]  # [now, most ever]
    count_lock = threading.Lock()
    stuck: list[str] = []

    def hold(n: int) -> None:
        with count_lock:
            holders[0] += n
            holders[1] = max(holders)
        time.sleep(0)  # let others run while holding
        with count_lock:
            holders[0] -= n

    def worker(i: int) -> None:
        for c in range(cycles):
            style = (i + c) % 4
            if style == 0:
                with sem:
                    hold(1)
            elif style == 1:
                if sem.acquire(timeout=BOUND):
                    hold(1)
                    sem.release()
                else:
                    stuck.append(f"thread {i} timed out")
                    return
            elif style == 2:
                if sem.acquire(blocking=False):  # may fail: that is allowed
                    hold(1)
                    sem.release()
            else:  # two permits at once, given back with release(2)
                if sem.acquire(timeout=BOUND):
                    if sem.acquire(timeout=0.001):
                        hold(2)
                        sem.release(2)
                    else:
                        sem.release()
                else:
                    stuck.append(f"thread {i} timed out")
                    return

    threads = [start(lambda i=i: worker(i), f"load-{i}") for i in range(threads_count)]
    join_all(threads, 3 * BOUND)
    assert stuck == []
    assert holders[1] <= permits
    assert [sem.acquire(False) for _ in range(permits + 1)] == [True] * permits + [False]
    assert waiting_count(sem) == 0
