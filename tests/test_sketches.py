"""The syllabus's sketches really fail the way notebooks 05 and 06 say, and the demos that show
it are bounded: they return, and leave no thread behind."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from helpers import sketches
from helpers.checks import call_with_timeout
from helpers.sketches import BrokenCondition, BrokenSemaphore
from helpers.teaching.condition import Condition as TeachingCondition
from helpers.teaching.semaphore import BoundedSemaphore as TeachingBounded
from helpers.teaching.semaphore import Semaphore as TeachingSemaphore

CORRECT_CONDITIONS = {"threading": threading.Condition, "teaching": TeachingCondition}
CORRECT_SEMAPHORES = {
    "threading": threading.Semaphore,
    "threading-bounded": threading.BoundedSemaphore,
    "teaching": TeachingSemaphore,
    "teaching-bounded": TeachingBounded,
}


@pytest.fixture(autouse=True)
def no_thread_left_behind() -> Any:
    before = set(threading.enumerate())
    yield
    left = [t.name for t in threading.enumerate() if t not in before and t.is_alive()]
    assert left == [], f"a demo left threads running: {left}"


def bounded(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a demo, failing (instead of hanging) if it does not return in a generous bound."""
    return call_with_timeout(fn, *args, timeout=30, **kwargs)


# --- The Condition sketch ----------------------------------------------------------------------


def test_sketch_condition_has_no_with_and_no_wait_for() -> None:
    cond = BrokenCondition()
    with pytest.raises((TypeError, AttributeError)), cond:  # type: ignore[attr-defined]
        pass
    assert not hasattr(cond, "wait_for")


def test_sketch_wait_returns_none_whether_notified_or_not() -> None:
    cond = BrokenCondition()
    cond.acquire()
    assert cond.wait(0.01) is None  # timed out, but the caller cannot tell
    cond.release()
    assert bounded(sketches.lost_wakeup, BrokenCondition).wait_result is None  # notified


def test_sketch_notify_without_the_lock_raises_nothing() -> None:
    BrokenCondition().notify()  # the real one raises RuntimeError


def test_sketch_keeps_timed_out_waiters() -> None:
    cond = BrokenCondition()
    cond.acquire()
    cond.wait(0.01)
    cond.wait(0.01)
    assert sketches.waiting_count(cond) == 2  # stale entries, each will eat a notify
    cond.release()


def test_sketch_loses_a_wakeup() -> None:
    outcome = bounded(sketches.lost_wakeup, BrokenCondition)
    assert outcome.first_notify_woke_waiter is False
    assert outcome.queued_after_notify == 1


@pytest.mark.parametrize("name", list(CORRECT_CONDITIONS))
def test_correct_conditions_do_not_lose_the_wakeup(name: str) -> None:
    outcome = bounded(sketches.lost_wakeup, CORRECT_CONDITIONS[name])
    assert outcome == sketches.LostWakeup(0, True, True)


def test_sketch_keeps_an_rlock_held_across_wait() -> None:
    outcome = bounded(sketches.wait_holding_rlock_twice, BrokenCondition, patience=0.2)
    assert outcome.notifier_got_lock is False
    assert outcome.waiter_notified is False
    assert outcome.levels_after_wait == 2  # the waiter still holds both levels afterwards


@pytest.mark.parametrize("name", list(CORRECT_CONDITIONS))
def test_correct_conditions_release_an_rlock_fully(name: str) -> None:
    outcome = bounded(sketches.wait_holding_rlock_twice, CORRECT_CONDITIONS[name])
    assert outcome == sketches.RLockWait(True, True, 2)


def test_sketch_waits_without_timeout_are_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    """Even a wait without a timeout ends: the course caps it (the syllabus would hang)."""
    monkeypatch.setattr(sketches, "SAFETY_CAP_S", 0.05)

    def wait_forever() -> object:
        cond = BrokenCondition()
        cond.acquire()
        try:
            return cond.wait()
        finally:
            cond.release()

    assert bounded(wait_forever) is None
    assert bounded(BrokenSemaphore(0).acquire) is False


# --- The Semaphore sketch ----------------------------------------------------------------------


def test_sketch_semaphore_article_example_loses_two_permits() -> None:
    outcome = bounded(sketches.article_semaphore_example, BrokenSemaphore)
    assert outcome == sketches.SemaphoreCount(permits=3, threads=5, final_value=1)


@pytest.mark.parametrize("name", list(CORRECT_SEMAPHORES))
def test_correct_semaphores_keep_every_permit(name: str) -> None:
    outcome = bounded(sketches.article_semaphore_example, CORRECT_SEMAPHORES[name])
    assert outcome.final_value == 3


@pytest.mark.parametrize(("permits", "threads"), [(1, 2), (2, 5), (3, 4)])
def test_sketch_loses_one_permit_per_hand_over(permits: int, threads: int) -> None:
    outcome = bounded(sketches.article_semaphore_example, BrokenSemaphore, permits, threads)
    assert outcome.final_value == permits - (threads - permits)


def test_sketch_counter_goes_negative_during_hand_over() -> None:
    sem = BrokenSemaphore(1)
    sem.acquire()
    inside: list[int] = []

    def waiter() -> None:
        if sem.acquire(timeout=5):
            inside.append(sem._value)
            sem.release()

    thread = threading.Thread(target=waiter, daemon=True)
    thread.start()
    assert sketches.wait_until(lambda: sketches.waiting_count(sem) == 1, 5)
    sem.release()
    thread.join(5)
    assert inside == [-1]  # the waiter took a permit that was never counted


def test_sketch_deadlocks_after_a_hand_over() -> None:
    outcome = bounded(sketches.lost_permit_deadlock, BrokenSemaphore, patience=0.1)
    assert outcome == sketches.PermitDeadlock(value_after=0, acquire_succeeded=False)


@pytest.mark.parametrize("name", list(CORRECT_SEMAPHORES))
def test_correct_semaphores_have_the_permit_after_a_hand_over(name: str) -> None:
    outcome = bounded(sketches.lost_permit_deadlock, CORRECT_SEMAPHORES[name])
    assert outcome == sketches.PermitDeadlock(value_after=1, acquire_succeeded=True)


def test_sketch_semaphore_has_no_with_and_no_release_n() -> None:
    sem = BrokenSemaphore(2)
    with pytest.raises((TypeError, AttributeError)), sem:  # type: ignore[attr-defined]
        pass
    with pytest.raises(TypeError):
        sem.release(2)  # type: ignore[call-arg]


def test_sketch_semaphore_refuses_a_negative_start() -> None:
    with pytest.raises(ValueError):
        BrokenSemaphore(-1)


def test_waiting_count_reads_every_kind_of_primitive() -> None:
    for primitive in (
        BrokenCondition(),
        threading.Condition(),
        TeachingCondition(),
        BrokenSemaphore(),
        threading.Semaphore(),
        TeachingSemaphore(),
    ):
        assert sketches.waiting_count(primitive) == 0


def test_wait_until_is_bounded() -> None:
    assert sketches.wait_until(lambda: True, 0.01) is True
    assert sketches.wait_until(lambda: False, 0.01) is False
