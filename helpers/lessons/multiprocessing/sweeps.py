"""Notebook 08: when do processes pay? Three sweeps, each measured, then drawn.

* :func:`speedup_curve`: CPU-bound speedup against the number of processes;
* :func:`task_size_sweep`: tiny tasks, one per message, where the overhead wins;
* :func:`chunksize_sweep`: many tiny tasks per message, on both map APIs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Annotated

from matplotlib.figure import Figure

from ...core import machine
from ...core.domains import (
    MAX_WORKERS,
    Choice,
    Count,
    Int,
    Items,
    Number,
    Progress,
    Seconds,
    Workers,
    validated,
)
from ...core.machine import StartMethod
from ...core.timing import Measurement, TaskMs, sweep
from ...draw.plots import (
    IDEAL_STYLE,
    LIMIT_STYLE,
    MARKERS,
    colour,
    finish,
    new_figure,
    plain_log_ticks,
    plot_speedup,
)
from ...draw.style import line_width
from .child import Deadline
from .mapping import (
    MAP_APIS,
    TASK_SIZES_US,
    MapPool,
    Repeats,
    Tasks,
    TaskUs,
    best_of,
    iterations_for,
    pool_default_chunksize,
    time_serial,
)

# --- Speedup against the number of processes ------------------------------------------------------


@validated
def speedup_workers(
    cores: Annotated[int | None, Int(1, optional=True)] = None, limit: Count = 32
) -> list[int]:
    """Worker counts worth measuring: up to the usable cores, one past them, and twice them."""
    cores = machine.usable_cores() if cores is None else cores
    counts = {1, cores, cores + 1, 2 * cores}
    counts.update(2**i for i in range(1, 6) if 2**i < cores)
    return sorted(c for c in counts if c <= limit)


@validated
def speedup_curve(
    tasks: Count = 8,
    task_ms: TaskMs = 40,
    workers: Annotated[
        Sequence[int] | None, Items(Int(1, MAX_WORKERS), optional=True, what="worker count")
    ] = None,
    *,
    start_method: StartMethod = None,
    progress: Progress = None,
) -> tuple[Figure, list[Measurement]]:
    """CPU-bound speedup of a process pool at each worker count, against the ideal line.

    Pool start-up is measured separately by :mod:`helpers.core.timing` and not counted here:
    the question is how fast the work goes once the processes exist.
    """
    counts = speedup_workers() if workers is None else workers
    results = sweep(
        "cpu",
        "processes",
        counts,
        tasks,
        task_ms / 1e3,
        start_method=start_method,
        progress=progress,
    )
    cores = machine.usable_cores()
    fig = plot_speedup(
        {"process pool": results},
        title=f"{tasks} CPU-bound tasks of ~{task_ms:g} ms; {cores} usable "
        f"core{'s' if cores != 1 else ''}",
    )
    return fig, results


# --- Tiny tasks: when the overhead wins -----------------------------------------------------------

#: Serial work a task-size measurement aims for, whatever the size of its tasks.
Budget = Annotated[float, Seconds(10)]


@dataclass(frozen=True)
class TaskSizePoint:
    """Serial against a pool (chunksize 1) for ``tasks`` tasks of ``task_us`` each."""

    task_us: float
    tasks: int
    workers: int
    serial_seconds: float
    pool_seconds: float
    processes_used: int

    @property
    def speedup(self) -> float:
        return self.serial_seconds / self.pool_seconds


@validated
def tasks_for(task_us: TaskUs, budget_seconds: Budget = 0.05, most: Count = 2_000) -> int:
    """Enough tasks of ``task_us`` for about ``budget_seconds`` of serial work (8 to ``most``)."""
    return max(8, min(most, round(budget_seconds / (task_us * 1e-6))))


@validated
def task_size_sweep(
    task_sizes_us: Annotated[
        Sequence[float], Items(Number(0.1, 1_000_000, unit="microseconds"), what="task size")
    ] = TASK_SIZES_US,
    workers: Workers = 2,
    *,
    budget_seconds: Budget = 0.05,
    repeats: Repeats = 3,
    start_method: StartMethod = None,
    progress: Progress = None,
    timeout: Deadline = 60.0,
) -> list[TaskSizePoint]:
    """For each task size: serial time against ``Pool.map`` with one task per message.

    The number of tasks shrinks as they grow, so each size costs about ``budget_seconds`` of
    work. One warm pool serves every size; its start-up is not timed. Each time is the best of
    ``repeats`` runs.
    """
    iterations = [iterations_for(size) for size in task_sizes_us]
    points = []
    with MapPool("pool", workers, start_method, timeout) as pool:
        for step, (size, its) in enumerate(zip(task_sizes_us, iterations, strict=True), start=1):
            tasks = tasks_for(size, budget_seconds)
            serial = time_serial(its, tasks, repeats)
            parallel, times = best_of(repeats, partial(pool.map_spin, its, tasks, 1))
            used = len({pid for pid, _, _ in times})
            points.append(TaskSizePoint(size, tasks, workers, serial, parallel, used))
            if progress is not None:
                progress(step, len(task_sizes_us))
    return points


def plot_task_sizes(points: Sequence[TaskSizePoint]) -> Figure:
    """Speedup of a pool over serial against task size, with the break-even line at 1x."""
    if not points:
        raise ValueError("points must not be empty")
    fig, (ax,) = new_figure(width=6.5, height=3.6)
    xs = [p.task_us for p in points]
    workers = points[0].workers
    ax.plot(xs, [p.speedup for p in points], marker="o", color=colour(0), label="measured")
    ax.axhline(1.0, label="break-even: as fast as serial", **IDEAL_STYLE)
    best = min(workers, machine.usable_cores())
    ax.axhline(best, label=f"best possible here: {best}x", **LIMIT_STYLE)
    ax.set_xscale("log")
    ax.set_yscale("log")
    plain_log_ticks(ax.xaxis)
    plain_log_ticks(ax.yaxis)
    finish(
        ax,
        xlabel="work in one task (µs, log scale)",
        ylabel="speedup over serial (×, log scale)",
        title=f"Pool of {workers} processes, one task per message (chunksize=1)",
        legend="upper left",
    )
    return fig


# --- Chunksize: many tiny tasks per message -------------------------------------------------------


@dataclass(frozen=True)
class ChunkPoint:
    """Wall time of one ``map`` over the same tasks with one chunksize and one API."""

    api: str
    chunksize: int
    seconds: float


@validated
def chunksize_sweep(
    chunksizes: Annotated[Sequence[int], Items(Int(1), what="chunk size")] = (1, 4, 16, 64, 256),
    tasks: Tasks = 2_000,
    task_us: TaskUs = 20,
    workers: Workers = 2,
    *,
    repeats: Repeats = 3,
    apis: Annotated[Sequence[str], Items(Choice(MAP_APIS), what="map API")] = tuple(MAP_APIS),
    start_method: StartMethod = None,
    progress: Progress = None,
    timeout: Deadline = 60.0,
) -> tuple[list[ChunkPoint], float]:
    """Time ``map`` at each chunksize on warm pools; returns the points and the serial time.

    Each time is the best of ``repeats`` runs.
    """
    its = iterations_for(task_us)
    serial = time_serial(its, tasks, repeats)
    points = []
    total = len(chunksizes) * len(apis)
    for api in apis:
        with MapPool(api, workers, start_method, timeout) as pool:
            for chunksize in chunksizes:
                seconds, _ = best_of(repeats, partial(pool.map_spin, its, tasks, chunksize))
                points.append(ChunkPoint(api, chunksize, seconds))
                if progress is not None:
                    progress(len(points), total)
    return points, serial


@validated
def plot_chunksizes(
    points: Sequence[ChunkPoint],
    serial_seconds: Annotated[float, Number(0, above=True, unit="seconds")],
    *,
    tasks: Count,
    workers: Count,
) -> Figure:
    """Wall time against chunksize, one line per API, with the serial time for reference."""
    if not points:
        raise ValueError("points must not be empty")
    fig, (ax,) = new_figure(width=6.5, height=3.6)
    for i, api in enumerate(dict.fromkeys(p.api for p in points)):
        mine = sorted((p for p in points if p.api == api), key=lambda p: p.chunksize)
        ax.plot(
            [p.chunksize for p in mine],
            [p.seconds * 1e3 for p in mine],
            marker=MARKERS[i],
            color=colour(i),
            label=MAP_APIS[api],
        )
    ax.axhline(serial_seconds * 1e3, label="serial, in the notebook's process", **IDEAL_STYLE)
    default = pool_default_chunksize(tasks, workers)
    ax.axvline(default, color="#777777", linewidth=line_width(0.53))
    ax.annotate(
        f"Pool.map default\nchunksize={default}",
        (default, 0.97),
        xycoords=("data", "axes fraction"),
        fontsize="small",
        ha="right",
        va="top",
    )
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    plain_log_ticks(ax.yaxis)
    ticks = sorted({p.chunksize for p in points})
    ax.set_xticks(ticks, [str(c) for c in ticks])
    finish(
        ax,
        xlabel="chunksize (tasks per message, log scale)",
        ylabel="wall time (ms, log scale)",
        title=f"{tasks} tiny tasks on {workers} processes",
        legend="lower left",
    )
    return fig
