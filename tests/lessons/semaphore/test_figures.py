"""helpers.lessons.semaphore.figures: the connection pool explorer sweeps the permits, draws
both panels and refuses bad arguments by name; the limits comparison respects the database's
limit both ways and is drawn with a labelled panel per way."""

from __future__ import annotations

from typing import Any

import pytest

from helpers.lessons.semaphore import figures, limits

pytestmark = pytest.mark.usefixtures("nothing_left")


def test_connection_pool_explorer_sweeps_permits_and_draws_both_panels() -> None:
    seen: list[tuple[int, int]] = []
    fig, sweep = figures.connection_pool_explorer(
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
    assert figures._sweep_values(6, 2) == [1, 2, 3, 4, 6, 8]
    assert figures._sweep_values(2, 5) == [1, 2, 3, 4, 5]
    assert figures._sweep_values(20, 7) == [1, 2, 3, 4, 6, 7, 8, 12, 16, 20, 22]


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
def test_connection_pool_explorer_validates(
    kwargs: dict[str, Any], error: type[Exception], word: str
) -> None:
    with pytest.raises(error, match=word):
        figures.connection_pool_explorer(**kwargs)


# --- Semaphore versus max_workers ---------------------------------------------------------------


def test_compare_limits_respects_the_limit_both_ways() -> None:
    result = limits.compare_limits(tasks=6, workers=6, permits=2, prepare_ms=10, use_ms=5)
    fig = figures.draw_limits(result)
    with_sem, small = result.semaphore, result.small_pool
    assert with_sem.database_at_once() <= 2 and small.database_at_once() <= 2
    assert small.tasks_at_once() <= 2  # the small pool limits the whole task
    assert with_sem.tasks_at_once() <= 6
    assert sorted(s.index for s in with_sem.steps) == list(range(6))
    assert len(fig.axes) == 2 and all("(ms)" in ax.get_xlabel() for ax in fig.axes)


def _fake_run(workers: int, permits: int, wall: float) -> Any:
    from helpers.lessons.semaphore.pool import ConnectionPoolRun

    return ConnectionPoolRun(workers, permits, 10.0, 0.0, wall, tuple(range(4)))  # type: ignore[arg-type]


def test_the_sweep_says_flat_only_when_it_measured_flat() -> None:
    """The sentence follows the numbers: flat past k = threads only if measured so."""
    flat = figures.ConnectionPoolSweep(
        _fake_run(2, 1, 0.04),
        {1: _fake_run(2, 1, 0.04), 2: _fake_run(2, 2, 0.02), 3: _fake_run(2, 3, 0.0205)},
    )
    assert "Flat from k = 2 on" in flat.describe()
    bumpy = figures.ConnectionPoolSweep(
        _fake_run(2, 1, 0.04),
        {1: _fake_run(2, 1, 0.04), 2: _fake_run(2, 2, 0.02), 3: _fake_run(2, 3, 0.03)},
    )
    assert "Not flat here" in bumpy.describe() and "noise" in bumpy.describe()
    alone = figures.ConnectionPoolSweep(_fake_run(3, 1, 0.04), {1: _fake_run(3, 1, 0.04)})
    assert alone.past_threads() is None and "nothing to compare" in alone.describe()


def test_the_limits_comparison_says_which_way_finished_first() -> None:
    from helpers.lessons.semaphore.limits import LimitComparison, LimitedRun

    def way(wall: float) -> LimitedRun:
        return LimitedRun("x", 2, 0.0, wall, ())

    assert "semaphore's way finished first" in LimitComparison(2, way(0.1), way(0.2)).describe()
    assert "did not finish first" in LimitComparison(2, way(0.2), way(0.2)).describe()
