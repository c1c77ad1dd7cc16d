"""Checkers for notebook 04 (Lock and RLock).

The checkers hand the learner's code locks that cannot hang: a blocking ``acquire`` gives up
after a short while and raises :class:`DeadlockSuspected`, so a deadlock in an answer becomes
feedback instead of a frozen notebook.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from types import TracebackType

from ...core.checks import (
    CheckTimeout,
    Feedback,
    Wrong,
    call_with_timeout,
    checker,
    expect_callable,
    passed,
)
from ...core.domains import AnyInt, Bool, Text, validated
from ...core.learner import start_threads
from ...core.lifecycle import stop
from ...core.races import pause

_STUCK_AFTER = 0.5  # seconds a blocking acquire may wait in a checker before we call it stuck
_LONGEST_WAIT = 2.0  # an explicit timeout longer than this is capped, for the same reason


class DeadlockSuspected(RuntimeError):
    """A blocking acquire in a checker waited far longer than any correct answer needs."""


class CheckedLock:
    """A ``Lock`` for checkers: bounded waits, a count of acquisitions, and who holds it.

    ``pause_after_acquire`` pauses right after taking the lock (the lesson's widened window),
    so the unlucky interleavings (another thread grabbing its first lock meanwhile) happen
    reliably.
    """

    @validated
    def __init__(self, name: Text, *, pause_after_acquire: Bool = False) -> None:
        self.name = name
        self._lock = threading.Lock()
        self._owner: int | None = None
        self._pause = pause_after_acquire
        self.acquisitions = 0

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        if not blocking:
            got = self._lock.acquire(False)
        else:
            # Waiting forever (or very long) is what a deadlock looks like: bound it.
            limit = _STUCK_AFTER if timeout < 0 else min(timeout, _LONGEST_WAIT)
            got = self._lock.acquire(timeout=limit)
            if not got and (timeout < 0 or timeout > limit):
                raise DeadlockSuspected(f"waited over {limit:g} s for {self.name}")
        if not got:
            return False
        self._owner = threading.get_ident()
        self.acquisitions += 1
        if self._pause:
            pause()
        return True

    def release(self) -> None:
        self._owner = None
        self._lock.release()

    def locked(self) -> bool:
        return self._lock.locked()

    def held_by_me(self) -> bool:
        return self._owner == threading.get_ident()

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()

    def __repr__(self) -> str:
        return f"<CheckedLock {self.name} {'locked' if self.locked() else 'unlocked'}>"


def _run_all(works: list[Callable[[], None]], timeout: float) -> list[BaseException]:
    """Run each of ``works`` in a thread of its own, all at once; return the exceptions they
    raised. Raise :class:`Wrong` if any is still running after ``timeout`` seconds."""
    run = start_threads(works)
    stopped = stop(run.threads, timeout)
    if not stopped.clean:
        raise Wrong(
            f"your code was still running in {len(stopped.running)} thread(s) after "
            f"{timeout:g} s. Is something looping or waiting forever?"
        )
    return [error for _, error in sorted(run.errors.items())]


# ----------------------------------------------------------------------------- exercise 1


class SharedCounter:
    """A counter shared by threads, with the lock meant to protect it: ``counter.lock``.

    Reading ``value`` pauses after the read, and writing it pauses before the write
    (:func:`helpers.core.races.pause`): the widened window of the lesson. Without the lock around
    whole read-modify-write, updates are lost every time.
    """

    def __init__(self) -> None:
        self.lock = CheckedLock("counter.lock")
        self._value = 0

    @property
    def value(self) -> int:
        value = self._value
        pause()
        return value

    @value.setter
    def value(self, new: int) -> None:
        pause()  # and again just before writing: the window is open on both sides
        self._value = new


_ADD_THREADS, _ADD_N = 4, 50


@checker
def check_add(add: object) -> Feedback:
    """``add(counter, n)`` adds 1 to ``counter.value`` n times, safely from many threads."""
    if add is None:
        raise Wrong("write the function add(counter, n) first (it is still None).")
    expect_callable(add, "add")
    alone = SharedCounter()
    call_with_timeout(add, alone, 3, timeout=5)
    if alone._value != 3:
        raise Wrong(f"add(counter, 3) on a fresh counter should give 3; it gave {alone._value}.")
    counter = SharedCounter()
    errors = call_with_timeout(
        _run_all, [lambda: add(counter, _ADD_N)] * _ADD_THREADS, 10.0, timeout=20
    )
    stuck = [e for e in errors if isinstance(e, DeadlockSuspected)]
    if stuck:
        raise Wrong(
            "a thread waited for counter.lock and never got it: is every acquire() matched by "
            "a release()? `with counter.lock:` does that for you."
        )
    if errors:
        raise Wrong(f"add raised {type(errors[0]).__name__}: {errors[0]}")
    expected = _ADD_THREADS * _ADD_N
    if counter._value == expected:
        return passed(
            f"{_ADD_THREADS} threads x {_ADD_N} increments = {expected}, exactly: the lock "
            "covers the whole read-modify-write."
        )
    if counter.lock.acquisitions == 0:
        raise Wrong(
            f"{expected - counter._value} updates were lost and counter.lock was never used. "
            "A lock protects only if every thread takes the same one: use counter.lock "
            "(not a new Lock() made inside add)."
        )
    if counter._value < expected:
        raise Wrong(
            f"{expected - counter._value} of {expected} updates were lost although you used "
            "the lock: it must cover the read AND the write, e.g. "
            "`with counter.lock: counter.value += 1`."
        )
    raise Wrong(f"the counter reached {counter._value}, more than {expected}: add exactly n.")


# ----------------------------------------------------------------------------- exercise 2


class _Boom(Exception):
    pass


@checker
def check_try_update(try_update: object) -> Feedback:
    """``try_update(lock, update, timeout)``: run update() under the lock if it can be had in
    time and return True; else return False without running it. Never leave it locked.
    """
    if try_update is None:
        raise Wrong("write the function try_update(lock, update, timeout) first (still None).")
    expect_callable(try_update, "try_update")
    calls: list[int] = []

    def update() -> None:
        calls.append(1)

    # 1. A free lock: run the update, return True, leave it unlocked.
    lock = threading.Lock()
    result = call_with_timeout(try_update, lock, update, 0.05, timeout=5)
    if result is not True:
        raise Wrong(
            f"with a free lock, try_update should run update and return True; got {result!r}."
        )
    if len(calls) != 1:
        raise Wrong(f"update should run exactly once with a free lock; it ran {len(calls)} times.")
    if lock.locked():
        raise Wrong("the lock was still locked after try_update returned: release it.")

    # 2. A lock held by another thread for the whole timeout: give up, return False.
    lock = threading.Lock()
    lock.acquire()  # held by the checker's thread; try_update runs in a different thread
    calls.clear()
    try:
        result = call_with_timeout(try_update, lock, update, 0.1, timeout=1)
    except CheckTimeout:
        raise Wrong(
            "try_update kept waiting while another thread held the lock. It should give up "
            "after `timeout` seconds: `lock.acquire(timeout=timeout)` returns False then."
        ) from None
    finally:
        still_locked = lock.locked()
        if still_locked:
            lock.release()  # lets a stuck answer finish instead of waiting forever
    if not still_locked:
        raise Wrong(
            "try_update released a lock that another thread held! A Lock lets any thread "
            "release it, so release only if your acquire returned True."
        )
    if result is not False or calls:
        raise Wrong(
            "when the lock stays busy, try_update should return False without running update; "
            f"it returned {result!r} and ran update {len(calls)} time(s)."
        )

    # 3. A lock that becomes free well within the timeout: wait for it.
    lock = threading.Lock()
    lock.acquire()
    timer = threading.Timer(0.05, lock.release)
    timer.start()
    try:
        result = call_with_timeout(try_update, lock, update, 3.0, timeout=6)
    finally:
        timer.join(2)
    if result is not True:
        raise Wrong(
            "the lock was freed 50 ms into a 3 s timeout, yet try_update gave up. Wait up to "
            "`timeout` seconds: lock.acquire(timeout=timeout), not blocking=False."
        )
    if lock.locked():
        lock.release()
        raise Wrong("the lock was still locked after try_update returned: release it.")

    # 4. update raises: the exception goes through, the lock is released.
    def failing() -> None:
        raise _Boom("update failed")

    lock = threading.Lock()
    try:
        call_with_timeout(try_update, lock, failing, 0.05, timeout=5)
        swallowed = True
    except _Boom:
        swallowed = False
    if lock.locked():
        lock.release()
        raise Wrong(
            "when update raised, the lock stayed locked forever. Release it in a `finally:` "
            "(or use `with`-style code) so an exception cannot skip the release."
        )
    if swallowed:
        raise Wrong("when update raises, let the exception propagate; do not swallow it.")
    return passed(
        "True with the update done, False without it, and the lock never left locked, "
        "even when update raises."
    )


# ----------------------------------------------------------------------------- exercise 3


class UnlockedAccess(RuntimeError):
    """An account's balance was used without holding that account's lock."""


class Account:
    """A bank account for exercise 3: ``number``, ``balance`` and its own ``lock``.

    ``balance`` may only be read or changed while holding ``lock``; anything else raises
    :class:`UnlockedAccess`.
    """

    @validated
    def __init__(self, number: AnyInt, balance: AnyInt) -> None:
        self.number = number
        self.lock = CheckedLock(f"account {number}'s lock", pause_after_acquire=True)
        self._balance = balance

    @property
    def balance(self) -> int:
        self._check()
        return self._balance

    @balance.setter
    def balance(self, value: int) -> None:
        self._check()
        self._balance = value

    def _check(self) -> None:
        if not self.lock.held_by_me():
            raise UnlockedAccess(f"account {self.number}'s balance used without its lock")

    def __repr__(self) -> str:
        return f"Account(number={self.number}, balance={self._balance})"


_TRANSFERS = 40


@checker
def check_transfer(transfer: object) -> Feedback:
    """``transfer(source, target, amount)``: both accounts' locks, never a deadlock."""
    if transfer is None:
        raise Wrong("write the function transfer(source, target, amount) first (still None).")
    expect_callable(transfer, "transfer")
    a, b = Account(1, 1000), Account(2, 1000)
    try:
        call_with_timeout(transfer, a, b, 30, timeout=5)
    except UnlockedAccess as error:
        raise Wrong(f"{error}: hold both accounts' locks while you use their balances.") from None
    if (a._balance, b._balance) != (970, 1030):
        raise Wrong(
            "transfer(a, b, 30) from 1000 and 1000 should leave 970 and 1030; got "
            f"{a._balance} and {b._balance}."
        )
    if a.lock.locked() or b.lock.locked():
        raise Wrong("a lock was still held after transfer returned: release both.")

    a, b = Account(1, 1000), Account(2, 1000)

    def one_way(source: Account, target: Account) -> Callable[[], None]:
        def run() -> None:
            for _ in range(_TRANSFERS):
                transfer(source, target, 1)

        return run

    # Thread 1 moves money from a to b while thread 2 moves it from b to a.
    errors = call_with_timeout(_run_all, [one_way(a, b), one_way(b, a)], 15.0, timeout=20)
    if any(isinstance(e, DeadlockSuspected) for e in errors):
        raise Wrong(
            "deadlock: one transfer held account 1's lock and waited for account 2's, while "
            "the other held account 2's and waited for account 1's. Take the two locks in one "
            "global order, e.g. lowest account number first, whatever the direction."
        )
    unlocked = [e for e in errors if isinstance(e, UnlockedAccess)]
    if unlocked:
        raise Wrong(f"{unlocked[0]}: hold both accounts' locks while you use their balances.")
    if errors:
        raise Wrong(f"transfer raised {type(errors[0]).__name__}: {errors[0]}")
    if a._balance + b._balance != 2000 or (a._balance, b._balance) != (1000, 1000):
        raise Wrong(
            f"after {_TRANSFERS} transfers each way the balances should be back at 1000 and "
            f"1000; they are {a._balance} and {b._balance}."
        )
    return passed(
        f"{2 * _TRANSFERS} transfers in opposite directions at once, no deadlock, no money "
        "lost: both locks, always in the same order."
    )


# ----------------------------------------------------------------------------- exercise 4


@checker
def check_rlock_state(other_can_acquire: object, releases_left: object) -> Feedback:
    """The main thread ran acquire(), acquire(), acquire(), release() on one RLock."""
    if other_can_acquire is None or releases_left is None:
        raise Wrong("set both other_can_acquire and releases_left first (one is still None).")
    if not isinstance(other_can_acquire, bool):
        raise Wrong(f"other_can_acquire should be True or False; got {other_can_acquire!r}.")
    if isinstance(releases_left, bool) or not isinstance(releases_left, int):
        raise Wrong(f"releases_left should be a whole number; got {releases_left!r}.")
    if other_can_acquire:
        raise Wrong(
            "the main thread still holds the RLock (3 acquires, only 1 release), so another "
            "thread's acquire(blocking=False) returns False."
        )
    if releases_left != 2:
        raise Wrong(
            f"not {releases_left}: the recursion count is 3 after three acquires and drops by "
            "one per release. How many releases are still owed?"
        )
    return passed("False and 2: the RLock opens to others only when its count is back to 0.")
