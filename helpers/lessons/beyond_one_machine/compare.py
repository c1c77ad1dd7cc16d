"""A Dask cluster against a ``ProcessPoolExecutor``, on the same tasks, on this machine.

* :func:`measure_all`: per-task overhead (no-op tasks), speedup against task size (where the
  cluster starts to pay), and the cost of moving data (arguments against ``client.scatter``),
  on one cluster and one warm pool of the same size;
* :func:`explore_cluster`: the explorer's function, the same tasks on both, drawn as timelines.

Every wait is bounded. The pool gets the course's start method; Dask's workers start with
``spawn`` whatever the course uses (distributed's own choice).
"""

from __future__ import annotations

import contextlib
import os
import time
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, wait
from dataclasses import dataclass
from typing import Annotated, Any

from matplotlib.figure import Figure

from ...core import machine
from ...core.domains import Fn, Int, Items, Millis, Number, Of, Progress, Workers, validated
from ...core.lifecycle import ignore_interrupts, stop_pool
from ...core.progress import step_counter
from ...core.spans import Span
from ...core.workloads import calibrate
from ...draw.plots import (
    IDEAL_STYLE,
    LIMIT_STYLE,
    MARKERS,
    colour,
    finish,
    new_figure,
)
from ...draw.scales import plain_log_scale
from ...draw.style import line_width
from ...draw.timeline import draw_spans
from . import child
from .cluster import course_cluster, dask_status, gather

_BOUND_S = 120.0

#: Sizes of the CPU tasks in the sweep, in milliseconds.
SIZES_MS = (1.0, 10.0, 100.0)
TaskMs = Annotated[float, Millis(0.01, 2_000)]
Tasks = Annotated[int, Int(1, 10_000)]


@validated
def process_pool(workers: Workers) -> ProcessPoolExecutor:
    """A process pool of ``workers`` with the course's start method, all workers started."""
    pool = ProcessPoolExecutor(
        max_workers=workers, mp_context=machine.mp_context(), initializer=ignore_interrupts
    )
    try:
        seen: set[int] = set()
        deadline = time.monotonic() + _BOUND_S
        while len(seen) < workers and time.monotonic() < deadline:
            futures = [pool.submit(child.pid_after, 0.02) for _ in range(workers)]
            seen |= {f.result(timeout=_BOUND_S) for f in futures}
    except BaseException:
        stop_pool(pool)
        raise
    return pool


def _per_task(run: Callable[[], None], tasks: int) -> float:
    start = time.perf_counter()
    run()
    return (time.perf_counter() - start) / tasks


@validated
def pool_seconds(
    pool: Annotated[Executor, Of(Executor)],
    fn: Annotated[Callable[..., Any], Fn()],
    args: Annotated[Sequence[Any], Items(empty_ok=True)],
) -> float:
    """Wall time of one ``pool.submit(fn, arg)`` per argument, until all are done."""

    def run() -> None:
        futures = [pool.submit(fn, arg) for arg in args]
        done, not_done = wait(futures, timeout=_BOUND_S)
        if not_done:
            raise TimeoutError(f"{len(not_done)} tasks did not finish in {_BOUND_S:g} s")
        for future in done:
            future.result()

    return _per_task(run, 1)


@validated
def dask_seconds(
    client: Any,
    fn: Annotated[Callable[..., Any], Fn()],
    args: Annotated[Sequence[Any], Items(empty_ok=True)],
) -> float:
    """Wall time of one ``client.submit(fn, arg)`` per argument, until all are done."""
    from dask.distributed import wait as dask_wait

    def run() -> None:
        futures = [client.submit(fn, arg, pure=False) for arg in args]
        done = dask_wait(futures, timeout=_BOUND_S)
        for future in done.done:
            future.result()
        futures.clear()

    return _per_task(run, 1)


@dataclass(frozen=True)
class Overhead:
    """What one no-op task costs, end to end, on each executor (seconds)."""

    tasks: int
    pool_s: float
    dask_s: float

    @property
    def ratio(self) -> float:
        return self.dask_s / self.pool_s

    def __str__(self) -> str:
        return (
            f"{self.tasks} no-op tasks: process pool {self.pool_s * 1e6:,.0f} µs per task, "
            f"Dask {self.dask_s * 1e6:,.0f} µs per task ({self.ratio:.0f}x)"
        )


@dataclass(frozen=True)
class SizePoint:
    """The same CPU tasks of one size: serial, on the pool and on the cluster (seconds)."""

    task_ms: float
    tasks: int
    serial_s: float
    pool_s: float
    dask_s: float

    @property
    def pool_speedup(self) -> float:
        return self.serial_s / self.pool_s

    @property
    def dask_speedup(self) -> float:
        return self.serial_s / self.dask_s


@dataclass(frozen=True)
class DataPoint:
    """``tasks`` tasks reading one block of ``megabytes``: passed along, or scattered once."""

    megabytes: float
    tasks: int
    as_argument_s: float
    scattered_s: float  # scatter included
    warning: str  # what Dask said about the large argument ("" if nothing)


@dataclass(frozen=True)
class Measurements:
    workers: int
    cores: int
    overhead: Overhead
    sizes: tuple[SizePoint, ...]
    data: DataPoint

    def break_even_ms(self) -> float | None:
        """The smallest measured task size at which the cluster beat running serially."""
        winning = [p.task_ms for p in self.sizes if p.dask_speedup > 1.0]
        return min(winning) if winning else None


def _serial_seconds(iterations: int, tasks: int) -> float:
    sample = min(tasks, 3)
    start = time.perf_counter()
    for _ in range(sample):
        child.crunch(iterations)
    return (time.perf_counter() - start) / sample * tasks


@validated
def measure_all(
    overhead_tasks: Tasks = 500,
    sizes_ms: Annotated[Sequence[float], Items(Millis(0.01, 2_000))] = SIZES_MS,
    tasks_per_size: Annotated[int, Int(1, 1_000)] = 6,
    megabytes: Annotated[float, Number(0.001, 256, unit="MB")] = 8.0,
    data_tasks: Annotated[int, Int(1, 100)] = 8,
    *,
    progress: Progress = None,
) -> Measurements:
    """Overhead, task-size sweep and data movement, on one cluster and one warm pool."""
    workers = machine.usable_cores()
    advance = step_counter(progress, 2 + 2 * len(sizes_ms) + 2)

    with contextlib.ExitStack() as stack:
        pool = process_pool(workers)
        stack.callback(stop_pool, pool)
        _, client = stack.enter_context(course_cluster(workers))
        gather(client, client.map(child.noop, range(2 * workers), pure=False))  # warm up

        tiny = list(range(overhead_tasks))
        on_pool = pool_seconds(pool, child.noop, tiny) / overhead_tasks
        advance()
        on_dask = dask_seconds(client, child.noop, tiny) / overhead_tasks
        advance()
        overhead = Overhead(overhead_tasks, on_pool, on_dask)

        points = []
        for task_ms in sizes_ms:
            iterations = int(calibrate("cpu", task_ms / 1e3))
            args = [iterations] * tasks_per_size
            serial = _serial_seconds(iterations, tasks_per_size)
            on_pool = pool_seconds(pool, child.crunch, args)
            advance()
            on_dask = dask_seconds(client, child.crunch, args)
            advance()
            points.append(SizePoint(task_ms, tasks_per_size, serial, on_pool, on_dask))

        block = os.urandom(int(megabytes * 1e6))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            as_argument = dask_seconds(client, child.checksum, [block] * data_tasks)
        advance()
        start = time.perf_counter()
        shared = client.scatter(block, broadcast=True)  # once to every worker
        scattered_futures = [
            client.submit(child.checksum, shared, pure=False) for _ in range(data_tasks)
        ]
        answers = gather(client, scattered_futures)
        scattered = time.perf_counter() - start
        advance()
        if set(answers) != {child.checksum(block)}:
            raise RuntimeError("the scattered block arrived changed")
        said = next((str(w.message) for w in caught if "Large object" in str(w.message)), "")
        data = DataPoint(megabytes, data_tasks, as_argument, scattered, said.split("\n")[0])
    return Measurements(workers, machine.usable_cores(), overhead, tuple(points), data)


@validated
def plot_sizes(measurements: Annotated[Measurements, Of(Measurements)]) -> Figure:
    """Speedup over serial against task size, for both, with the ideal and this machine's limit."""
    fig, (ax,) = new_figure(width=6.5, height=3.6)
    sizes = [p.task_ms for p in measurements.sizes]
    for i, (label, values) in enumerate(
        {
            "process pool": [p.pool_speedup for p in measurements.sizes],
            "Dask cluster": [p.dask_speedup for p in measurements.sizes],
        }.items()
    ):
        ax.plot(sizes, values, marker=MARKERS[i], color=colour(i), label=label)
    ideal = min(measurements.workers, measurements.sizes[0].tasks)
    limit = min(ideal, measurements.cores)
    if limit < ideal:
        ax.axhline(ideal, label=f"ideal: {ideal} workers in parallel", **IDEAL_STYLE)
        ax.axhline(limit, label=f"this machine's limit ({measurements.cores} cores)", **LIMIT_STYLE)
    else:
        cores = f"{measurements.cores} core{'s' if measurements.cores != 1 else ''}"
        ax.axhline(ideal, label=f"ideal, and this machine's limit ({cores})", **IDEAL_STYLE)
    ax.axhline(1.0, color="#000000", linewidth=line_width(0.53), label="break-even (serial)")
    plain_log_scale(ax, x=True, y=True)
    finish(
        ax,
        xlabel="work in one task (ms)",
        ylabel="speedup over serial (×)",
        title=f"{measurements.sizes[0].tasks} CPU tasks on {measurements.workers} workers",
        legend="best",
    )
    return fig


# --- The explorer -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ExploreRun:
    """The same tasks on a process pool and (when Dask is here) on a cluster."""

    task_ms: float
    tasks: int
    workers: int
    pool: tuple[Span, ...]
    pool_wall_s: float
    dask: tuple[Span, ...] | None
    dask_wall_s: float | None

    def overhead_ms(self, spans: Sequence[Span], wall_s: float) -> float:
        """Per task: the time the workers spent on anything but running tasks.

        Measured, not calibrated: the workers' time (wall x workers) minus the time the tasks
        really ran, spread over the tasks.
        """
        busy = sum(span.duration for span in spans)
        return max(0.0, wall_s * self.workers - busy) / self.tasks * 1e3


def _spans(records: Sequence[tuple[int, int, float, float]]) -> tuple[Span, ...]:
    rows: dict[int, str] = {}
    spans = []
    for index, pid, start, end in sorted(records, key=lambda r: r[2]):
        row = rows.setdefault(pid, f"process {len(rows) + 1}")
        spans.append(Span(index, start, end, ((start, end),), row))
    return tuple(spans)


@validated
def explore_cluster(
    task_ms: Annotated[float, Millis(1, 500)] = 20,
    tasks: Annotated[int, Int(1, 200)] = 24,
    *,
    progress: Progress = None,
) -> tuple[Figure, ExploreRun]:
    """Run ``tasks`` CPU tasks of ``task_ms`` on a warm process pool and on a Dask cluster of
    the same size; draw who ran what, when, and the overhead per task of each."""
    workers = machine.usable_cores()
    iterations = int(calibrate("cpu", task_ms / 1e3))
    have_dask = dask_status().available
    total = 2 if have_dask else 1
    pool = process_pool(workers)
    try:
        start = time.perf_counter()
        futures = [pool.submit(child.timed_crunch, i, iterations) for i in range(tasks)]
        pool_records = [f.result(timeout=_BOUND_S) for f in futures]
        pool_wall = time.perf_counter() - start
    finally:
        stop_pool(pool)
    if progress is not None:
        progress(1, total)
    dask_records, dask_wall = None, None
    if have_dask:
        with course_cluster(workers) as (_, client):
            gather(client, client.map(child.noop, range(2 * workers), pure=False))  # warm up
            start = time.perf_counter()
            dask_futures = client.map(
                child.timed_crunch, range(tasks), [iterations] * tasks, pure=False
            )
            dask_records = gather(client, dask_futures)
            dask_wall = time.perf_counter() - start
        if progress is not None:
            progress(2, total)
    run = ExploreRun(
        task_ms,
        tasks,
        workers,
        _spans(pool_records),
        pool_wall,
        None if dask_records is None else _spans(dask_records),
        dask_wall,
    )
    fig, axes = new_figure(nrows=2, width=9.0, height=1.3 + 0.35 * workers)
    panels = [("ProcessPoolExecutor", run.pool, pool_wall)]
    if run.dask is not None and dask_wall is not None:
        panels.append(("Dask LocalCluster", run.dask, dask_wall))
    longest = max(wall for _, _, wall in panels) * 1e3
    for ax, (name, spans, wall) in zip(axes, panels, strict=False):
        draw_spans(ax, spans, min(s.start for s in spans), legend=("running the task", ""))
        ax.set_xlim(0, longest * 1.02)
        finish(
            ax,
            xlabel="time since the first task started (ms)",
            ylabel="",
            title=f"{name}: {wall * 1e3:,.0f} ms; workers idle about "
            f"{run.overhead_ms(spans, wall):.2f} ms per task",
        )
    if run.dask is None:
        axes[1].set_axis_off()
        axes[1].text(0.5, 0.5, str(dask_status()), ha="center", va="center", wrap=True)
    fig.suptitle(f"{tasks} tasks of ~{task_ms:g} ms on {workers} workers", fontsize="large")
    return fig, run
