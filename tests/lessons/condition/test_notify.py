"""helpers.lessons.condition.notify: waiters queued on one condition wake first come, first
served; notify(), notify(n) and notify_all() wake one, n and every waiter per call."""

from __future__ import annotations

import pytest

from helpers.core.timing import max_overlap
from helpers.lessons.condition import notify
from helpers.lessons.condition.classes import IMPLEMENTATIONS
from helpers.teaching.condition import Condition as TeachingCondition

pytestmark = pytest.mark.usefixtures("nothing_left")


def test_fifo_wake_order() -> None:
    assert notify.fifo_wake_order(TeachingCondition, waiters=4) == [0, 1, 2, 3]


@pytest.mark.parametrize("implementation", list(IMPLEMENTATIONS))
def test_notify_one_at_a_time_wakes_in_queue_order(implementation: str) -> None:
    run = notify.run_notify_rounds(5, "notify", work_ms=1, implementation=implementation)
    assert run.rounds == ((0,), (1,), (2,), (3,), (4,))
    assert run.wake_order == [0, 1, 2, 3, 4]
    assert all(r.notified for r in run.records)
    assert len(run.notifications) == 5


def test_notify_n_wakes_n_oldest_per_call() -> None:
    run = notify.run_notify_rounds(7, "notify_n", n=3, work_ms=1)
    assert run.rounds == ((0, 1, 2), (3, 4, 5), (6,))
    assert len(run.notifications) == 3


def test_notify_all_wakes_everyone_with_one_call_and_they_take_turns() -> None:
    run = notify.run_notify_rounds(6, "notify_all", work_ms=5)
    assert run.rounds == (tuple(range(6)),)
    assert len(run.notifications) == 1
    # Each woken thread holds the lock while it works: the solid bars never overlap.
    assert max_overlap(iv for r in run.records for iv in r.span.running) == 1
    assert all(r.woke >= run.notifications[0] for r in run.records)
