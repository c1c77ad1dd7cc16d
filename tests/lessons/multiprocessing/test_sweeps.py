"""helpers.lessons.multiprocessing.sweeps: speedup, task size and chunksize, measured."""

from __future__ import annotations

import pytest
from matplotlib.figure import Figure

from helpers.lessons.multiprocessing import sweeps

pytestmark = pytest.mark.usefixtures("nothing_left")


def test_speedup_workers_go_past_the_cores() -> None:
    assert sweeps.speedup_workers(1) == [1, 2]
    assert sweeps.speedup_workers(2) == [1, 2, 3, 4]
    assert sweeps.speedup_workers(8) == [1, 2, 4, 8, 9, 16]
    assert max(sweeps.speedup_workers(64)) <= 32


def test_task_size_sweep_and_plot(start_method: str) -> None:
    points = sweeps.task_size_sweep([10, 1000], workers=2, budget_seconds=0.01, repeats=1)
    assert [p.task_us for p in points] == [10, 1000]
    assert points[0].tasks > points[1].tasks  # the same budget, cut into smaller tasks
    assert all(1 <= p.processes_used <= 2 for p in points)
    assert isinstance(sweeps.plot_task_sizes(points), Figure)


def test_chunksize_sweep_covers_both_apis(start_method: str) -> None:
    points, serial = sweeps.chunksize_sweep((1, 8), tasks=40, task_us=10, workers=2, repeats=1)
    assert [(p.api, p.chunksize) for p in points] == [
        ("pool", 1),
        ("pool", 8),
        ("executor", 1),
        ("executor", 8),
    ]
    assert serial > 0 and all(p.seconds > 0 for p in points)
    assert isinstance(sweeps.plot_chunksizes(points, serial, tasks=40, workers=2), Figure)
    with pytest.raises(ValueError, match="api"):
        sweeps.chunksize_sweep((1,), apis=("bogus",))


def test_speedup_curve_runs_every_worker_count(start_method: str) -> None:
    fig, results = sweeps.speedup_curve(tasks=2, task_ms=10, workers=[1, 2])
    assert [m.run.workers for m in results] == [1, 2]
    assert all(m.run.start_method == start_method for m in results)
    assert isinstance(fig, Figure)
