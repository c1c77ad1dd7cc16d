"""The syllabus's Condition sketch really fails the way notebook 05 says, and the demos that show
it (helpers.lessons.condition.failures) are bounded: they return, and leave no thread behind."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from helpers.core.checks import call_with_timeout
from helpers.core.lifecycle import waiting_count
from helpers.lessons.condition import failures
from helpers.sketches import condition as broken_condition
from helpers.sketches.condition import BrokenCondition
from helpers.teaching.condition import Condition as TeachingCondition

pytestmark = pytest.mark.usefixtures("nothing_left")

CORRECT_CONDITIONS = {"threading": threading.Condition, "teaching": TeachingCondition}


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
    assert bounded(failures.lost_wakeup, BrokenCondition).wait_result is None  # notified


def test_sketch_notify_without_the_lock_raises_nothing() -> None:
    BrokenCondition().notify()  # the real one raises RuntimeError


def test_sketch_keeps_timed_out_waiters() -> None:
    cond = BrokenCondition()
    cond.acquire()
    cond.wait(0.01)
    cond.wait(0.01)
    assert waiting_count(cond) == 2  # stale entries, each will eat a notify
    cond.release()


def test_sketch_loses_a_wakeup() -> None:
    outcome = bounded(failures.lost_wakeup, BrokenCondition)
    assert outcome.first_notify_woke_waiter is False
    assert outcome.queued_after_notify == 1


@pytest.mark.parametrize("name", list(CORRECT_CONDITIONS))
def test_correct_conditions_do_not_lose_the_wakeup(name: str) -> None:
    outcome = bounded(failures.lost_wakeup, CORRECT_CONDITIONS[name])
    assert outcome == failures.LostWakeup(0, True, True)


def test_sketch_keeps_an_rlock_held_across_wait() -> None:
    outcome = bounded(failures.wait_holding_rlock_twice, BrokenCondition, patience=0.2)
    assert outcome.notifier_got_lock is False
    assert outcome.waiter_notified is False
    assert outcome.levels_after_wait == 2  # the waiter still holds both levels afterwards


@pytest.mark.parametrize("name", list(CORRECT_CONDITIONS))
def test_correct_conditions_release_an_rlock_fully(name: str) -> None:
    outcome = bounded(failures.wait_holding_rlock_twice, CORRECT_CONDITIONS[name])
    assert outcome == failures.RLockWait(True, True, 2)


def test_sketch_waits_without_timeout_are_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    """Even a wait without a timeout ends: the course caps it (the syllabus would hang)."""
    monkeypatch.setattr(broken_condition, "SAFETY_CAP_S", 0.05)

    def wait_forever() -> object:
        cond = BrokenCondition()
        cond.acquire()
        try:
            return cond.wait()
        finally:
            cond.release()

    assert bounded(wait_forever) is None
