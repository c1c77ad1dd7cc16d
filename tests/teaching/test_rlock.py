"""One behavioural suite, run against the teaching RLock and threading.RLock alike.

Every test takes ``factory`` (a class that makes a fresh RLock) and must pass for both: that is
what "behaves exactly like threading.RLock" means here.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

from helpers.lessons.shared_state_and_queues.races import pause
from helpers.teaching.rlock import RLock as TeachingRLock

Factory = Callable[[], Any]


@pytest.fixture(params=[TeachingRLock, threading.RLock], ids=["teaching", "threading"])
def factory(request: pytest.FixtureRequest) -> Factory:
    return request.param  # type: ignore[no-any-return]


def in_other_thread(fn: Callable[[], object], timeout: float = 5.0) -> object:
    """Run ``fn`` in a new thread; return its result, or the exception it raised."""
    box: list[object] = []

    def run() -> None:
        try:
            box.append(fn())
        except Exception as error:
            box.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), "the other thread did not finish"
    return box[0]


def other_can_acquire(lock: Any) -> bool:
    def attempt() -> bool:
        got = lock.acquire(blocking=False)
        if got:
            lock.release()
        return bool(got)

    result = in_other_thread(attempt)
    assert isinstance(result, bool)
    return result


# -- acquire and release nesting ------------------------------------------------------------


def test_acquire_returns_true_and_nests(factory: Factory) -> None:
    lock = factory()
    assert lock.acquire() is True
    assert lock.acquire() is True
    assert lock.acquire(blocking=False) is True  # re-entry never blocks
    assert lock.acquire(timeout=0.01) is True
    for _ in range(4):
        assert other_can_acquire(lock) is False
        lock.release()
    assert other_can_acquire(lock) is True


def test_release_count_must_match_acquire_count(factory: Factory) -> None:
    lock = factory()
    lock.acquire()
    lock.acquire()
    lock.release()
    assert other_can_acquire(lock) is False  # one level still held
    lock.release()
    with pytest.raises(RuntimeError):
        lock.release()  # one release too many


@pytest.mark.skipif(
    not hasattr(threading.RLock(), "_recursion_count"), reason="_recursion_count is 3.11+"
)
def test_recursion_count_is_per_owner(factory: Factory) -> None:
    lock = factory()
    assert lock._recursion_count() == 0
    lock.acquire()
    lock.acquire()
    assert lock._recursion_count() == 2
    assert in_other_thread(lock._recursion_count) == 0  # not the owner: 0
    lock.release()
    assert lock._recursion_count() == 1
    lock.release()
    assert lock._recursion_count() == 0


@pytest.mark.parametrize(
    ("question", "held_for_another_thread"),
    [
        pytest.param("_is_owned", False, id="is_owned_only_for_the_owner"),
        pytest.param(
            "locked",
            True,
            id="locked_for_any_holder",
            marks=pytest.mark.skipif(
                not hasattr(threading.RLock(), "locked"), reason="RLock.locked() is 3.14+"
            ),
        ),
    ],
)
def test_who_sees_the_lock_held(
    factory: Factory, question: str, held_for_another_thread: bool
) -> None:
    """``_is_owned()`` answers for the calling thread; ``locked()`` for any holder."""
    lock = factory()
    held = getattr(lock, question)
    assert held() is False
    with lock:
        assert held() is True
        assert in_other_thread(held) is held_for_another_thread
    assert held() is False


# -- ownership errors -----------------------------------------------------------------------


def test_release_while_unlocked_raises(factory: Factory) -> None:
    with pytest.raises(RuntimeError):
        factory().release()


def test_release_by_a_non_owner_raises_and_changes_nothing(factory: Factory) -> None:
    lock = factory()
    lock.acquire()
    error = in_other_thread(lock.release)
    assert isinstance(error, RuntimeError)
    assert other_can_acquire(lock) is False  # still ours
    lock.release()
    assert other_can_acquire(lock) is True


def test_non_owner_cannot_release_even_after_owner_is_done(factory: Factory) -> None:
    lock = factory()
    with lock:
        pass
    assert isinstance(in_other_thread(lock.release), RuntimeError)


# -- blocking and timeout return values ------------------------------------------------------


def test_non_blocking_acquire_fails_while_another_thread_holds_it(factory: Factory) -> None:
    lock = factory()
    lock.acquire()
    assert in_other_thread(lambda: lock.acquire(blocking=False)) is False
    lock.release()


def test_timeout_acquire_returns_false_after_waiting(factory: Factory) -> None:
    lock = factory()
    lock.acquire()

    assert in_other_thread(lambda: lock.acquire(timeout=0.05)) is False
    lock.release()


def test_timeout_acquire_succeeds_when_released_in_time(factory: Factory) -> None:
    lock = factory()
    lock.acquire()
    waiting = threading.Event()

    def wait_for_it() -> bool:
        waiting.set()
        got = lock.acquire(timeout=5)
        if got:
            lock.release()
        return bool(got)

    box: list[bool] = []
    thread = threading.Thread(target=lambda: box.append(wait_for_it()))
    thread.start()
    assert waiting.wait(5)
    lock.release()
    thread.join(5)
    assert box == [True]


def test_a_waiter_gets_the_lock_only_after_the_last_release(factory: Factory) -> None:
    lock = factory()
    lock.acquire()
    lock.acquire()
    acquired = threading.Event()

    def waiter() -> None:
        if lock.acquire(timeout=5):
            acquired.set()
            lock.release()

    thread = threading.Thread(target=waiter)
    thread.start()
    lock.release()
    assert not acquired.wait(0.05)  # one level still held: the waiter must still wait
    lock.release()
    assert acquired.wait(5)
    thread.join(5)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"blocking": False, "timeout": 1}, ValueError),
        ({"timeout": -2}, ValueError),
        ({"timeout": "soon"}, TypeError),
        ({"timeout": threading.TIMEOUT_MAX * 2}, OverflowError),
    ],
)
def test_bad_arguments_are_rejected_free_or_held(
    factory: Factory, kwargs: dict[str, object], error: type[Exception]
) -> None:
    lock = factory()
    with pytest.raises(error):
        lock.acquire(**kwargs)
    with lock, pytest.raises(error):  # even when re-entering, arguments are checked first
        lock.acquire(**kwargs)
    assert other_can_acquire(lock) is True


class Countable:
    """An integer-like object (only ``__index__``): the C lock accepts it as a timeout."""

    def __index__(self) -> int:
        return 0

    def __repr__(self) -> str:  # a stable test id (pytest-xdist's workers must agree on it)
        return "Countable()"


def acquire_outcome(lock: Any, timeout: object) -> object:
    try:
        got = lock.acquire(timeout=timeout)
    except Exception as error:
        return type(error)
    lock.release()
    return got


@pytest.mark.parametrize(
    "timeout",
    [True, Countable(), 0.0, -1, -1.0, Decimal(1), Fraction(1, 2), "1", None, math.nan, math.inf],
    ids=repr,
)
def test_timeouts_are_read_as_the_c_lock_reads_them(timeout: object) -> None:
    """A float, or else anything with __index__; NaN and infinity refused: free and held."""
    for held in (False, True):
        teaching_lock, real = TeachingRLock(), threading.RLock()
        if held:
            teaching_lock.acquire()
            real.acquire()
        assert acquire_outcome(teaching_lock, timeout) == acquire_outcome(real, timeout), held


def test_timeout_minus_one_means_wait(factory: Factory) -> None:
    lock = factory()
    assert lock.acquire(True, -1) is True
    lock.release()


# -- context manager --------------------------------------------------------------------------


def test_with_returns_true_nests_and_releases(factory: Factory) -> None:
    lock = factory()
    with lock as outer:
        assert outer is True
        with lock as inner:
            assert inner is True
            assert other_can_acquire(lock) is False
        assert other_can_acquire(lock) is False
    assert other_can_acquire(lock) is True


def test_with_releases_on_exception(factory: Factory) -> None:
    lock = factory()
    with pytest.raises(KeyError), lock, lock:
        raise KeyError("boom")
    assert other_can_acquire(lock) is True


# -- under contention and inside a Condition -------------------------------------------------


def test_mutual_exclusion_with_nested_acquires(factory: Factory) -> None:
    lock = factory()
    counter = [0]

    def add() -> None:
        for _ in range(50):
            with lock, lock:
                value = counter[0]
                pause()  # the widened window: a broken lock loses updates here
                counter[0] = value + 1

    threads = [threading.Thread(target=add) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert not any(t.is_alive() for t in threads)
    assert counter[0] == 200


def test_condition_wait_releases_every_level(factory: Factory) -> None:
    lock = factory()
    condition = threading.Condition(lock)
    ready = threading.Event()
    woke: list[bool] = []

    def waiter() -> None:
        with condition, condition:  # held twice while waiting
            ready.set()
            woke.append(condition.wait(timeout=5))
            woke.append(lock._is_owned())

    thread = threading.Thread(target=waiter)
    thread.start()
    assert ready.wait(5)
    with condition:  # possible only if wait() released both levels
        condition.notify()
    thread.join(5)
    assert woke == [True, True]
    assert other_can_acquire(lock) is True


def test_release_save_without_holding_raises(factory: Factory) -> None:
    with pytest.raises(RuntimeError):
        factory()._release_save()


def test_teaching_rlock_exposes_owner_and_count() -> None:
    lock = TeachingRLock()
    assert (lock.owner, lock.count) == (None, 0)
    with lock, lock:
        assert (lock.owner, lock.count) == (threading.get_ident(), 2)
        assert "locked" in repr(lock) and "count=2" in repr(lock)
    assert "unlocked" in repr(lock)
