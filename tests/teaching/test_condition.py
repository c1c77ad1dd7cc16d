"""One behavioural suite, run on threading.Condition and on the course's teaching Condition.

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
from helpers.teaching.condition import Condition as TeachingCondition

CLASSES = {"threading": threading.Condition, "teaching": TeachingCondition}


@pytest.fixture(params=list(CLASSES), ids=list(CLASSES))
def make(request: pytest.FixtureRequest) -> Callable[..., Any]:
    return CLASSES[request.param]


def start_waiters(cond: Any, count: int, body: Callable[[int], Any]) -> list[threading.Thread]:
    """Start ``count`` threads that each take the lock and call ``body(i)`` (which waits),
    one at a time: thread i is queued before thread i + 1 starts."""
    threads = []
    for i in range(count):
        ready = threading.Event()

        def run(i: int = i, ready: threading.Event = ready) -> None:
            with cond:
                ready.set()
                body(i)

        threads.append(start(run, f"waiter-{i}"))
        assert ready.wait(BOUND)
        # Possible only once waiter i released the lock inside wait(): then it is queued.
        assert cond.acquire(True, BOUND), f"waiter {i} kept the lock while waiting"
        cond.release()
    return threads


# --- The lock API ------------------------------------------------------------------------------


def test_default_lock_is_reentrant(make: Callable[..., Any]) -> None:
    cond = make()
    assert cond.acquire() is True
    assert cond.acquire() is True  # an RLock: the owner may take it again
    cond.release()
    cond.release()
    with pytest.raises(RuntimeError):
        cond.release()


def test_exports_the_given_lock(make: Callable[..., Any]) -> None:
    lock = threading.Lock()
    cond = make(lock)
    cond.acquire()
    assert lock.acquire(False) is False
    cond.release()
    assert lock.acquire(False) is True
    assert cond.acquire(False) is False
    lock.release()
    with cond as entered:
        assert entered is True
        assert lock.acquire(False) is False
    assert lock.acquire(False) is True
    lock.release()


def test_with_releases_on_exception(make: Callable[..., Any]) -> None:
    lock = threading.Lock()
    cond = make(lock)
    with pytest.raises(KeyError), cond:
        raise KeyError("boom")
    assert lock.acquire(False) is True
    lock.release()


@pytest.mark.parametrize("lock_type", [threading.Lock, threading.RLock])
def test_is_owned(make: Callable[..., Any], lock_type: Callable[[], Any]) -> None:
    cond = make(lock_type())
    assert cond._is_owned() is False
    with cond:
        assert cond._is_owned() is True
    assert cond._is_owned() is False


def test_repr_names_the_lock_and_the_waiter_count(make: Callable[..., Any]) -> None:
    lock = threading.Lock()
    cond = make(lock)
    assert re.fullmatch(
        r"<Condition\(<unlocked _thread\.lock object at 0x[0-9a-f]+>, 0\)>", repr(cond)
    )
    threads = start_waiters(cond, 1, lambda i: cond.wait(BOUND))
    with cond:
        assert repr(cond).endswith(", 1)>")
        cond.notify()
    join_all(threads)


# --- Ownership checks ------------------------------------------------------------------------


@pytest.mark.parametrize("call", ["wait", "notify", "notify_all", "wait_for"])
def test_unacquired_lock_raises(make: Callable[..., Any], call: str) -> None:
    cond = make()
    args = {"wait": (0.01,), "notify": (), "notify_all": (), "wait_for": (lambda: False, 0.01)}
    with pytest.raises(RuntimeError, match="un-acquired lock"):
        getattr(cond, call)(*args[call])


def test_lock_held_by_another_thread_is_not_owned_for_rlock(make: Callable[..., Any]) -> None:
    cond = make()  # RLock: ownership is per thread
    holding = threading.Event()
    done = threading.Event()

    def holder() -> None:
        with cond:
            holding.set()
            done.wait(BOUND)

    thread = start(holder)
    assert holding.wait(BOUND)
    try:
        with pytest.raises(RuntimeError):
            cond.notify()
    finally:
        done.set()
        join_all([thread])


def test_a_plain_lock_cannot_tell_who_holds_it(make: Callable[..., Any]) -> None:
    """Over a Lock, the ownership check only asks whether *anyone* holds the lock (CPython's
    fallback _is_owned tries acquire(False)): while another thread holds it, a thread that
    does not may notify, and even wait, which releases the other thread's lock."""
    lock = threading.Lock()
    cond = make(lock)
    with pytest.raises(RuntimeError, match="cannot notify on un-acquired lock"):
        cond.notify()  # nobody holds it: refused
    with pytest.raises(RuntimeError, match="cannot wait on un-acquired lock"):
        cond.wait(0)
    holding, done = threading.Event(), threading.Event()

    def holder() -> None:
        lock.acquire()
        holding.set()
        done.wait(BOUND)  # ends without releasing: the main thread will

    thread = start(holder)
    assert holding.wait(BOUND)
    try:
        assert cond._is_owned() is True  # though this thread does not hold it
        cond.notify()  # no RuntimeError
        cond.notify_all()
        assert cond.wait(0) is False  # released the holder's lock, then took it back
        assert lock.locked()
        assert waiting_count(cond) == 0
    finally:
        done.set()
        join_all([thread])
    lock.release()  # this thread took it in wait(); a Lock may be released by anyone


def test_locked_is_exported_where_threading_exports_it(make: Callable[..., Any]) -> None:
    for lock in (threading.Lock(), threading.RLock(), None):
        real = threading.Condition(lock) if lock is not None else threading.Condition()
        cond = make(lock) if lock is not None else make()
        assert hasattr(cond, "locked") == hasattr(real, "locked")
        if hasattr(cond, "locked"):
            assert cond.locked() is False
            with cond:
                assert cond.locked() is True


# --- wait ------------------------------------------------------------------------------------


@pytest.mark.parametrize("timeout", [0.01, 0, -1])
def test_wait_returns_false_when_not_notified(make: Callable[..., Any], timeout: float) -> None:
    cond = make()
    with cond:
        assert cond.wait(timeout) is False
        assert cond._is_owned()  # the lock is held again after the wait
    assert waiting_count(cond) == 0  # the timed-out waiter left the queue


def test_wait_returns_true_when_notified(make: Callable[..., Any]) -> None:
    cond = make()
    results: list[bool] = []
    threads = start_waiters(cond, 1, lambda i: results.append(cond.wait(BOUND)))
    with cond:
        cond.notify()
    join_all(threads)
    assert results == [True]


def test_wait_without_timeout_returns_true(make: Callable[..., Any]) -> None:
    cond = make()
    results: list[bool] = []
    threads = start_waiters(cond, 1, lambda i: results.append(cond.wait()))
    with cond:
        cond.notify()
    join_all(threads)
    assert results == [True]


def test_wait_releases_an_rlock_fully_and_restores_it(make: Callable[..., Any]) -> None:
    cond = make(threading.RLock())
    outcome: dict[str, Any] = {}

    def body(i: int) -> None:
        cond.acquire()  # now held twice (start_waiters holds it once)
        outcome["notified"] = cond.wait(BOUND)
        cond.release()
        outcome["still_owned"] = cond._is_owned()  # one level left: start_waiters's

    threads = start_waiters(cond, 1, body)
    # start_waiters could take the lock, so wait() released both levels.
    got = cond.acquire(True, BOUND)
    assert got
    cond.notify()
    cond.release()
    join_all(threads)
    assert outcome == {"notified": True, "still_owned": True}


def test_timed_out_waiter_does_not_swallow_a_notify(make: Callable[..., Any]) -> None:
    cond = make()
    with cond:
        assert cond.wait(0.01) is False
    results: list[bool] = []
    threads = start_waiters(cond, 1, lambda i: results.append(cond.wait(BOUND)))
    with cond:
        cond.notify()
        assert waiting_count(cond) == 0  # the real waiter was the one notified
    join_all(threads)
    assert results == [True]


# --- notify ----------------------------------------------------------------------------------


def test_notify_without_waiters_is_a_no_op(make: Callable[..., Any]) -> None:
    cond = make()
    with cond:
        cond.notify()
        cond.notify(5)
        cond.notify_all()
        assert waiting_count(cond) == 0


def test_notify_n_wakes_exactly_n_oldest_first(make: Callable[..., Any]) -> None:
    cond = make()
    woken: list[int] = []
    results: list[bool] = []

    def body(i: int) -> None:
        results.append(cond.wait(BOUND))
        woken.append(i)

    threads = start_waiters(cond, 5, body)
    with cond:
        cond.notify(0)
        assert waiting_count(cond) == 5
        cond.notify(2)
        assert waiting_count(cond) == 3
    assert wait_until(lambda: len(woken) == 2, BOUND)
    with cond:
        assert sorted(woken) == [0, 1]  # the two that waited longest
        cond.notify()
    assert wait_until(lambda: len(woken) == 3, BOUND)
    with cond:
        assert woken[2] == 2
        cond.notify_all()
    join_all(threads)
    assert sorted(woken) == [0, 1, 2, 3, 4]
    assert results == [True] * 5


def test_notify_dequeues_the_waiter_it_released(make: Callable[..., Any]) -> None:
    """notify() removes the very waiter it released, not whatever is first by then (CPython:
    ``waiters.remove(waiter)``). A waiter that leaves the queue at that moment (a timed-out
    one, or any, over a Lock whose holder it cannot check) must not make notify() drop the
    next waiter from the queue without waking it: that thread would sleep forever."""
    cond = make(threading.Lock())

    class LeavesWhenReleased:
        def release(self) -> None:
            cond._waiters.remove(self)  # as a timed-out waiter removes itself

    sleeper = threading.Lock()
    sleeper.acquire()  # a waiter's lock: locked until notify() releases it
    with cond:
        cond._waiters.extend([LeavesWhenReleased(), sleeper])
        cond.notify()  # spent on the leaving waiter
        assert list(cond._waiters) == [sleeper] and sleeper.locked()  # still queued, asleep
        cond.notify()
        assert list(cond._waiters) == [] and not sleeper.locked()  # woken


def test_notify_order_is_fifo_one_at_a_time(make: Callable[..., Any]) -> None:
    cond = make()
    woken: list[int] = []
    threads = start_waiters(cond, 6, lambda i: (cond.wait(BOUND), woken.append(i)))
    for count in range(1, 7):
        with cond:
            cond.notify()
        assert wait_until(lambda count=count: len(woken) == count, BOUND)
    join_all(threads)
    assert woken == [0, 1, 2, 3, 4, 5]


def test_notify_all_wakes_everyone_and_state_survives_reuse(make: Callable[..., Any]) -> None:
    cond = make()
    for _ in range(2):  # twice: the internal state must be clean after the first round
        results: list[bool] = []
        threads = start_waiters(cond, 4, lambda i, r=results: r.append(cond.wait(BOUND)))
        with cond:
            cond.notify_all()
            assert waiting_count(cond) == 0
        join_all(threads)
        assert results == [True] * 4


# --- wait_for --------------------------------------------------------------------------------


def test_wait_for_returns_the_predicate_value_without_waiting(make: Callable[..., Any]) -> None:
    cond = make()
    with cond:
        assert cond.wait_for(lambda: "ready", timeout=0) == "ready"
        assert cond.wait_for(lambda: 42) == 42


def test_wait_for_times_out_with_the_falsy_value(make: Callable[..., Any]) -> None:
    cond = make()
    with cond:
        assert cond.wait_for(lambda: 0, timeout=0.02) == 0
        assert cond.wait_for(lambda: None, timeout=-1) is None
    assert waiting_count(cond) == 0


def test_wait_for_rechecks_after_each_notify(make: Callable[..., Any]) -> None:
    cond = make()
    state = {"value": 0, "checks": 0}
    results: list[object] = []

    def predicate() -> bool:
        state["checks"] += 1
        return state["value"] == 3

    threads = start_waiters(cond, 1, lambda i: results.append(cond.wait_for(predicate, BOUND)))
    for _ in range(3):
        with cond:
            state["value"] += 1
            cond.notify()
        # let the waiter check (and go back to sleep) before the next change
        assert wait_until(lambda: waiting_count(cond) == 1 or results, BOUND)
    join_all(threads)
    assert results == [True]
    assert state["checks"] == 4  # once at first, then after each notify: 1 and 2 were too small


def test_wait_for_timeout_applies_to_the_whole_wait(make: Callable[..., Any]) -> None:
    """Woken again and again, wait_for must still give up once its own deadline has passed
    (an implementation that restarted the timeout on every wakeup would never finish)."""
    cond = make()
    results: list[object] = []
    threads = start_waiters(cond, 1, lambda i: results.append(cond.wait_for(lambda: False, 0.2)))
    deadline = time.monotonic() + BOUND
    while threads[0].is_alive() and time.monotonic() < deadline:
        with cond:
            cond.notify()
        time.sleep(0.005)
    assert not threads[0].is_alive(), "wait_for kept waiting while being woken up"
    join_all(threads)
    assert results == [False]


# --- Contention under load ---------------------------------------------------------------------


def test_ping_pong_many_pairs_no_lost_wakeup(make: Callable[..., Any]) -> None:
    """Pairs of threads hand a turn back and forth; one lost wakeup would stall a pair."""
    pairs, cycles = 4, 200
    failures: list[str] = []

    def player(cond: Any, state: dict[str, int], me: int) -> None:
        for _ in range(cycles):
            with cond:
                if not cond.wait_for(lambda: state["turn"] == me, BOUND):
                    failures.append(f"player {me} waited {BOUND} s for its turn")
                    return
                state["moves"] += 1
                state["turn"] = 1 - me
                cond.notify()

    threads, states = [], []
    for _ in range(pairs):
        cond, state = make(threading.Lock()), {"turn": 0, "moves": 0}
        states.append(state)
        threads += [start(lambda c=cond, s=state, m=m: player(c, s, m)) for m in (0, 1)]
    join_all(threads, 2 * BOUND)
    assert failures == []
    assert [s["moves"] for s in states] == [2 * cycles] * pairs


def test_many_consumers_with_timeouts_lose_no_wakeup(make: Callable[..., Any]) -> None:
    """Impatient consumers time out constantly (stressing the removal of timed-out waiters)
    while patient ones rely on notify(); every token must be consumed, none may starve."""
    cond = make(threading.Lock())
    impatient, patient, per_consumer = 4, 4, 50
    tokens = {"left": 0, "consumed": 0}
    gave_up: list[int] = []
    timeouts_seen = [0]

    def consumer(i: int, wait: float) -> None:
        for _ in range(per_consumer):
            with cond:
                while tokens["left"] == 0:
                    if not cond.wait(wait):
                        if wait >= BOUND:
                            gave_up.append(i)
                            return
                        timeouts_seen[0] += 1
                tokens["left"] -= 1
                tokens["consumed"] += 1

    threads = [start(lambda i=i: consumer(i, 0.0005), f"impatient-{i}") for i in range(impatient)]
    threads += [start(lambda i=i: consumer(i, BOUND), f"patient-{i}") for i in range(patient)]
    total = (impatient + patient) * per_consumer
    for _ in range(total):
        with cond:
            tokens["left"] += 1
            cond.notify()
    join_all(threads, 2 * BOUND)
    assert gave_up == []
    assert tokens == {"left": 0, "consumed": total}
    assert waiting_count(cond) == 0
