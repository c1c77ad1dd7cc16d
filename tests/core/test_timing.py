"""helpers.timing: running tasks on executors, timing them, speedup."""

from __future__ import annotations

import multiprocessing
import os
import pickle
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any

import pytest

from helpers.core import leftovers, timing, workloads
from helpers.core.timing import ideal_speedup, max_overlap, speedup_limit

START_METHODS = multiprocessing.get_all_start_methods()


def assert_consistent(result: timing.RunResult, tasks: int, workers: int) -> None:
    """The facts every run must satisfy, whatever the machine's speed."""
    assert result.tasks == tasks
    assert [r.index for r in result.records] == list(range(tasks))
    for record in result.records:
        assert result.t0 <= record.start <= record.end <= result.t0 + result.wall
    assert 1 <= result.concurrency() <= workers
    assert len(result.worker_labels()) <= workers


@pytest.mark.parametrize("executor", ["serial", "threads", "processes"])
@pytest.mark.parametrize("kind", ["cpu", "io"])
def test_every_task_runs_once_within_the_wall_time(executor: str, kind: str) -> None:
    workers = 1 if executor == "serial" else 3
    result = timing.run_tasks(kind, executor, workers, tasks=6, task_seconds=0.01)
    assert result.executor == executor and result.kind == kind
    assert_consistent(result, tasks=6, workers=workers)
    pids = {r.pid for r in result.records}
    if executor == "processes":
        assert os.getpid() not in pids
    else:
        assert pids == {os.getpid()}


def test_io_tasks_on_threads_overlap_up_to_the_worker_count() -> None:
    # Sleeping threads really run at once: with 4 tasks of 100 ms on 4 threads, all 4 are in
    # progress together. This is a fact about overlap, not a timing threshold.
    result = timing.run_tasks("io", "threads", 4, tasks=4, task_seconds=0.1)
    assert result.concurrency() == 4


@pytest.mark.parametrize("method", START_METHODS)
def test_process_pools_work_under_every_start_method(method: str) -> None:
    result = timing.run_tasks(
        "cpu", "processes", 2, tasks=4, task_seconds=0.01, start_method=method
    )
    assert result.start_method == method
    assert_consistent(result, tasks=4, workers=2)
    labels = set(result.worker_labels().values())
    assert labels <= {"process 1", "process 2"}
    assert result.startup_seconds > 0


def test_worker_labels_follow_first_start() -> None:
    result = timing.run_tasks("io", "threads", 2, tasks=4, task_seconds=0.01)
    first = min(result.records, key=lambda r: r.start)
    assert result.worker_labels()[first.worker_key] == "thread 1"
    serial = timing.run_tasks("io", "serial", 1, tasks=2, task_seconds=0.01)
    assert set(serial.worker_labels().values()) == {"main thread"}


def test_serial_ignores_the_worker_count() -> None:
    result = timing.run_tasks("io", "serial", 4, tasks=3, task_seconds=0.01)
    assert result.workers == 1 and result.concurrency() == 1


def test_speedup_is_computed_from_the_measured_times() -> None:
    m = timing.measure("io", "threads", 2, tasks=4, task_seconds=0.02)
    assert m.speedup == m.serial.wall / m.run.wall
    assert m.serial.executor == "serial" and m.run.executor == "threads"
    assert m.ideal == 2.0 and m.limit == 2.0


def test_measure_reuses_a_baseline_and_rejects_a_mismatched_one() -> None:
    first = timing.measure("io", "threads", 2, tasks=4, task_seconds=0.01)
    second = timing.measure("io", "threads", 4, tasks=4, task_seconds=0.01, baseline=first.serial)
    assert second.serial is first.serial
    with pytest.raises(ValueError, match="baseline must be a serial run"):
        timing.measure("io", "threads", 2, tasks=5, task_seconds=0.01, baseline=first.serial)


def test_sweep_shares_one_baseline_and_reports_progress() -> None:
    seen: list[tuple[int, int]] = []
    results = timing.sweep(
        "io",
        "threads",
        [1, 2],
        tasks=2,
        task_seconds=0.01,
        progress=lambda d, t: seen.append((d, t)),
    )
    assert [m.run.workers for m in results] == [1, 2]
    assert results[0].serial is results[1].serial
    assert seen[-1] == (6, 6) and [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert all(total == 6 for _, total in seen)


def test_progress_is_reported_for_every_task() -> None:
    seen: list[tuple[int, int]] = []
    timing.run_tasks(
        "io", "threads", 2, tasks=5, task_seconds=0.01, progress=lambda d, t: seen.append((d, t))
    )
    assert seen == [(d, 5) for d in range(1, 6)]


@pytest.mark.parametrize(
    ("workers", "tasks", "expected"),
    [(1, 8, 1.0), (2, 8, 2.0), (3, 8, 8 / 3), (8, 8, 8.0), (16, 8, 8.0), (4, 1, 1.0)],
)
def test_ideal_speedup_counts_rounds(workers: int, tasks: int, expected: float) -> None:
    assert ideal_speedup(workers, tasks) == pytest.approx(expected)


def test_speedup_limit_caps_cpu_work_by_cores_but_not_waiting() -> None:
    assert speedup_limit("cpu", 8, 8, cores=2) == 2.0
    assert speedup_limit("hash", 8, 8, cores=2) == 2.0
    assert speedup_limit("io", 8, 8, cores=2) == 8.0
    assert speedup_limit("cpu", 1, 8, cores=4) == 1.0


@pytest.mark.parametrize(
    ("intervals", "expected"),
    [
        ([], 0),
        ([(0, 1)], 1),
        ([(0, 1), (1, 2)], 1),  # touching ends do not overlap
        ([(0, 2), (1, 3), (1.5, 1.6)], 3),
        ([(0, 1), (0, 1), (2, 3)], 2),
    ],
)
def test_max_overlap(intervals: list[tuple[float, float]], expected: int) -> None:
    assert max_overlap(intervals) == expected


@pytest.mark.parametrize(
    ("kwargs", "error", "pattern"),
    [
        ({"workers": 0}, ValueError, "workers must be between 1 and 256; got 0"),
        ({"workers": 257}, ValueError, "workers must be between 1 and 256; got 257"),
        ({"workers": "2"}, TypeError, "workers must be an int"),
        ({"executor": "gpu"}, ValueError, r"executor must be one of \['serial', 'threads'"),
        ({"executor": None}, TypeError, "executor must be a string"),
        ({"kind": "disk"}, ValueError, "kind must be one of"),
        ({"tasks": 0}, ValueError, "tasks must be >= 1"),
        ({"task_seconds": 0}, ValueError, "task_seconds must be > 0"),
        ({"start_method": "clone"}, ValueError, "start_method must be one of"),
        ({"executor": "threads", "start_method": "clone"}, ValueError, "start_method must be"),
    ],
)
def test_run_tasks_rejects_bad_arguments_by_name(kwargs: dict, error: type, pattern: str) -> None:
    args = {"kind": "io", "executor": "processes", "workers": 1, "tasks": 1, "task_seconds": 0.01}
    with pytest.raises(error, match=pattern):
        timing.run_tasks(**{**args, **kwargs})


def test_sweep_needs_worker_counts() -> None:
    with pytest.raises(ValueError, match="at least one worker count"):
        timing.sweep("io", "threads", [], tasks=1, task_seconds=0.01)


def test_run_specs_rejects_mixed_or_empty_specs() -> None:
    with pytest.raises(ValueError, match="at least one task"):
        timing.run_specs([], "threads", 1)
    mixed = [workloads.TaskSpec(0, "io", 0.01), workloads.TaskSpec(1, "cpu", 10)]
    with pytest.raises(ValueError, match="one kind"):
        timing.run_specs(mixed, "threads", 1)


@pytest.mark.parametrize("executor", ["threads", "processes"])
def test_a_run_past_its_timeout_is_stopped_not_hung(executor: str) -> None:
    baseline = leftovers.snapshot()
    started = time.monotonic()
    with pytest.raises(TimeoutError, match=r"did not finish 4 tasks within 0\.3 s"):
        timing.run_tasks("io", executor, 2, tasks=4, task_seconds=0.5, timeout=0.3)
    assert time.monotonic() - started < 10  # bounded: threads finish their current task only
    leftovers.assert_nothing_left(baseline)


def test_stop_pool_terminates_busy_worker_processes() -> None:
    pool = ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn"))
    futures = [pool.submit(time.sleep, 30) for _ in range(4)]
    while not any(f.running() for f in futures):
        time.sleep(0.01)
    processes = list(pool._processes.values())  # type: ignore[attr-defined]
    started = time.monotonic()
    timing.stop_pool(pool)
    assert time.monotonic() - started < 10
    assert not any(p.is_alive() for p in processes)


def test_timer_and_repeat() -> None:
    with timing.Timer() as timer:
        time.sleep(0.01)
    assert timer.elapsed >= 0.01
    stats = timing.repeat(lambda: None, runs=3)
    assert stats.runs == 3 and stats.minimum <= stats.median <= stats.maximum
    assert "median" in str(stats)
    with pytest.raises(ValueError, match="runs must be >= 1"):
        timing.repeat(lambda: None, runs=0)
    with pytest.raises(ValueError, match="must not be empty"):
        timing.summarize([])


def _across(fn: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
    return pickle.loads(pickle.dumps(fn(*args, **kwargs)))


class PicklingPool(ThreadPoolExecutor):
    """Stands in for 3.14's InterpreterPoolExecutor before 3.14.

    Like the real one, it sends every call and every result across as a pickle, so a task that
    only works by sharing objects in memory fails here too.
    """

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        call = pickle.loads(pickle.dumps((fn, args, kwargs)))
        return super().submit(_across, *call)


def test_the_interpreter_pool_kind_runs_tasks(monkeypatch: pytest.MonkeyPatch) -> None:
    if timing.InterpreterPoolExecutor is None:
        monkeypatch.setattr(timing, "InterpreterPoolExecutor", PicklingPool)
        monkeypatch.setitem(timing.EXECUTOR_KINDS, "interpreters", "interpreter pool (3.14+)")
    result = timing.run_tasks("cpu", "interpreters", workers=2, tasks=4, task_seconds=0.01)
    assert_consistent(result, tasks=4, workers=2)
    assert {r.pid for r in result.records} == {os.getpid()}  # one process, many interpreters
    assert set(result.worker_labels().values()) <= {"interpreter 1", "interpreter 2"}
    assert "interpreter pool" in result.describe() and "with 2 workers" in result.describe()
