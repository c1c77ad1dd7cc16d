"""The syllabus's Semaphore sketch really fails the way notebook 06 says, and the demos that show
it (helpers.lessons.semaphore.failures) are bounded: they return, and leave no thread behind."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from helpers.core.checks import call_with_timeout
from helpers.core.lifecycle import wait_until, waiting_count
from helpers.lessons.semaphore import failures
from helpers.sketches import semaphore as broken_semaphore
from helpers.sketches.semaphore import BrokenSemaphore
from helpers.teaching.semaphore import BoundedSemaphore as TeachingBounded
from helpers.teaching.semaphore import Semaphore as TeachingSemaphore

pytestmark = pytest.mark.usefixtures("nothing_left")

CORRECT_SEMAPHORES = {
    "threading": threading.Semaphore,
    "threading-bounded": threading.BoundedSemaphore,
    "teaching": TeachingSemaphore,
    "teaching-bounded": TeachingBounded,
}


def bounded(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a demo, failing (instead of hanging) if it does not return in a generous bound."""
    return call_with_timeout(fn, *args, timeout=30, **kwargs)


# --- The Semaphore sketch ----------------------------------------------------------------------


def test_sketch_semaphore_article_example_loses_two_permits() -> None:
    outcome = bounded(failures.article_semaphore_example, BrokenSemaphore)
    assert outcome == failures.SemaphoreCount(permits=3, threads=5, final_value=1)


@pytest.mark.parametrize("name", list(CORRECT_SEMAPHORES))
def test_correct_semaphores_keep_every_permit(name: str) -> None:
    outcome = bounded(failures.article_semaphore_example, CORRECT_SEMAPHORES[name])
    assert outcome.final_value == 3


@pytest.mark.parametrize(("permits", "threads"), [(1, 2), (2, 5), (3, 4)])
def test_sketch_loses_one_permit_per_hand_over(permits: int, threads: int) -> None:
    outcome = bounded(failures.article_semaphore_example, BrokenSemaphore, permits, threads)
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
    assert wait_until(lambda: waiting_count(sem) == 1, 5)
    sem.release()
    thread.join(5)
    assert inside == [-1]  # the waiter took a permit that was never counted


def test_sketch_deadlocks_after_a_hand_over() -> None:
    outcome = bounded(failures.lost_permit_deadlock, BrokenSemaphore, patience=0.1)
    assert outcome == failures.PermitDeadlock(value_after=0, acquire_succeeded=False)


@pytest.mark.parametrize("name", list(CORRECT_SEMAPHORES))
def test_correct_semaphores_have_the_permit_after_a_hand_over(name: str) -> None:
    outcome = bounded(failures.lost_permit_deadlock, CORRECT_SEMAPHORES[name])
    assert outcome == failures.PermitDeadlock(value_after=1, acquire_succeeded=True)


def test_sketch_semaphore_has_no_with_and_no_release_n() -> None:
    sem = BrokenSemaphore(2)
    with pytest.raises((TypeError, AttributeError)), sem:  # type: ignore[attr-defined]
        pass
    with pytest.raises(TypeError):
        sem.release(2)  # type: ignore[call-arg]


def test_sketch_semaphore_refuses_a_negative_start() -> None:
    with pytest.raises(ValueError):
        BrokenSemaphore(-1)


def test_sketch_semaphore_waits_without_timeout_are_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    """Even an acquire without a timeout ends: the course caps it (the syllabus would hang)."""
    monkeypatch.setattr(broken_semaphore, "SAFETY_CAP_S", 0.05)
    assert bounded(BrokenSemaphore(0).acquire) is False
