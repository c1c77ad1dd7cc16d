"""Notebook 08's explorer: workers, task size and chunksize of one ``map`` on a warm pool.

:func:`run_map` measures (serially, then on the pool) and returns a :class:`MapRun`;
:func:`plot_map_run` draws who ran which task when, next to the wall times;
:func:`explore_map` is both, and :func:`map_explorer` puts controls over it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Annotated, Any

from matplotlib.figure import Figure

from ...core import machine
from ...core.domains import Choice, Count, Progress, Workers, validated
from ...core.machine import StartMethod
from ...core.spans import Span, rows
from ...draw.explore import run_then_draw
from ...draw.plots import colour, finish, new_figure
from ...draw.timeline import Row, draw_rows, finish_timeline
from ...draw.widgets import Explorer, dropdown, int_slider
from .child import Deadline, TaskTime
from .mapping import (
    CHUNKSIZES,
    MAP_APIS,
    TASK_SIZES_US,
    Api,
    MapPool,
    Tasks,
    TaskUs,
    iterations_for,
    time_serial,
)


@dataclass(frozen=True)
class MapRun:
    """What the explorer measured: serial and pool wall times, and who ran which task when.

    ``spans`` holds one span per task, in task order: its colour (``index``) is its chunk's
    number, its row (``"process 1"`` …) the worker process that ran it, numbered by when each
    worker started its first task.
    """

    api: str
    workers: int
    tasks: int
    task_us: float
    chunksize: int
    start_method: str
    serial_seconds: float
    pool_seconds: float
    startup_seconds: float
    t0: float
    spans: tuple[Span, ...]

    @property
    def speedup(self) -> float:
        return self.serial_seconds / self.pool_seconds

    @property
    def busy_fraction(self) -> float:
        """Share of the workers' time spent computing; the rest is messaging and waiting."""
        busy = sum(span.duration for span in self.spans)
        return busy / (self.workers * self.pool_seconds)

    def rows(self) -> list[Row]:
        """Tasks grouped by worker process, the first to start on top."""
        return rows(sorted(self.spans, key=lambda span: span.start))


def _task_spans(times: list[TaskTime], chunksize: int) -> tuple[Span, ...]:
    """One span per ``(pid, start, end)``, coloured by chunk, in a row per process."""
    first_start: dict[int, float] = {}
    for pid, start, _ in times:
        first_start[pid] = min(start, first_start.get(pid, start))
    number = {pid: n for n, pid in enumerate(sorted(first_start, key=first_start.get), start=1)}
    return tuple(
        Span(i // chunksize, start, end, ((start, end),), row=f"process {number[pid]}")
        for i, (pid, start, end) in enumerate(times)
    )


@validated
def run_map(
    workers: Workers = 2,
    task_us: TaskUs = 1_000,
    tasks: Tasks = 200,
    chunksize: Count = 1,
    *,
    api: Api = "pool",
    start_method: StartMethod = None,
    progress: Progress = None,
    timeout: Deadline = 60.0,
) -> MapRun:
    """Run ``tasks`` tasks of ``task_us`` serially, then on a warm pool; record everything."""
    its = iterations_for(task_us)
    serial = time_serial(its, tasks)
    if progress is not None:
        progress(1, 3)
    with MapPool(api, workers, start_method, timeout) as pool:
        if progress is not None:
            progress(2, 3)
        t0 = time.perf_counter()
        times = pool.map_spin(its, tasks, chunksize)
        wall = time.perf_counter() - t0
        method, startup = pool.start_method, pool.startup_seconds
    if progress is not None:
        progress(3, 3)
    spans = _task_spans(times, chunksize)
    return MapRun(api, workers, tasks, task_us, chunksize, method, serial, wall, startup, t0, spans)


def plot_map_run(run: MapRun) -> Figure:
    """Left: who ran which task when. Right: serial, pool work and pool start-up, side by side."""
    by_worker = run.rows()
    fig, (left, right) = new_figure(ncols=2, height=1.8 + 0.35 * max(2, len(by_worker)))
    fig.set_size_inches(12.5, fig.get_size_inches()[1])
    draw_rows(left, by_worker, run.t0, legend=("computing", ""))
    finish_timeline(
        left,
        right_ms=run.pool_seconds * 1e3,
        xlabel="time since map() was called (ms)",
        ylabel="worker",
        title=f"{run.tasks} tasks of ~{run.task_us:g} µs, chunksize {run.chunksize} "
        f"(one colour per chunk); workers busy {run.busy_fraction:.0%} of the time",
    )

    labels = ["serial", f"{run.workers} processes:\nthe work", "pool start-up\n(paid once)"]
    values = [run.serial_seconds, run.pool_seconds, run.startup_seconds]
    bars = right.bar(labels, [v * 1e3 for v in values], color=[colour(0), colour(1), colour(3)])
    right.bar_label(bars, labels=[f"{v * 1e3:.1f} ms" for v in values], fontsize="small")
    right.set_ylim(0, max(values) * 1e3 * 1.2)
    finish(
        right,
        xlabel=f"{MAP_APIS[run.api]} ({run.start_method})",
        ylabel="wall time (ms)",
        title=f"speedup over serial {run.speedup:.2f}x, start-up not counted",
    )
    right.grid(False, axis="x")
    return fig


@run_then_draw(run_map)
def explore_map(run: MapRun) -> Figure:
    """The explorer's compute: :func:`run_map`, then :func:`plot_map_run`."""
    return plot_map_run(run)


@validated
def map_explorer(
    workers: Workers = 2,
    task_us: Annotated[int, Choice(TASK_SIZES_US)] = 1_000,
    tasks: Tasks = 100,
    chunksize: Annotated[int, Choice(CHUNKSIZES)] = 1,
) -> Explorer:
    """Sliders and dropdowns over :func:`explore_map`.

    ``task_us`` and ``chunksize`` must be among the values the dropdowns offer
    (:data:`TASK_SIZES_US`, :data:`CHUNKSIZES`); ``workers`` and ``tasks`` outside the
    sliders' ranges are moved to the nearest end.
    """
    cores = machine.usable_cores()
    controls = {
        "workers": int_slider("Workers", workers, 1, min(32, max(8, 2 * cores))),
        "task_us": dropdown(
            "Work per task", {str(s): f"{s:,} µs" for s in TASK_SIZES_US}, str(task_us)
        ),
        "tasks": int_slider("Tasks", tasks, 10, 2_000, step=10),
        "chunksize": dropdown("Chunksize", {str(c): str(c) for c in CHUNKSIZES}, str(chunksize)),
        "api": dropdown("API", MAP_APIS, "pool"),
        "start_method": dropdown(
            "Start method",
            {m: m for m in machine.available_start_methods()},
            machine.start_method(),
        ),
    }

    def compute(task_us: str, chunksize: str, **values: Any) -> tuple[Figure, MapRun]:
        return explore_map(task_us=int(task_us), chunksize=int(chunksize), **values)

    return Explorer(compute, controls, title="Map explorer: workers, task size, chunksize")
