"""Checkers for notebook 04 (Lock and RLock).

The checkers hand the learner's code locks that cannot hang: a blocking ``acquire`` gives up
after a short while and raises :class:`DeadlockSuspected`, so a deadlock in an answer becomes
feedback instead of a frozen notebook. Exercise 3's checker (:func:`check_transfer`) proves
its property with the interleaving lab's search instead of real runs: no schedule within the
bound deadlocks, loses money or overdraws an account, or it shows the shortest one that does.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Annotated

from ...core import checks, learner
from ...core.domains import AnyInt, Bool, Fn, Text, validated
from ...core.lifecycle import stop
from ...core.races import pause
from ...lab import Verdict, answer_modules, judge_answer, prove
from ...lab.primitives import REAL_LOCK_TYPE
from .transfers import _thread_a, _thread_b

_STUCK_AFTER = 0.5  # seconds a blocking acquire may wait in a checker before we call it stuck
_LONGEST_WAIT = 2.0  # an explicit timeout longer than this is capped, for the same reason


class DeadlockSuspected(RuntimeError):
    """A blocking acquire in a checker waited far longer than any correct answer needs."""


class CheckedLock:
    """A ``Lock`` for checkers: bounded waits, a count of acquisitions, and who holds it.

    Made inside an interleaving-lab run, its lock is the lab's, and its waits are not bounded
    here: the search decides when a wait ends, and finds the deadlocks itself.

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
        if not blocking or not isinstance(self._lock, REAL_LOCK_TYPE):
            # Non-blocking, or made inside a lab run (the lab's lock, whose waits the search
            # steps and whose deadlocks it reports): nothing to bound.
            got = self._lock.acquire(blocking, timeout)
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

    __enter__ = acquire  # ``with lock:`` acquires ...

    def __exit__(self, *exc_info: object) -> None:
        self.release()  # ... and releases, also when the block raised

    def __repr__(self) -> str:
        return f"<CheckedLock {self.name} {'locked' if self.locked() else 'unlocked'}>"


def _run_all(works: list[Callable[[], None]], timeout: float) -> list[BaseException]:
    """Run each of ``works`` in a thread of its own, all at once; return the exceptions they
    raised. Raise :class:`Wrong` if any is still running after ``timeout`` seconds."""
    run = learner.start_threads(works)
    stopped = stop(run.threads, timeout)
    if not stopped.clean:
        raise checks.Wrong(
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


@checks.checker
def check_add(add: object) -> checks.Feedback:
    """``add(counter, n)`` adds 1 to ``counter.value`` n times, safely from many threads."""
    if add is None:
        raise checks.Wrong("write the function add(counter, n) first (it is still None).")
    checks.expect_callable(add, "add")
    alone = SharedCounter()
    checks.call_with_timeout(add, alone, 3, timeout=5)
    if alone._value != 3:
        raise checks.Wrong(
            f"add(counter, 3) on a fresh counter should give 3; it gave {alone._value}."
        )
    counter = SharedCounter()
    errors = checks.call_with_timeout(
        _run_all, [lambda: add(counter, _ADD_N)] * _ADD_THREADS, 10.0, timeout=20
    )
    stuck = [e for e in errors if isinstance(e, DeadlockSuspected)]
    if stuck:
        raise checks.Wrong(
            "a thread waited for counter.lock and never got it: is every acquire() matched by "
            "a release()? `with counter.lock:` does that for you."
        )
    if errors:
        raise checks.Wrong(f"add raised {type(errors[0]).__name__}: {errors[0]}")
    expected = _ADD_THREADS * _ADD_N
    if counter._value == expected:
        return checks.passed(
            f"{_ADD_THREADS} threads x {_ADD_N} increments = {expected}, exactly: the lock "
            "covers the whole read-modify-write."
        )
    if counter.lock.acquisitions == 0:
        raise checks.Wrong(
            f"{expected - counter._value} updates were lost and counter.lock was never used. "
            "A lock protects only if every thread takes the same one: use counter.lock "
            "(not a new Lock() made inside add)."
        )
    if counter._value < expected:
        raise checks.Wrong(
            f"{expected - counter._value} of {expected} updates were lost although you used "
            "the lock: it must cover the read AND the write, e.g. "
            "`with counter.lock: counter.value += 1`."
        )
    raise checks.Wrong(
        f"the counter reached {counter._value}, more than {expected}: add exactly n."
    )


# ----------------------------------------------------------------------------- exercise 2


class _Boom(Exception):
    pass


@checks.checker
def check_try_update(try_update: object) -> checks.Feedback:
    """``try_update(lock, update, timeout)``: run update() under the lock if it can be had in
    time and return True; else return False without running it. Never leave it locked.
    """
    if try_update is None:
        raise checks.Wrong(
            "write the function try_update(lock, update, timeout) first (still None)."
        )
    checks.expect_callable(try_update, "try_update")
    calls: list[int] = []

    def update() -> None:
        calls.append(1)

    # 1. A free lock: run the update, return True, leave it unlocked.
    lock = threading.Lock()
    result = checks.call_with_timeout(try_update, lock, update, 0.05, timeout=5)
    if result is not True:
        raise checks.Wrong(
            f"with a free lock, try_update should run update and return True; got {result!r}."
        )
    if len(calls) != 1:
        raise checks.Wrong(
            f"update should run exactly once with a free lock; it ran {len(calls)} times."
        )
    if lock.locked():
        raise checks.Wrong("the lock was still locked after try_update returned: release it.")

    # 2. A lock held by another thread for the whole timeout: give up, return False.
    lock = threading.Lock()
    lock.acquire()  # held by the checker's thread; try_update runs in a different thread
    calls.clear()
    try:
        result = checks.call_with_timeout(try_update, lock, update, 0.1, timeout=1)
    except checks.CheckTimeout:
        raise checks.Wrong(
            "try_update kept waiting while another thread held the lock. It should give up "
            "after `timeout` seconds: `lock.acquire(timeout=timeout)` returns False then."
        ) from None
    finally:
        still_locked = lock.locked()
        if still_locked:
            lock.release()  # lets a stuck answer finish instead of waiting forever
    if not still_locked:
        raise checks.Wrong(
            "try_update released a lock that another thread held! A Lock lets any thread "
            "release it, so release only if your acquire returned True."
        )
    if result is not False or calls:
        raise checks.Wrong(
            "when the lock stays busy, try_update should return False without running update; "
            f"it returned {result!r} and ran update {len(calls)} time(s)."
        )

    # 3. A lock that becomes free well within the timeout: wait for it.
    lock = threading.Lock()
    lock.acquire()
    timer = threading.Timer(0.05, lock.release)
    timer.start()
    try:
        result = checks.call_with_timeout(try_update, lock, update, 3.0, timeout=6)
    finally:
        timer.join(2)
    if result is not True:
        raise checks.Wrong(
            "the lock was freed 50 ms into a 3 s timeout, yet try_update gave up. Wait up to "
            "`timeout` seconds: lock.acquire(timeout=timeout), not blocking=False."
        )
    if lock.locked():
        lock.release()
        raise checks.Wrong("the lock was still locked after try_update returned: release it.")

    # 4. update raises: the exception goes through, the lock is released.
    def failing() -> None:
        raise _Boom("update failed")

    lock = threading.Lock()
    try:
        checks.call_with_timeout(try_update, lock, failing, 0.05, timeout=5)
        swallowed = True
    except _Boom:
        swallowed = False
    if lock.locked():
        lock.release()
        raise checks.Wrong(
            "when update raised, the lock stayed locked forever. Release it in a `finally:` "
            "(or use `with`-style code) so an exception cannot skip the release."
        )
    if swallowed:
        raise checks.Wrong("when update raises, let the exception propagate; do not swallow it.")
    return checks.passed(
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
        self.lock = CheckedLock(f"account {number}'s lock")
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


class Bank:
    """What the search runs on: account 1 (100) and account 2 (20), and what each thread's
    transfers returned. Thread A moves 60 from 1 to 2; thread B moves 10 from 2 to 1, then
    60 from 1 to 2. Both want account 1's money: only one of the 60s can always be paid."""

    def __init__(self) -> None:
        self.one = Account(1, 100)
        self.two = Account(2, 20)
        self.returned: dict[str, list[object]] = {"A": [], "B": []}


def show_bank(bank: Bank) -> dict[str, object]:
    return {
        "account 1": bank.one._balance,
        "account 2": bank.two._balance,
        "A returned": bank.returned["A"],
        "B returned": bank.returned["B"],
    }


def _bank_problem(bank: Bank) -> str:
    """What is wrong with the bank at the end of a run, in words ("" if nothing)."""
    one, two = bank.one._balance, bank.two._balance
    a, b = bank.returned["A"], bank.returned["B"]
    if not all(isinstance(r, bool) for r in a + b) or len(a) != 1 or len(b) != 2:
        return "transfer should return True (money moved) or False (not enough money)"
    if one + two != 120:
        return (
            f"the bank held 120 in all and now holds {one + two}: an update was lost (two "
            "threads read the same balance, and one wrote over the other's change)"
        )
    if one < 0 or two < 0:
        return (
            f"an account went below 0 (account 1: {one}, account 2: {two}): a transfer "
            "checked the balance, then the other thread took money before it moved its own"
        )
    if b[0] is not True:
        return "account 2 always has at least 10, so transfer(two, one, 10) must return True"
    if one != 100 - 60 * a[0] + 10 * b[0] - 60 * b[1]:
        return "the balances do not match what transfer returned (True means: it moved)"
    return ""


@validated
def prove_transfer(transfer: Annotated[Callable[..., object], Fn()]) -> Verdict:
    """Threads A and B of :class:`Bank` under every interleaving (one line per step, at most
    two preemptions): no deadlock, no exception, no money lost or overdrawn.

    One line per step is enough: an :class:`Account` refuses any use of its balance without
    its lock, so a race inside ``balance -= amount`` cannot happen; what is left to find is
    where the locks are taken and let go, and every ``acquire`` is a step of its own."""
    return prove(
        {
            "A": functools.partial(_thread_a, transfer=transfer),
            "B": functools.partial(_thread_b, transfer=transfer),
        },
        setup=Bank,
        check=lambda bank: not _bank_problem(bank),
        show=show_bank,
        granularity="instruction",
        step=answer_modules(transfer),
        preemptions=1,
    )


def _one_at_a_time(transfer: Callable[..., object]) -> None:
    """Transfers in one thread: right alone before it can be right in two."""
    one, two = Account(1, 100), Account(2, 20)
    steps = (((one, two, 30), True, (70, 50)), ((two, one, 80), False, (70, 50)))
    steps += (((two, one, 50), True, (120, 0)),)
    for args, expected, balances in steps:
        source, target, amount = args
        try:
            result = checks.call_with_timeout(transfer, *args, timeout=5)
        except UnlockedAccess as error:
            raise checks.Wrong(
                f"{error}. Hold an account's own lock whenever you read or change its balance "
                "(one lock for the whole bank would be safe too, but it lets only one transfer "
                "run at a time in the whole bank: this exercise asks for the accounts' locks)."
            ) from None
        except DeadlockSuspected:
            raise checks.Wrong(
                "transfer waited for a lock that was never released, called alone in one "
                "thread. Is every acquire() matched by a release()? `with` does that."
            ) from None
        call = f"transfer(account {source.number}, account {target.number}, {amount})"
        if result is not expected:
            why = "has enough" if expected else "does not have enough"
            raise checks.Wrong(
                f"{call} should return {expected}: account {source.number} {why}; "
                f"it returned {result!r}."
            )
        if (one._balance, two._balance) != balances:
            raise checks.Wrong(
                f"after {call} the balances should be {balances[0]} and {balances[1]}; they "
                f"are {one._balance} and {two._balance}."
            )
        if one.lock.locked() or two.lock.locked():
            raise checks.Wrong(f"a lock was still held after {call} returned: release both.")


def _what_went_wrong(verdict: Verdict) -> str:
    ce = verdict.counterexample
    assert ce is not None
    outcome = ce.outcome
    if outcome.kind == "deadlock":
        return (
            "a deadlock: thread A held account 1's lock and waited for account 2's, while "
            "thread B held account 2's and waited for account 1's. Take the two locks in one "
            "global order (lowest account number first, say), whatever the direction."
        )
    if outcome.kind == "exception":
        return f"a thread raised an exception: {outcome.message}."
    problem = _bank_problem(outcome.state) if isinstance(outcome.state, Bank) else ""
    return (problem or outcome.message) + "."


@checks.checker
def check_transfer(transfer: object) -> checks.Feedback:
    """``transfer(source, target, amount)``: moves the money if the source has it (True) or
    not at all (False); no deadlock, no lost money, no balance below 0, whatever the schedule.
    """
    return judge_answer(
        transfer,
        call="transfer(source, target, amount)",
        alone=_one_at_a_time,
        stuck="transfer did not return within 5 s, called alone in one thread.",
        prove_it=prove_transfer,
        holds="no deadlock, no money lost, no balance below 0",
        without_lab="transfers in one thread are right.",
        own_locks="Every schedule runs on fresh accounts: use the accounts' own locks only.",
        explain=_what_went_wrong,
    )


# ----------------------------------------------------------------------------- exercise 4


@checks.checker
def check_rlock_state(other_can_acquire: object, releases_left: object) -> checks.Feedback:
    """The main thread ran acquire(), acquire(), acquire(), release() on one RLock."""
    if other_can_acquire is None or releases_left is None:
        raise checks.Wrong(
            "set both other_can_acquire and releases_left first (one is still None)."
        )
    if not isinstance(other_can_acquire, bool):
        raise checks.Wrong(f"other_can_acquire should be True or False; got {other_can_acquire!r}.")
    if isinstance(releases_left, bool) or not isinstance(releases_left, int):
        raise checks.Wrong(f"releases_left should be a whole number; got {releases_left!r}.")
    if other_can_acquire:
        raise checks.Wrong(
            "the main thread still holds the RLock (3 acquires, only 1 release), so another "
            "thread's acquire(blocking=False) returns False."
        )
    if releases_left != 2:
        raise checks.Wrong(
            f"not {releases_left}: the recursion count is 3 after three acquires and drops by "
            "one per release. How many releases are still owed?"
        )
    return checks.passed("False and 2: the RLock opens to others only when its count is back to 0.")
