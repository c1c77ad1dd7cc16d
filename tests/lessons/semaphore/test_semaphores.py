"""helpers.conditions and helpers.semaphores: the demos and explorer functions of notebooks 05
and 06 report true facts, validate their arguments, draw labelled figures and clean up."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from helpers.lessons.semaphore import semaphores
from helpers.teaching.condition import Condition as TeachingCondition

CONDITIONS = {"threading": threading.Condition, "teaching": TeachingCondition}


@pytest.fixture(autouse=True)
def no_thread_left_behind() -> Any:
    before = set(threading.enumerate())
    yield
    left = [t.name for t in threading.enumerate() if t not in before and t.is_alive()]
    assert left == [], f"left threads running: {left}"


def take_with_if(buffer: list[Any], cond: Any, timeout: float) -> Any:
    with cond:
        if not buffer:
            cond.wait(timeout)
        return buffer.pop()


def take_with_while(buffer: list[Any], cond: Any, timeout: float) -> Any:
    with cond:
        while not buffer:
            if not cond.wait(timeout):
                return None
        return buffer.pop()


def take_with_wait_for(buffer: list[Any], cond: Any, timeout: float) -> Any:
    with cond:
        if not cond.wait_for(lambda: buffer, timeout):
            return None
        return buffer.pop()


# --- Connection pool -----------------------------------------------------------------------------


@pytest.mark.parametrize("implementation", list(semaphores.IMPLEMENTATIONS))
@pytest.mark.parametrize(("workers", "permits"), [(6, 2), (3, 5), (4, 1)])
def test_pool_never_exceeds_its_permits(implementation: str, workers: int, permits: int) -> None:
    run = semaphores.run_pool(workers, permits, tasks=10, task_ms=5, implementation=implementation)
    assert sorted(u.index for u in run.uses) == list(range(10))
    assert run.in_use_at_once() <= min(permits, workers)
    assert run.connection_shared() is False
    assert {u.connection for u in run.uses} <= set(range(1, permits + 1))
    assert run.throughput > 0 and run.ideal_throughput() == min(permits, workers) / 0.005


def test_connection_pool_gives_back_on_error_and_times_out() -> None:
    pool = semaphores.ConnectionPool(1)
    with pytest.raises(KeyError), pool.connection():
        raise KeyError("query failed")
    with pool.connection(timeout=0.1) as conn:
        assert conn == 1
        with pytest.raises(TimeoutError), pool.connection(timeout=0.01):
            pass
    with pool.connection(timeout=0.1):
        pass


def test_pool_explorer_sweeps_permits_and_draws_both_panels() -> None:
    seen: list[tuple[int, int]] = []
    fig, sweep = semaphores.pool_explorer(
        workers=3, permits=2, tasks=6, task_ms=5, progress=lambda d, t: seen.append((d, t))
    )
    assert sorted(sweep.runs) == [1, 2, 3, 4, 5]
    assert sweep.chosen is sweep.runs[2]
    assert all(run.in_use_at_once() <= k for k, run in sweep.runs.items())
    assert seen[-1] == (30, 30)
    flat = [sweep.runs[k].ideal_throughput() for k in (3, 4, 5)]
    assert flat[0] == flat[1] == flat[2]  # more permits than threads: no more concurrency
    timeline, curve = fig.axes[:2]
    assert "(ms)" in timeline.get_xlabel()
    assert curve.get_xlabel().startswith("permits") and "tasks/s" in curve.get_ylabel()


def test_sweep_values_cover_small_counts_and_the_chosen_one() -> None:
    assert semaphores._sweep_values(6, 2) == [1, 2, 3, 4, 6, 8]
    assert semaphores._sweep_values(2, 5) == [1, 2, 3, 4, 5]
    assert semaphores._sweep_values(20, 7) == [1, 2, 3, 4, 6, 7, 8, 12, 16, 20, 22]


@pytest.mark.parametrize(
    ("kwargs", "error", "word"),
    [
        ({"workers": 0}, ValueError, "workers"),
        ({"permits": 40}, ValueError, "permits"),
        ({"tasks": True}, TypeError, "tasks"),
        ({"task_ms": 0}, ValueError, "task_ms"),
        ({"task_ms": None}, TypeError, "task_ms"),
        ({"implementation": 3}, TypeError, "implementation"),
    ],
)
def test_pool_explorer_validates(kwargs: dict[str, Any], error: type[Exception], word: str) -> None:
    with pytest.raises(error, match=word):
        semaphores.pool_explorer(**kwargs)


# --- Semaphore versus max_workers ---------------------------------------------------------------


def test_compare_limits_respects_the_limit_both_ways() -> None:
    fig, result = semaphores.compare_limits(tasks=6, workers=6, permits=2, prepare_ms=10, use_ms=5)
    with_sem, small = result.semaphore, result.small_pool
    assert with_sem.database_at_once() <= 2 and small.database_at_once() <= 2
    assert small.tasks_at_once() <= 2  # the small pool limits the whole task
    assert with_sem.tasks_at_once() <= 6
    assert sorted(s.index for s in with_sem.steps) == list(range(6))
    assert len(fig.axes) == 2 and all("(ms)" in ax.get_xlabel() for ax in fig.axes)


def test_compare_limits_validates() -> None:
    with pytest.raises(ValueError, match="use_ms"):
        semaphores.compare_limits(use_ms=0)
    with pytest.raises(ValueError, match="implementation"):
        semaphores.semaphore_class("mine")
