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

from . import machine
from .validate import (
    validate_callable,
    validate_choice,
    validate_instance,
    validate_items,
    validate_number,
)
from .workloads import (
    TaskRecord,
    TaskSpec,
    make_tasks,
    run_task,
    seconds_per_unit,
    validate_kind,
    validate_positive_int,
    validate_seconds,
    warm_up,
)

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

Progress = Callable[[int, int], None]
"""Called as ``progress(done, total)`` from the calling thread as tasks finish."""

_MAX_WORKERS = 256
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


def summarize(samples: Sequence[float]) -> Stats:
    """Median, min and max of a non-empty list of timings."""
    samples = validate_items(samples, "samples")
    if not samples:
        raise ValueError("samples must not be empty")
    for sample in samples:
        validate_number(sample, "samples", minimum=0, unit="seconds")
    return Stats(statistics.median(samples), min(samples), max(samples), len(samples))


def repeat(fn: Callable[[], object], runs: int = 5) -> Stats:
    """Call ``fn()`` ``runs`` times and summarise the wall times."""
    validate_callable(fn, "fn")
    validate_positive_int(runs, "runs")
    samples = []
    for _ in range(runs):
        with Timer() as timer:
            fn()
        samples.append(timer.elapsed)
    return summarize(samples)


def validate_executor(executor: object, argument: str = "executor") -> str:
    """Return ``executor`` if it is a known executor kind, else raise naming the allowed ones."""
    validate_choice(executor, argument, EXECUTOR_KINDS)
    assert isinstance(executor, str)
    return executor


def validate_workers(workers: object, argument: str = "workers") -> int:
    """Return ``workers`` if it is an int in 1..256, else raise naming the argument."""
    validate_positive_int(workers, argument)
    assert isinstance(workers, int)
    if workers > _MAX_WORKERS:
        raise ValueError(f"{argument} must be <= {_MAX_WORKERS}; got {workers}")
    return workers


def ideal_speedup(workers: int, tasks: int) -> float:
    """Best speedup of ``tasks`` equal tasks on ``workers`` perfectly parallel workers.

    The work goes in rounds of ``workers`` tasks, so 8 tasks on 3 workers take 3 rounds:
    8 / 3 = 2.67x, not 3x.
    """
    validate_positive_int(workers, "workers")
    validate_positive_int(tasks, "tasks")
    return tasks / math.ceil(tasks / workers)


def speedup_limit(kind: str, workers: int, tasks: int, cores: int | None = None) -> float:
    """The physical ceiling on speedup: CPU work is capped by the usable cores, waiting is not."""
    validate_kind(kind)
    validate_positive_int(workers, "workers")
    validate_positive_int(tasks, "tasks")
    cores = machine.usable_cores() if cores is None else validate_positive_int(cores, "cores")
    if kind == "io":
        return ideal_speedup(workers, tasks)
    return ideal_speedup(min(workers, cores), tasks)


def max_overlap(intervals: Iterable[tuple[float, float]]) -> int:
    """The largest number of intervals open at the same instant (touching ends do not overlap)."""
    pairs = validate_items(intervals, "intervals")
    for pair in pairs:
        if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
            raise TypeError(f"intervals must hold (start, end) pairs; got {pair!r}")
        for moment in pair:
            validate_number(moment, "intervals")
    events = []
    for start, end in pairs:
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
    return ProcessPoolExecutor(max_workers=workers, mp_context=machine.mp_context(start_method))


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


def stop_pool(pool: Executor) -> None:
    """Shut a pool down after an error or an interrupt without waiting for queued work.

    Worker processes are terminated, so pressing Stop in Jupyter leaves no child behind.
    Threads cannot be killed; the course's tasks are short, so waiting for them is bounded.
    """
    validate_instance(pool, "pool", Executor)
    if isinstance(pool, ProcessPoolExecutor):
        processes = list((getattr(pool, "_processes", None) or {}).values())
        terminate = getattr(pool, "terminate_workers", None)  # 3.14+
        if terminate is not None:
            terminate()
        for process in processes:
            if process.is_alive():
                process.terminate()
        pool.shutdown(wait=True, cancel_futures=True)
        for process in processes:
            process.join(timeout=5)
    else:
        pool.shutdown(wait=True, cancel_futures=True)


def _run_serial(specs: Sequence[TaskSpec], progress: Progress | None) -> list[TaskRecord]:
    records = []
    for done, spec in enumerate(specs, start=1):
        records.append(run_task(spec))
        if progress is not None:
            progress(done, len(specs))
    return records


def _run_pool(
    pool: Executor,
    specs: Sequence[TaskSpec],
    progress: Progress | None,
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


def run_specs(
    specs: Sequence[TaskSpec],
    executor: str,
    workers: int = 1,
    *,
    start_method: str | None = None,
    progress: Progress | None = None,
    timeout: float | None = None,
) -> RunResult:
    """Run prepared tasks (see :func:`helpers.workloads.make_tasks`) and record everything.

    ``timeout`` (seconds) bounds the whole run; None gives the tasks ample time (20 times
    their serial duration, at least a minute).
    """
    specs = validate_items(specs, "specs")
    for spec in specs:
        validate_instance(spec, "specs", TaskSpec)
        validate_kind(spec.kind, "specs")
    validate_executor(executor)
    validate_workers(workers)
    _validate_options(start_method, progress)
    if timeout is not None:
        validate_seconds(timeout, "timeout", maximum=_MAX_RUN_SECONDS)
    if not specs:
        raise ValueError("specs must hold at least one task")
    kinds = {spec.kind for spec in specs}
    if len(kinds) != 1:
        raise ValueError(f"specs must all be of one kind; got {sorted(kinds)}")
    kind = kinds.pop()
    task_seconds = _task_seconds(specs[0])
    if executor == "serial":
        workers = 1
    method = (start_method or machine.start_method()) if executor == "processes" else None
    budget = _default_timeout(len(specs), task_seconds) if timeout is None else timeout
    validate_seconds(budget, "timeout", maximum=_MAX_RUN_SECONDS)
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


def _validate_options(start_method: object, progress: object) -> None:
    """The keyword options every run shares: a start method (or None), a progress callback."""
    machine.validate_start_method(start_method, optional=True)
    validate_callable(progress, "progress", optional=True)


def run_tasks(
    kind: str = "cpu",
    executor: str = "threads",
    workers: int = 2,
    tasks: int = 8,
    task_seconds: float = 0.04,
    *,
    start_method: str | None = None,
    progress: Progress | None = None,
    timeout: float | None = None,
) -> RunResult:
    """Run ``tasks`` calibrated tasks of ``kind`` on ``executor`` with ``workers`` workers.

    ``kind`` is ``"cpu"``, ``"io"`` or ``"hash"``; ``executor`` is ``"serial"``, ``"threads"``
    or ``"processes"``; ``start_method`` (processes only) defaults to the course's setting
    (:func:`helpers.machine.start_method`). Nothing runs longer than ``timeout`` seconds.
    """
    validate_kind(kind)
    validate_executor(executor)
    validate_workers(workers)
    validate_positive_int(tasks, "tasks")
    validate_seconds(task_seconds, "task_seconds")
    _validate_options(start_method, progress)
    if timeout is not None:
        validate_seconds(timeout, "timeout", maximum=_MAX_RUN_SECONDS)
    specs = make_tasks(kind, tasks, task_seconds)
    return run_specs(
        specs, executor, workers, start_method=start_method, progress=progress, timeout=timeout
    )


def _chain(progress: Progress | None, offset: int, total: int) -> Progress | None:
    """Report progress of one stage as part of a larger job."""
    if progress is None:
        return None
    return lambda done, _stage_total: progress(offset + done, total)


def measure(
    kind: str = "cpu",
    executor: str = "threads",
    workers: int = 2,
    tasks: int = 8,
    task_seconds: float = 0.04,
    *,
    start_method: str | None = None,
    progress: Progress | None = None,
    baseline: RunResult | None = None,
) -> Measurement:
    """Run the tasks serially and on ``executor``; the speedup is serial wall / executor wall.

    Pass ``baseline`` (an earlier serial run of the same tasks) to skip the serial run.
    """
    validate_kind(kind)
    validate_executor(executor)
    validate_workers(workers)
    validate_positive_int(tasks, "tasks")
    validate_seconds(task_seconds, "task_seconds")
    _validate_options(start_method, progress)
    validate_instance(baseline, "baseline", RunResult, optional=True)
    specs = make_tasks(kind, tasks, task_seconds)
    total = 2 * len(specs) if baseline is None else len(specs)
    if baseline is None:
        baseline = run_specs(specs, "serial", progress=_chain(progress, 0, total))
    elif (baseline.kind, baseline.tasks) != (kind, tasks) or baseline.executor != "serial":
        raise ValueError("baseline must be a serial run of the same kind and number of tasks")
    run = run_specs(
        specs,
        executor,
        workers,
        start_method=start_method,
        progress=_chain(progress, total - len(specs), total),
    )
    return Measurement(serial=baseline, run=run)


def sweep(
    kind: str = "cpu",
    executor: str = "threads",
    workers: Iterable[int] = (1, 2, 4),
    tasks: int = 8,
    task_seconds: float = 0.04,
    *,
    start_method: str | None = None,
    progress: Progress | None = None,
) -> list[Measurement]:
    """Speedup at each worker count, all against one serial run of the same tasks."""
    counts = [validate_workers(w, "workers") for w in validate_items(workers, "workers")]
    if not counts:
        raise ValueError("workers must list at least one worker count")
    validate_kind(kind)
    validate_executor(executor)
    validate_positive_int(tasks, "tasks")
    validate_seconds(task_seconds, "task_seconds")
    _validate_options(start_method, progress)
    specs = make_tasks(kind, tasks, task_seconds)
    total = len(specs) * (len(counts) + 1)
    baseline = run_specs(specs, "serial", progress=_chain(progress, 0, total))
    results = []
    for step, count in enumerate(counts, start=1):
        run = run_specs(
            specs,
            executor,
            count,
            start_method=start_method,
            progress=_chain(progress, step * len(specs), total),
        )
        results.append(Measurement(serial=baseline, run=run))
    return results
