"""The checkers of notebook 04 accept the reference answers and reject typical mistakes with a
specific message, without ever raising or hanging."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from helpers.lessons.lock_and_rlock import exercises as ex04
from helpers.lessons.lock_and_rlock.deadlock import acquire_in_order


def add_reference(counter: Any, n: int) -> None:
    for _ in range(n):
        with counter.lock:
            counter.value += 1


def add_whole_loop_locked(counter: Any, n: int) -> None:
    with counter.lock:
        for _ in range(n):
            counter.value += 1


def add_no_lock(counter: Any, n: int) -> None:
    for _ in range(n):
        counter.value += 1


def add_own_lock(counter: Any, n: int) -> None:
    lock = threading.Lock()  # a new lock per call: protects nothing
    for _ in range(n):
        with lock:
            counter.value += 1


def add_lock_around_read_only(counter: Any, n: int) -> None:
    for _ in range(n):
        with counter.lock:
            value = counter.value
        counter.value = value + 1


def add_never_releases(counter: Any, n: int) -> None:
    counter.lock.acquire()
    for _ in range(n):
        counter.value += 1


def add_twice(counter: Any, n: int) -> None:
    for _ in range(2 * n):
        with counter.lock:
            counter.value += 1


@pytest.mark.parametrize("add", [add_reference, add_whole_loop_locked])
def test_add_reference(add: Any) -> None:
    feedback = ex04.check_add(add)
    assert feedback, feedback.message


@pytest.mark.parametrize(
    ("add", "message"),
    [
        (None, "write the function"),
        (add_no_lock, "counter.lock was never used"),
        (add_own_lock, "counter.lock was never used"),
        (add_lock_around_read_only, "the read AND the write"),
        (add_never_releases, "matched by a release()"),
        (add_twice, "should give 3"),
    ],
)
def test_add_rejects(add: object, message: str) -> None:
    feedback = ex04.check_add(add)
    assert not feedback
    assert message in feedback.message


def try_update_reference(lock: Any, update: Any, timeout: float) -> bool:
    if not lock.acquire(timeout=timeout):
        return False
    try:
        update()
    finally:
        lock.release()
    return True


def try_update_ignores_timeout(lock: Any, update: Any, timeout: float) -> bool:
    with lock:
        update()
    return True


def try_update_releases_anyway(lock: Any, update: Any, timeout: float) -> bool:
    got = lock.acquire(timeout=timeout)
    try:
        if got:
            update()
        return got
    finally:
        lock.release()  # wrong: releases another thread's lock when acquire failed


def try_update_non_blocking(lock: Any, update: Any, timeout: float) -> bool:
    if not lock.acquire(blocking=False):
        return False
    try:
        update()
    finally:
        lock.release()
    return True


def try_update_no_finally(lock: Any, update: Any, timeout: float) -> bool:
    if not lock.acquire(timeout=timeout):
        return False
    update()
    lock.release()
    return True


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


def try_update_runs_anyway(lock: Any, update: Any, timeout: float) -> bool:
    got = lock.acquire(timeout=timeout)
    update()
    if got:
        lock.release()
    return got


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


@pytest.mark.parametrize("try_update", [try_update_reference, try_update_with_a_flag])
def test_try_update_accepts_correct_answers(try_update: Any) -> None:
    feedback = ex04.check_try_update(try_update)
    assert feedback, feedback.message


@pytest.mark.parametrize(
    ("try_update", "message"),
    [
        (None, "write the function"),
        (try_update_ignores_timeout, "kept waiting"),
        (try_update_releases_anyway, "released a lock that another thread held"),
        (try_update_non_blocking, "not blocking=False"),
        (try_update_no_finally, "finally"),
        (try_update_swallows, "propagate"),
        (try_update_runs_anyway, "without running update"),
    ],
)
def test_try_update_rejects(try_update: object, message: str) -> None:
    feedback = ex04.check_try_update(try_update)
    assert not feedback
    assert message in feedback.message


def transfer_reference(source: Any, target: Any, amount: int) -> bool:
    first, second = sorted((source, target), key=lambda account: account.number)
    with first.lock, second.lock:
        if source.balance < amount:
            return False
        source.balance -= amount
        target.balance += amount
        return True


def transfer_with_helper(source: Any, target: Any, amount: int) -> bool:
    # A different correct answer: the course's helper, which orders the locks by id.
    with acquire_in_order(source.lock, target.lock):
        if source.balance < amount:
            return False
        source.balance -= amount
        target.balance += amount
    return True


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


def transfer_opposite_orders(source: Any, target: Any, amount: int) -> bool:
    # Wrong: source first, so 1 -> 2 and 2 -> 1 take the locks in opposite orders.
    with source.lock, target.lock:
        if source.balance < amount:
            return False
        source.balance -= amount
        target.balance += amount
        return True


def transfer_locks_only_the_source(source: Any, target: Any, amount: int) -> bool:
    # Wrong: the target's balance is changed without the target's lock.
    with source.lock:
        if source.balance < amount:
            return False
        source.balance -= amount
        target.balance += amount
    return True


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


def transfer_global_lock(source: Any, target: Any, amount: int) -> bool:
    # Safe, but not what the exercise asks: one lock for the whole bank, not the accounts'.
    with BANK_LOCK:
        if source.balance < amount:
            return False
        source.balance -= amount
        target.balance += amount
    return True


def transfer_global_and_account_locks(source: Any, target: Any, amount: int) -> bool:
    # Correct, but the search cannot step a wait for a lock made before it ran.
    with BANK_LOCK, source.lock, target.lock:
        if source.balance < amount:
            return False
        source.balance -= amount
        target.balance += amount
    return True


def transfer_never_refuses(source: Any, target: Any, amount: int) -> bool:
    first, second = sorted((source, target), key=lambda account: account.number)
    with first.lock, second.lock:
        source.balance -= amount
        target.balance += amount
    return True


def transfer_backwards(source: Any, target: Any, amount: int) -> bool:
    return transfer_reference(target, source, amount)


@pytest.mark.parametrize(
    "transfer", [transfer_reference, transfer_with_helper, transfer_one_lock_at_a_time]
)
def test_transfer_accepts_correct_answers(transfer: Any) -> None:
    feedback = ex04.check_transfer(transfer)
    assert feedback, feedback.message
    assert "explored" in feedback.message and "no violation" in feedback.message


@pytest.mark.parametrize(
    ("transfer", "message"),
    [
        (None, "write the function"),
        (transfer_opposite_orders, "a deadlock"),
        (transfer_locks_only_the_source, "account 2's balance used without its lock"),
        (transfer_checks_then_moves, "went below 0"),
        (transfer_global_lock, "one lock for the whole bank"),
        (transfer_global_and_account_locks, "a lock made outside it"),
        (transfer_never_refuses, "should return False"),
        (transfer_backwards, "should return True"),
    ],
)
def test_transfer_rejects(transfer: object, message: str) -> None:
    feedback = ex04.check_transfer(transfer)
    assert not feedback
    assert message in feedback.message


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
    feedback = ex04.check_rlock_state(*answer)
    assert not feedback
    assert message in feedback.message


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


def _not_started(*args: object) -> None:
    raise NotImplementedError


@pytest.mark.parametrize("check", [ex04.check_add, ex04.check_try_update, ex04.check_transfer])
def test_placeholders_say_not_started(check: Any) -> None:
    feedback = check(_not_started)
    assert not feedback
    assert "not started yet" in feedback.message
