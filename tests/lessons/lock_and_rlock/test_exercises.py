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


def test_try_update_reference() -> None:
    feedback = ex04.check_try_update(try_update_reference)
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


def transfer_reference(source: Any, target: Any, amount: int) -> None:
    first, second = sorted((source, target), key=lambda account: account.number)
    with first.lock, second.lock:
        source.balance -= amount
        target.balance += amount


def transfer_with_helper(source: Any, target: Any, amount: int) -> None:
    with acquire_in_order(source.lock, target.lock):
        source.balance -= amount
        target.balance += amount


def transfer_opposite_orders(source: Any, target: Any, amount: int) -> None:
    with source.lock, target.lock:
        source.balance -= amount
        target.balance += amount


def transfer_one_lock_at_a_time(source: Any, target: Any, amount: int) -> None:
    with source.lock:
        source.balance -= amount
    with target.lock:
        target.balance += amount  # never two locks at once: no deadlock, and still correct here


GLOBAL = threading.Lock()


def transfer_global_lock(source: Any, target: Any, amount: int) -> None:
    with GLOBAL:
        source.balance -= amount
        target.balance += amount


def transfer_backwards(source: Any, target: Any, amount: int) -> None:
    transfer_reference(target, source, amount)


@pytest.mark.parametrize("transfer", [transfer_reference, transfer_with_helper])
def test_transfer_reference(transfer: Any) -> None:
    feedback = ex04.check_transfer(transfer)
    assert feedback, feedback.message


@pytest.mark.parametrize(
    ("transfer", "message"),
    [
        (None, "write the function"),
        (transfer_opposite_orders, "deadlock"),
        (transfer_global_lock, "without its lock"),
        (transfer_backwards, "should leave 970 and 1030"),
    ],
)
def test_transfer_rejects(transfer: object, message: str) -> None:
    feedback = ex04.check_transfer(transfer)
    assert not feedback
    assert message in feedback.message


def test_transfer_one_lock_at_a_time_is_accepted() -> None:
    # Each balance change holds its own account's lock, and money is conserved in the end:
    # a legitimate design (no moment holds both), so the checker must not reject it.
    assert ex04.check_transfer(transfer_one_lock_at_a_time)


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
