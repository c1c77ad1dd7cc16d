"""helpers.lessons.thread_pool_executor.pools: the I/O explorer, the CPU preview and the probes
of notebook 07."""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor

import pytest
from matplotlib.figure import Figure

from helpers.core import leftovers
from helpers.lessons.thread_pool_executor import pools
from helpers.teaching import executor as teaching


def test_worker_counts_include_the_knee_and_the_chosen_pool() -> None:
    assert pools.worker_counts(16, 4) == [1, 2, 4, 8, 16, 32]
    assert pools.worker_counts(5, 3) == [1, 2, 3, 4, 5, 8, 10]
    assert pools.worker_counts(1, 1) == [1, 2]
    assert max(pools.worker_counts(100, 4)) == pools.MAX_SWEEP_WORKERS


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"latency_ms": 0}, ValueError, "latency_ms"),
        ({"latency_ms": 5000}, ValueError, "latency_ms"),
        ({"latency_ms": "20"}, TypeError, "latency_ms"),
        ({"tasks": 0}, ValueError, "tasks"),
        ({"tasks": 1000}, ValueError, "tasks"),
        ({"tasks": 2.5}, TypeError, "tasks"),
        ({"workers": 0}, ValueError, "workers"),
        ({"workers": 65}, ValueError, "workers"),
    ],
)
def test_io_arguments_are_validated(
    kwargs: dict[str, object], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        pools.io_sweep(**kwargs)  # type: ignore[arg-type]


def test_the_io_sweep_respects_the_physics_of_waiting() -> None:
    baseline = leftovers.snapshot()
    progress: list[tuple[int, int]] = []
    sweep = pools.io_sweep(5, 6, 2, progress=lambda done, total: progress.append((done, total)))
    assert [p.workers for p in sweep.points] == pools.worker_counts(6, 2)
    assert progress[-1] == (len(sweep.points) * 6, len(sweep.points) * 6)
    for point in sweep.points:
        run = point.run
        assert sorted(r.index for r in run.records) == list(range(6))
        assert run.concurrency() <= point.workers
        # Every wait lasts at least the latency, so whole rounds bound the throughput.
        assert point.throughput <= sweep.expected(point.workers) * (1 + 1e-9)
        assert sweep.expected(point.workers) <= sweep.bound(point.workers)
        # Little's law: throughput = tasks in flight / time in the system.
        assert math.isclose(point.in_flight / point.latency, point.throughput)
        assert point.latency >= sweep.latency_s
    assert sweep.knee == 6 and sweep.bound(6) == sweep.bound(12)
    assert "in flight" in sweep.table()
    assert not leftovers.leftovers(baseline)


def test_the_io_explorer_draws_throughput_and_timeline() -> None:
    fig, sweep = pools.explore_io_pool(latency_ms=5, tasks=4, workers=2)
    assert isinstance(fig, Figure) and sweep.chosen == 2
    throughput, timeline = fig.axes[:2]
    assert "throughput" in throughput.get_ylabel() and "workers" in throughput.get_xlabel()
    assert "(ms)" in timeline.get_xlabel()
    labels = [t.get_text() for t in throughput.get_legend().get_texts()]
    assert any("Little" in label for label in labels)
    assert any("knee" in label for label in labels)


def test_the_cpu_preview_runs_threads_and_processes() -> None:
    baseline = leftovers.snapshot()
    fig, measurements = pools.cpu_preview(workers=2, tasks=2, task_ms=10)
    assert isinstance(fig, Figure)
    by_executor = {m.run.executor: m for m in measurements}
    assert set(by_executor) == {"threads", "processes"}
    assert {r.pid for r in by_executor["threads"].run.records} == {os.getpid()}
    assert os.getpid() not in {r.pid for r in by_executor["processes"].run.records}
    text = pools.describe_cpu_preview(measurements)
    assert "Thread pool" in text and "Process pool" in text
    assert "cannot beat" in pools.describe_cpu_preview(measurements, cores=1)
    assert "own interpreter" in pools.describe_cpu_preview(measurements, cores=4)
    assert not leftovers.leftovers(baseline)


def test_default_workers_match_the_standard_executor() -> None:
    report = pools.default_workers()
    assert report.default == ThreadPoolExecutor()._max_workers
    assert report.default == min(32, report.cpus + 4)
    assert report.syllabus_rule == (os.cpu_count() or 1) * 5
    assert str(report.default) in str(report) and report.counter in str(report)


@pytest.mark.parametrize("executor", [ThreadPoolExecutor, teaching.ThreadPoolExecutor])
def test_wait_for_idle_worker_sees_the_worker_go_idle(executor: type) -> None:
    with executor(max_workers=1) as pool:
        assert pools.wait_for_idle_worker(pool, timeout=0.01) is False  # no worker yet
        pool.submit(pow, 2, 2).result(timeout=5)
        assert pools.wait_for_idle_worker(pool, timeout=5) is True


@pytest.mark.parametrize("executor", [ThreadPoolExecutor, teaching.ThreadPoolExecutor])
def test_per_task_overhead_is_a_positive_duration(executor: type) -> None:
    seconds = pools.per_task_overhead(executor, tasks=200, repeats=1)
    assert 0 < seconds < 1


def test_per_task_overhead_validates() -> None:
    with pytest.raises(ValueError, match="tasks"):
        pools.per_task_overhead(ThreadPoolExecutor, tasks=0)
