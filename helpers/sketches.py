"""BROKEN ON PURPOSE: the syllabus's Condition and Semaphore sketches, kept to show how they fail.

Never use these classes for real work. The course reproduces them so a notebook can run each
failure *safely*: every scenario below has a time limit, joins every thread it starts, and
runs the same steps on a correct class (``threading`` or ``helpers.teaching``) for contrast.

What goes wrong:

``BrokenCondition``
    no ``with`` support; ``wait()`` returns nothing, so a timeout cannot be told from a
    notify; a waiter that timed out stays queued and later swallows a ``notify()`` (a lost
    wakeup); ``wait()`` releases only one level of an ``RLock`` (nobody else can get in to
    notify); ``notify()`` never checks that the caller holds the lock; no ``wait_for``.
``BrokenSemaphore``
    ``release()`` hands a permit to a waiter *without* counting it, yet the waiter takes one
    off the counter: every hand-over loses a permit, and once the counter is stuck at zero or
    below, ``acquire`` waits although nobody holds a permit (a deadlock).

The one change from the syllabus: a wait without a timeout is capped at :data:`SAFETY_CAP_S`
seconds, so even a careless experiment with these classes cannot hang a notebook.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .validate import (
    validate_callable,
    validate_has,
    validate_int,
    validate_seconds,
    validate_timeout,
)

#: The longest any wait in this module can last (the syllabus would wait forever).
SAFETY_CAP_S = 10.0


class BrokenCondition:
    """BROKEN: the syllabus's Condition sketch. For demonstrations only."""

    def __init__(self, lock: Any = None) -> None:
        if lock is None:
            lock = threading.RLock()
        self._lock = lock
        self._waiters: list[Any] = []  # no __enter__/__exit__ below: `with cond:` fails

    def acquire(self, *args: Any) -> bool:
        return self._lock.acquire(*args)

    def release(self) -> None:
        self._lock.release()

    def wait(self, timeout: float | None = None) -> None:  # BUG: returns nothing
        # BUG: no check that the caller holds the lock.
        waiter = threading.Lock()
        waiter.acquire()
        self._waiters.append(waiter)
        self.release()  # BUG: releases ONE level; an RLock taken twice stays held
        try:
            # BUG: the result is dropped, and a timed-out waiter is never removed from the list.
            waiter.acquire(timeout=SAFETY_CAP_S if timeout is None else timeout)
        finally:
            self.acquire()

    def notify(self, n: int = 1) -> None:
        # BUG: no check that the caller holds the lock.
        all_waiters = self._waiters
        for waiter in all_waiters[:n]:
            waiter.release()  # a stale (timed-out) waiter "uses up" the notification
            all_waiters.remove(waiter)

    def notify_all(self) -> None:
        self.notify(len(self._waiters))


class BrokenSemaphore:
    """BROKEN: the syllabus's Semaphore sketch. For demonstrations only."""

    def __init__(self, value: int = 1) -> None:
        if value < 0:
            raise ValueError("semaphore initial value must be >= 0")
        self._value = value
        self._lock = threading.Lock()
        self._waiters: list[threading.Condition] = []

    def acquire(self, blocking: bool = True, timeout: float | None = None) -> bool:
        with self._lock:
            if self._value > 0:
                self._value -= 1
                return True
            if not blocking:
                return False
            waiter = threading.Condition(self._lock)
            self._waiters.append(waiter)
            waiter.wait(SAFETY_CAP_S if timeout is None else timeout)
            if waiter in self._waiters:  # nobody handed us a permit: timed out
                self._waiters.remove(waiter)
                return False
            self._value -= 1  # BUG: release() never added the permit it handed over
            return True

    def release(self) -> None:
        with self._lock:
            if self._waiters:
                waiter = self._waiters.pop(0)
                waiter.notify()  # BUG: a hand-over without `self._value += 1`
            else:
                self._value += 1


# --- Scenarios: each runs on any condition or semaphore class, broken or correct. ---------


def waiting_count(primitive: object) -> int:
    """How many threads are queued on a condition or semaphore (peeking at private state).

    Works for the broken sketches, ``helpers.teaching`` and ``threading`` alike: all keep
    their waiters in ``_waiters`` (a semaphore's are on its condition, ``_cond``).
    """
    inner = getattr(primitive, "_cond", primitive)
    waiters = getattr(inner, "_waiters", None)
    if waiters is None:
        raise TypeError(f"primitive must be a condition or a semaphore; got {primitive!r}")
    return len(waiters)


def wait_until(predicate: Callable[[], bool], timeout: float) -> bool:
    """Poll ``predicate`` every millisecond for at most ``timeout`` seconds (0: look once)."""
    validate_callable(predicate, "predicate")
    validate_timeout(timeout)
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.001)
    return True


def take(lock: Any, timeout: float = SAFETY_CAP_S) -> None:
    """Acquire ``lock`` (or a condition's lock), waiting at most ``timeout`` seconds (0: only
    if it is free now)."""
    validate_has(lock, "lock", ("acquire", "release"), "a lock")
    validate_timeout(timeout)
    if not lock.acquire(True, timeout):
        raise TimeoutError(f"could not get the lock within {timeout:g} s")


def _start(target: Callable[[], None], name: str) -> threading.Thread:
    thread = threading.Thread(target=target, name=name, daemon=True)
    thread.start()
    return thread


def _join_all(threads: list[threading.Thread], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    stuck = [t.name for t in threads if t.is_alive()]
    if stuck:  # never expected: every wait above is bounded
        raise RuntimeError(f"threads still running after {timeout:g} s: {stuck}")


@dataclass(frozen=True)
class LostWakeup:
    """Outcome of :func:`lost_wakeup`."""

    queued_after_notify: int  # threads still queued right after one notify() for one waiter
    first_notify_woke_waiter: bool
    wait_result: object  # what the woken waiter's wait() returned


def lost_wakeup(make_condition: Callable[[], Any], short_wait: float = 0.02) -> LostWakeup:
    """A waiter times out; then another waits and gets exactly one ``notify()``.

    A correct condition removes the timed-out waiter, so the notify wakes the real one.
    The sketch keeps the stale waiter at the head of its list: the notify goes there and the
    real waiter sleeps on. (We then notify a second time so the demo ends at once.)
    """
    validate_callable(make_condition, "make_condition")
    validate_seconds(short_wait, "short_wait", maximum=SAFETY_CAP_S)
    cond = make_condition()
    cond.acquire()
    cond.wait(short_wait)  # times out: nobody notifies
    cond.release()

    ready = threading.Event()
    outcome: dict[str, object] = {}

    def waiter() -> None:
        cond.acquire()
        ready.set()
        outcome["result"] = cond.wait(SAFETY_CAP_S)
        cond.release()

    thread = _start(waiter, "lost-wakeup-waiter")
    ready.wait(SAFETY_CAP_S)
    take(cond)  # succeeds only once the waiter is inside wait(), queued
    cond.notify()
    queued = waiting_count(cond)
    woke = queued == 0
    if not woke:
        cond.notify()  # the wakeup was lost; send another so the waiter can finish
    cond.release()
    _join_all([thread], SAFETY_CAP_S)
    return LostWakeup(queued, woke, outcome.get("result"))


@dataclass(frozen=True)
class RLockWait:
    """Outcome of :func:`wait_holding_rlock_twice`."""

    notifier_got_lock: bool
    waiter_notified: bool  # the waiter left wait() because of the notify, not a timeout
    levels_after_wait: int  # how many times the waiter could release the RLock afterwards


def wait_holding_rlock_twice(make_condition: Callable[[], Any], patience: float = 1.0) -> RLockWait:
    """A thread takes the condition's ``RLock`` twice, then waits. Can anyone notify it?

    ``wait()`` must release the lock completely, or the notifier can never get in.
    The notifier tries for ``patience`` seconds; the waiter gives up a little later.
    """
    validate_callable(make_condition, "make_condition")
    validate_seconds(patience, "patience", maximum=SAFETY_CAP_S)
    cond = make_condition()  # default lock: an RLock
    ready = threading.Event()
    notified: list[bool] = []
    levels: list[int] = []

    def waiter() -> None:
        cond.acquire()
        cond.acquire()  # e.g. a method that holds the lock calls another that takes it too
        ready.set()
        notified.append(cond.wait(patience + 0.2) is True)  # the sketch returns None
        count = 0
        while count < 5:
            try:
                cond.release()
            except RuntimeError:  # released more times than it was held
                break
            count += 1
        levels.append(count)

    thread = _start(waiter, "rlock-waiter")
    ready.wait(SAFETY_CAP_S)
    got = cond.acquire(True, patience)
    if got:
        cond.notify()
        cond.release()
    _join_all([thread], patience + SAFETY_CAP_S)
    return RLockWait(got, notified == [True], levels[0] if levels else 0)


@dataclass(frozen=True)
class SemaphoreCount:
    """Outcome of :func:`article_semaphore_example`."""

    permits: int
    threads: int
    final_value: int  # the counter once every thread has acquired and released once


def article_semaphore_example(
    make_semaphore: Callable[[int], Any], permits: int = 3, threads: int = 5
) -> SemaphoreCount:
    """The syllabus's own example: ``permits`` permits, ``threads`` threads, each takes one.

    The first ``permits`` threads hold their permit until the others are queued, so the
    releases really hand permits over (the syllabus relied on ``sleep(2)`` for that).
    A correct semaphore ends with all its permits; the sketch loses one per hand-over.
    """
    validate_callable(make_semaphore, "make_semaphore")
    validate_int(permits, "permits", 1, 32)
    validate_int(threads, "threads", permits, 64)  # at least one thread per permit
    sem = make_semaphore(permits)
    holding = threading.Barrier(permits + 1)
    let_go = threading.Event()

    def worker(i: int) -> None:
        if not sem.acquire(timeout=SAFETY_CAP_S):
            return
        if i < permits:
            holding.wait(SAFETY_CAP_S)
            let_go.wait(SAFETY_CAP_S)  # keep the permit until the others are waiting
        sem.release()

    pool = []
    for i in range(permits):
        pool.append(_start(lambda i=i: worker(i), f"article-{i}"))
    holding.wait(SAFETY_CAP_S)  # every permit is taken
    for i in range(permits, threads):
        pool.append(_start(lambda i=i: worker(i), f"article-{i}"))
    wait_until(lambda: waiting_count(sem) == threads - permits, SAFETY_CAP_S)
    let_go.set()
    _join_all(pool, 2 * SAFETY_CAP_S)
    return SemaphoreCount(permits, threads, sem._value)


@dataclass(frozen=True)
class PermitDeadlock:
    """Outcome of :func:`lost_permit_deadlock`."""

    value_after: int  # the counter after one hand-over, with nobody holding a permit
    acquire_succeeded: bool  # can a newcomer take the (only) permit now?


def lost_permit_deadlock(
    make_semaphore: Callable[[int], Any], patience: float = 0.3
) -> PermitDeadlock:
    """One permit, handed from thread A to a waiting thread B; then both are done.

    Nobody holds the permit any more, so a newcomer must get it at once. With the sketch the
    counter ends at 0: the newcomer waits for a permit that no longer exists (bounded here by
    ``patience`` seconds; in real code, forever).
    """
    validate_callable(make_semaphore, "make_semaphore")
    validate_seconds(patience, "patience", maximum=SAFETY_CAP_S)
    sem = make_semaphore(1)
    sem.acquire()  # thread A (the main thread) holds the only permit

    def thread_b() -> None:
        if sem.acquire(timeout=SAFETY_CAP_S):
            sem.release()

    b = _start(thread_b, "permit-b")
    wait_until(lambda: waiting_count(sem) == 1, SAFETY_CAP_S)
    sem.release()  # hands the permit to B
    _join_all([b], SAFETY_CAP_S)
    value = sem._value
    got = sem.acquire(timeout=patience)
    if got:
        sem.release()
    return PermitDeadlock(value, got)
