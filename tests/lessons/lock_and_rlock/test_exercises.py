"""The checkers of notebook 04 accept the reference answers and reject typical mistakes with a
specific message, without ever raising or hanging."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from checker_cases import Checker, assert_rejected, not_started  # tests/support/

from helpers.lessons.lock_and_rlock import exercises as ex04
from helpers.lessons.lock_and_rlock.deadlock import acquire_in_order

add = Checker(ex04.check_add)
add.also_rejects(None, "write the function")


@add.accepts
def add_reference(counter: Any, n: int) -> None:
    for _ in range(n):
        with counter.lock:
            counter.value += 1


@add.accepts
def add_whole_loop_locked(counter: Any, n: int) -> None:
    with counter.lock:
        for _ in range(n):
            counter.value += 1


@add.rejects("counter.lock was never used")
def add_no_lock(counter: Any, n: int) -> None:
    for _ in range(n):
        counter.value += 1


@add.rejects("counter.lock was never used")
def add_own_lock(counter: Any, n: int) -> None:
    lock = threading.Lock()  # a new lock per call: protects nothing
    for _ in range(n):
        with lock:
            counter.value += 1


@add.rejects("the read AND the write")
def add_lock_around_read_only(counter: Any, n: int) -> None:
    for _ in range(n):
        with counter.lock:
            value = counter.value
        counter.value = value + 1


@add.rejects("matched by a release()")
def add_never_releases(counter: Any, n: int) -> None:
    counter.lock.acquire()
    for _ in range(n):
        counter.value += 1


@add.rejects("should give 3")
def add_twice(counter: Any, n: int) -> None:
    for _ in range(2 * n):
        with counter.lock:
            counter.value += 1


test_add_accepts_correct_answers, test_add_rejects = add.tests()


try_update = Checker(ex04.check_try_update)
try_update.also_rejects(None, "write the function")


TryUpdate = Callable[[Any, Any, float], bool]


def try_update_acquiring(acquire: Callable[[Any, float], bool]) -> TryUpdate:
    """The notebook's try_update, taking the lock with ``acquire(lock, timeout)``: the reference
    waits at most ``timeout``, the typical mistake not at all."""

    def answer(lock: Any, update: Any, timeout: float) -> bool:
        if not acquire(lock, timeout):
            return False
        try:
            update()
        finally:
            lock.release()
        return True

    answer.__name__ = f"try_update_{acquire.__name__}"  # its test's id
    return answer


def acquire_within_timeout(lock: Any, timeout: float) -> bool:
    return bool(lock.acquire(timeout=timeout))


def acquire_without_waiting(lock: Any, timeout: float) -> bool:
    return bool(lock.acquire(blocking=False))


try_update_reference = try_update.accepts(try_update_acquiring(acquire_within_timeout))
try_update_non_blocking = try_update.rejects("not blocking=False")(
    try_update_acquiring(acquire_without_waiting)
)


@try_update.rejects("kept waiting")
def try_update_ignores_timeout(lock: Any, update: Any, timeout: float) -> bool:
    with lock:
        update()
    return True


@try_update.rejects("released a lock that another thread held")
def try_update_releases_anyway(lock: Any, update: Any, timeout: float) -> bool:
    got = lock.acquire(timeout=timeout)
    try:
        if got:
            update()
        return got
    finally:
        lock.release()  # wrong: releases another thread's lock when acquire failed


@try_update.rejects("finally")
def try_update_no_finally(lock: Any, update: Any, timeout: float) -> bool:
    if not lock.acquire(timeout=timeout):
        return False
    update()
    lock.release()
    return True


@try_update.rejects("propagate")
def try_update_swallows(lock: Any, update: Any, timeout: float) -> bool:
    if not lock.acquire(timeout=timeout):
        return False
    try:
        update()
    except Exception:
        pass
    finally:
        lock.release()
    return True


@try_update.rejects("without running update")
def try_update_runs_anyway(lock: Any, update: Any, timeout: float) -> bool:
    got = lock.acquire(timeout=timeout)
    update()
    if got:
        lock.release()
    return got


@try_update.accepts
def try_update_with_a_flag(lock: Any, update: Any, timeout: float) -> bool:
    # A different correct answer: one try/finally, releasing only what it got.
    got = lock.acquire(timeout=timeout)
    try:
        if got:
            update()
    finally:
        if got:
            lock.release()
    return got


test_try_update_accepts_correct_answers, test_try_update_rejects = try_update.tests()


def move(source: Any, target: Any, amount: int) -> bool:
    """The transfer itself, the same in every answer below: they differ in the locks they hold
    around it. (It lives in this file so the lab steps its lines too.)"""
    if source.balance < amount:
        return False
    source.balance -= amount
    target.balance += amount
    return True


transfer = Checker(ex04.check_transfer, says=("explored", "no violation"))
transfer.also_rejects(None, "write the function")


@transfer.accepts
def transfer_reference(source: Any, target: Any, amount: int) -> bool:
    first, second = sorted((source, target), key=lambda account: account.number)
    with first.lock, second.lock:
        return move(source, target, amount)


@transfer.accepts
def transfer_with_helper(source: Any, target: Any, amount: int) -> bool:
    # A different correct answer: the course's helper, which orders the locks by id.
    with acquire_in_order(source.lock, target.lock):
        return move(source, target, amount)


@transfer.accepts
def transfer_one_lock_at_a_time(source: Any, target: Any, amount: int) -> bool:
    # Another correct answer: never two locks at once, so no cycle; the money is in neither
    # account for a moment, but none is lost and no balance goes below 0.
    with source.lock:
        if source.balance < amount:
            return False
        source.balance -= amount
    with target.lock:
        target.balance += amount
    return True


@transfer.rejects("a deadlock")
def transfer_opposite_orders(source: Any, target: Any, amount: int) -> bool:
    # Wrong: source first, so 1 -> 2 and 2 -> 1 take the locks in opposite orders.
    with source.lock, target.lock:
        return move(source, target, amount)


@transfer.rejects("account 2's balance used without its lock")
def transfer_locks_only_the_source(source: Any, target: Any, amount: int) -> bool:
    # Wrong: the target's balance is changed without the target's lock.
    with source.lock:
        return move(source, target, amount)


@transfer.rejects("went below 0")
def transfer_checks_then_moves(source: Any, target: Any, amount: int) -> bool:
    # Wrong, and lucky by timing: the check and the move are two critical sections, so the
    # other thread can spend the money in between. Real runs almost never hit that window;
    # the search finds it every time.
    with source.lock:
        enough = source.balance >= amount
    if not enough:
        return False
    first, second = sorted((source, target), key=lambda account: account.number)
    with first.lock, second.lock:
        source.balance -= amount
        target.balance += amount
    return True


BANK_LOCK = threading.Lock()


@transfer.rejects("one lock for the whole bank")
def transfer_global_lock(source: Any, target: Any, amount: int) -> bool:
    # Safe, but not what the exercise asks: one lock for the whole bank, not the accounts'.
    with BANK_LOCK:
        return move(source, target, amount)


@transfer.rejects("a lock made outside it")
def transfer_global_and_account_locks(source: Any, target: Any, amount: int) -> bool:
    # Correct, but the search cannot step a wait for a lock made before it ran.
    with BANK_LOCK, source.lock, target.lock:
        return move(source, target, amount)


@transfer.rejects("should return False")
def transfer_never_refuses(source: Any, target: Any, amount: int) -> bool:
    first, second = sorted((source, target), key=lambda account: account.number)
    with first.lock, second.lock:
        source.balance -= amount
        target.balance += amount
    return True


@transfer.rejects("should return True")
def transfer_backwards(source: Any, target: Any, amount: int) -> bool:
    return transfer_reference(target, source, amount)


test_transfer_accepts_correct_answers, test_transfer_rejects = transfer.tests()


@pytest.mark.parametrize("transfer", [transfer_opposite_orders, transfer_checks_then_moves])
def test_transfer_races_come_with_the_schedule(transfer: Any) -> None:
    feedback = ex04.check_transfer(transfer)
    assert "The shortest schedule that shows it" in feedback.message
    assert "transfers.py" in feedback.message  # the table names the threads' lines


def test_rlock_state_reference() -> None:
    assert ex04.check_rlock_state(False, 2)


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ((None, 2), "first"),
        (("no", 2), "True or False"),
        ((False, 2.0), "whole number"),
        ((True, 2), "still holds"),
        ((False, 1), "not 1"),
        ((False, 3), "not 3"),
    ],
)
def test_rlock_state_rejects(answer: tuple[object, object], message: str) -> None:
    assert_rejected(ex04.check_rlock_state(*answer), message)


def test_checked_lock_bounds_a_wait_forever() -> None:
    lock = ex04.CheckedLock("demo")
    lock.acquire()
    outcome: list[BaseException] = []

    def wait_forever() -> None:
        try:
            lock.acquire()
        except ex04.DeadlockSuspected as error:
            outcome.append(error)

    thread = threading.Thread(target=wait_forever)
    thread.start()
    thread.join(5)
    assert not thread.is_alive() and len(outcome) == 1
    assert lock.acquire(blocking=False) is False
    lock.release()
    assert lock.acquire(timeout=0.1) is True and lock.held_by_me()
    lock.release()


def test_account_balance_needs_its_lock() -> None:
    account = ex04.Account(7, 100)
    with pytest.raises(ex04.UnlockedAccess):
        _ = account.balance
    with account.lock:
        account.balance += 5
        assert account.balance == 105


@pytest.mark.parametrize("check", [ex04.check_add, ex04.check_try_update, ex04.check_transfer])
def test_placeholders_say_not_started(check: Any) -> None:
    assert_rejected(check(not_started), "not started yet")
