"""Locking granularity: exact counts, mutual exclusion, and where the lock is held."""

from __future__ import annotations

import pytest
from matplotlib.figure import Figure

from helpers.lessons.lock_and_rlock.granularity import (
    GRANULARITIES,
    explore_granularity,
    run_granularity,
)


@pytest.mark.parametrize("granularity", list(GRANULARITIES))
def test_granularity_counts_exactly_and_excludes_mutually(granularity: str) -> None:
    run = run_granularity(granularity, threads=3, items=4, work_ms=2)
    assert run.total == run.expected == 12
    assert len(run.operations) == 12
    assert run.max_holders() == 1
    assert [label for label, _ in run.rows()] == ["thread 1", "thread 2", "thread 3"]


def test_coarse_lock_is_held_across_the_work() -> None:
    coarse = run_granularity("coarse", threads=2, items=2, work_ms=5)
    fine = run_granularity("fine", threads=2, items=2, work_ms=5)
    held = [b - a for op in coarse.operations for a, b in op.running]
    assert min(held) >= 0.005  # sleep never returns early: the lock covered the work
    # Fine: the lock is taken only after the work, so never before 5 ms into the operation.
    assert all(op.running[0][0] - op.start >= 0.005 for op in fine.operations)


@pytest.mark.parametrize(
    ("kwargs", "error", "name"),
    [
        ({"granularity": "medium"}, ValueError, "granularity"),
        ({"granularity": 1}, TypeError, "granularity"),
        ({"threads": 0}, ValueError, "threads"),
        ({"items": 0}, ValueError, "items"),
        ({"work_ms": -1}, ValueError, "work_ms"),
        ({"work_ms": "x"}, TypeError, "work_ms"),
    ],
)
def test_run_granularity_validates(
    kwargs: dict[str, object], error: type[Exception], name: str
) -> None:
    with pytest.raises(error, match=name):
        run_granularity(**kwargs)  # type: ignore[arg-type]


def test_explore_granularity_draws_and_reports_progress() -> None:
    seen: list[tuple[int, int]] = []
    fig, runs = explore_granularity(3, 2, 1, progress=lambda d, t: seen.append((d, t)))
    assert isinstance(fig, Figure)
    assert [r.threads for r in runs["coarse"]] == [1, 2, 3]
    assert all(r.total == r.expected for rs in runs.values() for r in rs)
    assert seen[-1] == (6, 6)
    wall_ax = fig.axes[1]
    assert wall_ax.get_xlabel() == "threads" and "ms" in wall_ax.get_ylabel()
    with pytest.raises(ValueError, match="threads"):
        explore_granularity(0)
