"""Run tasks on an executor, time them, and keep a record of who ran what, when.

One timing API for the whole course:

* :class:`Timer` and :func:`repeat` for timing a piece of code,
* :func:`run_tasks` for N tasks on ``serial``, ``threads`` or ``processes`` with W workers,
* :func:`measure` and :func:`sweep` for speedup over the serial run.

Pool start-up is timed separately from the work (``RunResult.startup_seconds``): it is real
cost, but it is a different question from "how fast does the work go", and notebook 08 studies
it on its own.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import (
    Executor,
    Future,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
    as_completed,
)
from concurrent.futures import TimeoutError as FuturesTimeout
from dataclasses import dataclass
from typing import Annotated

from . import machine
from .domains import (
    MAX_WORKERS,
    Choice,
    Count,
    Fn,
    Int,
    Items,
    Millis,
    Number,
    Of,
    Progress,
    Seconds,
    Where,
    Workers,
    validated,
)
from .lifecycle import ignore_interrupts, stop_pool
from .machine import StartMethod
from .workloads import Kind, TaskRecord, TaskSpec, make_tasks, run_task, seconds_per_unit, warm_up

try:  # Python 3.14+: subinterpreters, each with its own GIL, in one process (PEP 734)
    from concurrent.futures import InterpreterPoolExecutor  # type: ignore[attr-defined]
except ImportError:
    InterpreterPoolExecutor = None

#: Executor kinds, with the words the widgets and plots use for them.
EXECUTOR_KINDS: dict[str, str] = {
    "serial": "serial (one thread)",
    "threads": "thread pool",
    "processes": "process pool",
}
if InterpreterPoolExecutor is not None:
    EXECUTOR_KINDS["interpreters"] = "interpreter pool (3.14+)"

#: ``progress(done, total)``, called from the calling thread as tasks finish.
ProgressFn = Callable[[int, int], None]
#: One of :data:`EXECUTOR_KINDS`.
ExecutorKind = Annotated[str, Choice(EXECUTOR_KINDS)]
#: How long one calibrated task should take.
TaskSeconds = Annotated[float, Seconds(60)]
#: How long one task should take, as explorers and lessons say it: 1 ms to 5 s.
TaskMs = Annotated[float, Millis(1, 5_000)]
#: A bound on a whole batch of tasks; None gives them ample time.
RunTimeout = Annotated[float | None, Seconds(24 * 3600, optional=True)]

_MAX_RUN_SECONDS = 24 * 3600  # the longest timeout a batch of tasks may be given
_WARM_UP_SECONDS = {"threads": 0.005, "interpreters": 0.005, "processes": 0.02}


class Timer:
    """Time a block: ``with Timer() as t: ...`` then read ``t.elapsed`` (seconds)."""

    def __init__(self) -> None:
        self.start = 0.0
        self.elapsed = 0.0

    def __enter__(self) -> Timer:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.elapsed = time.perf_counter() - self.start


@dataclass(frozen=True)
class Stats:
    """Summary of repeated timings, in seconds."""

    median: float
    minimum: float
    maximum: float
    runs: int

    def __str__(self) -> str:
        return (
            f"median {self.median * 1e3:.2f} ms "
            f"(min {self.minimum * 1e3:.2f}, max {self.maximum * 1e3:.2f}, {self.runs} runs)"
        )


@validated
def summarize(
    samples: Annotated[Sequence[float], Items(Number(0, unit="seconds"))],
) -> Stats:
    """Median, min and max of a non-empty list of timings."""
    return Stats(statistics.median(samples), min(samples), max(samples), len(samples))


@validated
def repeat(fn: Annotated[Callable[[], object], Fn()], runs: Count = 5) -> Stats:
    """Call ``fn()`` ``runs`` times and summarise the wall times."""
    samples = []
    for _ in range(runs):
        with Timer() as timer:
            fn()
        samples.append(timer.elapsed)
    return summarize(samples)


@validated
def ideal_speedup(workers: Count, tasks: Count) -> float:
    """Best speedup of ``tasks`` equal tasks on ``workers`` perfectly parallel workers.

    The work goes in rounds of ``workers`` tasks, so 8 tasks on 3 workers take 3 rounds:
    8 / 3 = 2.67x, not 3x.
    """
    return tasks / math.ceil(tasks / workers)


@validated
def speedup_limit(
    kind: Kind,
    workers: Count,
    tasks: Count,
    cores: Annotated[int | None, Int(1, optional=True)] = None,
) -> float:
    """The physical ceiling on speedup: CPU work is capped by the usable cores, waiting is not."""
    cores = machine.usable_cores() if cores is None else cores
    if kind == "io":
        return ideal_speedup(workers, tasks)
    return ideal_speedup(min(workers, cores), tasks)


def _pair(value: object, argument: str) -> tuple[float, float]:
    if not (isinstance(value, (tuple, list)) and len(value) == 2):
        raise TypeError(f"{argument} must hold (start, end) pairs; got {value!r}")
    start, end = (Number().check(moment, argument) for moment in value)
    return start, end


#: (start, end) pairs of times.
Intervals = Annotated[
    Iterable[tuple[float, float]],
    Items(
        Where(_pair, (0.0, 1.0), (None, "ab", (1,), (1, 2, 3), (0, "x"), (math.nan, 1))),
        empty_ok=True,
    ),
]


@validated
def max_overlap(intervals: Intervals) -> int:
    """The largest number of intervals open at the same instant (touching ends do not overlap)."""
    events = []
    for start, end in intervals:
        events.append((start, 1))
        events.append((end, -1))
    events.sort(key=lambda event: (event[0], event[1]))  # an end sorts before a start at a tie
    current = peak = 0
    for _, change in events:
        current += change
        peak = max(peak, current)
    return peak


@dataclass(frozen=True)
class RunResult:
    """One batch of tasks run on one executor."""

    kind: str
    executor: str
    workers: int
    start_method: str | None
    task_seconds: float
    t0: float
    wall: float
    startup_seconds: float
    records: tuple[TaskRecord, ...]
    cores: int

    @property
    def tasks(self) -> int:
        return len(self.records)

    def worker_labels(self) -> dict[tuple[int, int], str]:
        """Friendly names ("thread 1", "process 2"), numbered by when each worker first started."""
        noun = {
            "serial": "main thread",
            "threads": "thread",
            "processes": "process",
            "interpreters": "interpreter",
        }[self.executor]
        labels: dict[tuple[int, int], str] = {}
        for record in sorted(self.records, key=lambda r: r.start):
            if record.worker_key not in labels:
                number = len(labels) + 1
                labels[record.worker_key] = (
                    noun if self.executor == "serial" else f"{noun} {number}"
                )
        return labels

    def concurrency(self) -> int:
        """How many tasks were in progress at once, at most."""
        return max_overlap((r.start, r.end) for r in self.records)

    def describe(self) -> str:
        where = EXECUTOR_KINDS[self.executor]
        if self.executor != "serial":
            where += f" with {self.workers} worker{'s' if self.workers != 1 else ''}"
        if self.start_method:
            where += f" ({self.start_method})"
        return f"{self.tasks} x {self.kind} tasks of ~{self.task_seconds * 1e3:.0f} ms on {where}"


@dataclass(frozen=True)
class Measurement:
    """A run next to the serial run of the same tasks: the speedup is their ratio."""

    serial: RunResult
    run: RunResult

    @property
    def speedup(self) -> float:
        return self.serial.wall / self.run.wall

    @property
    def ideal(self) -> float:
        """Speedup if every worker ran in parallel (the ``y = workers`` line, rounded by tasks)."""
        return ideal_speedup(self.run.workers, self.run.tasks)

    @property
    def limit(self) -> float:
        """Speedup this machine can physically deliver for this kind of work."""
        return speedup_limit(self.run.kind, self.run.workers, self.run.tasks, self.run.cores)


def _default_timeout(tasks: int, task_seconds: float) -> float:
    return max(60.0, 20 * tasks * task_seconds)


def _make_pool(executor: str, workers: int, start_method: str | None) -> Executor:
    if executor == "threads":
        return ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lab-worker")
    if executor == "interpreters":
        return InterpreterPoolExecutor(max_workers=workers)
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=machine.mp_context(start_method),
        initializer=ignore_interrupts,  # Stop interrupts this process, which ends the pool
    )


def _warm_up(pool: Executor, executor: str, workers: int, deadline: float) -> None:
    """Make the pool start all its workers before the clock starts for the real work."""
    seen: set[int] = set()
    pause = _WARM_UP_SECONDS[executor]
    while True:
        futures = [pool.submit(warm_up, pause) for _ in range(workers)]
        for future in futures:
            seen.add(future.result(timeout=max(0.1, deadline - time.perf_counter())))
        # Workers in one process share its pid; such a pool is warm after one round.
        if executor != "processes" or len(seen) >= workers or time.perf_counter() > deadline:
            return


def _run_serial(specs: Sequence[TaskSpec], progress: ProgressFn | None) -> list[TaskRecord]:
    records = []
    for done, spec in enumerate(specs, start=1):
        records.append(run_task(spec))
        if progress is not None:
            progress(done, len(specs))
    return records


def _run_pool(
    pool: Executor,
    specs: Sequence[TaskSpec],
    progress: ProgressFn | None,
    deadline: float,
) -> list[TaskRecord]:
    futures: list[Future[TaskRecord]] = [pool.submit(run_task, spec) for spec in specs]
    records = []
    for done, future in enumerate(
        as_completed(futures, timeout=max(0.1, deadline - time.perf_counter())), start=1
    ):
        records.append(future.result())
        if progress is not None:
            progress(done, len(specs))
    return records


@validated
def run_specs(
    specs: Annotated[Sequence[TaskSpec], Items(Of(TaskSpec), what="task")],
    executor: ExecutorKind,
    workers: Workers = 1,
    *,
    start_method: StartMethod = None,
    progress: Progress = None,
    timeout: RunTimeout = None,
) -> RunResult:
    """Run prepared tasks (see :func:`helpers.workloads.make_tasks`) and record everything.

    ``timeout`` (seconds) bounds the whole run; None gives the tasks ample time (20 times
    their serial duration, at least a minute).
    """
    kinds = {spec.kind for spec in specs}
    if len(kinds) != 1:
        raise ValueError(f"specs must all be of one kind; got {sorted(kinds)}")
    kind = kinds.pop()
    task_seconds = _task_seconds(specs[0])
    if executor == "serial":
        workers = 1
    method = (start_method or machine.start_method()) if executor == "processes" else None
    budget = min(
        _default_timeout(len(specs), task_seconds) if timeout is None else timeout, _MAX_RUN_SECONDS
    )
    deadline = time.perf_counter() + budget

    startup = 0.0
    if executor == "serial":
        t0 = time.perf_counter()
        records = _run_serial(specs, progress)
        wall = time.perf_counter() - t0
    else:
        with Timer() as start_timer:
            pool = _make_pool(executor, workers, method)
        try:
            with Timer() as warm_timer:
                _warm_up(pool, executor, workers, deadline)
            startup = start_timer.elapsed + warm_timer.elapsed
            t0 = time.perf_counter()
            records = _run_pool(pool, specs, progress, deadline)
            wall = time.perf_counter() - t0
        except FuturesTimeout:
            stop_pool(pool)
            raise TimeoutError(
                f"{executor} did not finish {len(specs)} tasks within {budget:g} s; stopped it"
            ) from None
        except BaseException:
            stop_pool(pool)
            raise
        pool.shutdown(wait=True)
    return RunResult(
        kind=kind,
        executor=executor,
        workers=workers,
        start_method=method,
        task_seconds=task_seconds,
        t0=t0,
        wall=wall,
        startup_seconds=startup,
        records=tuple(sorted(records, key=lambda r: r.index)),
        cores=machine.usable_cores(),
    )


def _task_seconds(spec: TaskSpec) -> float:
    return spec.amount * seconds_per_unit(spec.kind)


@validated
def run_tasks(
    kind: Kind = "cpu",
    executor: ExecutorKind = "threads",
    workers: Workers = 2,
    tasks: Count = 8,
    task_seconds: TaskSeconds = 0.04,
    *,
    start_method: StartMethod = None,
    progress: Progress = None,
    timeout: RunTimeout = None,
) -> RunResult:
    """Run ``tasks`` calibrated tasks of ``kind`` on ``executor`` with ``workers`` workers.

    ``kind`` is ``"cpu"``, ``"io"`` or ``"hash"``; ``executor`` is ``"serial"``, ``"threads"``
    or ``"processes"``; ``start_method`` (processes only) defaults to the course's setting
    (:func:`helpers.machine.start_method`). Nothing runs longer than ``timeout`` seconds.
    """
    specs = make_tasks(kind, tasks, task_seconds)
    return run_specs(
        specs, executor, workers, start_method=start_method, progress=progress, timeout=timeout
    )


@validated
def chain_progress(
    progress: Progress, offset: Annotated[int, Int(0)], total: Count
) -> ProgressFn | None:
    """Report progress of one stage as part of a larger job: ``done`` of the stage becomes
    ``offset + done`` of ``total``. For the course's own runners (private arguments)."""
    if progress is None:
        return None
    return lambda done, _stage_total: progress(offset + done, total)


@validated
def measure(
    kind: Kind = "cpu",
    executor: ExecutorKind = "threads",
    workers: Workers = 2,
    tasks: Count = 8,
    task_seconds: TaskSeconds = 0.04,
    *,
    start_method: StartMethod = None,
    progress: Progress = None,
    baseline: Annotated[RunResult | None, Of(RunResult, optional=True)] = None,
) -> Measurement:
    """Run the tasks serially and on ``executor``; the speedup is serial wall / executor wall.

    Pass ``baseline`` (an earlier serial run of the same tasks) to skip the serial run.
    """
    specs = make_tasks(kind, tasks, task_seconds)
    total = 2 * len(specs) if baseline is None else len(specs)
    if baseline is None:
        baseline = run_specs(specs, "serial", progress=chain_progress(progress, 0, total))
    elif (baseline.kind, baseline.tasks) != (kind, tasks) or baseline.executor != "serial":
        raise ValueError("baseline must be a serial run of the same kind and number of tasks")
    run = run_specs(
        specs,
        executor,
        workers,
        start_method=start_method,
        progress=chain_progress(progress, total - len(specs), total),
    )
    return Measurement(serial=baseline, run=run)


@validated
def sweep(
    kind: Kind = "cpu",
    executor: ExecutorKind = "threads",
    workers: Annotated[Iterable[int], Items(Int(1, MAX_WORKERS), what="worker count")] = (1, 2, 4),
    tasks: Count = 8,
    task_seconds: TaskSeconds = 0.04,
    *,
    start_method: StartMethod = None,
    progress: Progress = None,
) -> list[Measurement]:
    """Speedup at each worker count, all against one serial run of the same tasks."""
    counts = list(workers)
    specs = make_tasks(kind, tasks, task_seconds)
    total = len(specs) * (len(counts) + 1)
    baseline = run_specs(specs, "serial", progress=chain_progress(progress, 0, total))
    results = []
    for step, count in enumerate(counts, start=1):
        run = run_specs(
            specs,
            executor,
            count,
            start_method=start_method,
            progress=chain_progress(progress, step * len(specs), total),
        )
        results.append(Measurement(serial=baseline, run=run))
    return results
