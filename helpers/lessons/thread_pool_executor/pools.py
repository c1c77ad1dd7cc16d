"""Thread pools in practice: the demos and explorer functions of notebook 07.

* :func:`explore_io_pool`: I/O-bound tasks on thread pools of growing size; throughput against
  workers, next to Little's law, and the timeline of one run.
* :func:`cpu_preview`: CPU-bound work on a thread pool and on a process pool (notebook 08's
  question, previewed). Everything the process pool runs comes from
  :mod:`helpers.core.workloads`.
* :func:`default_workers`: how ``ThreadPoolExecutor`` sizes itself when you do not say.
* :func:`wait_for_idle_worker` and :func:`per_task_overhead`: small probes used to look inside.
"""

from __future__ import annotations

import math
import os
import platform
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Annotated

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ...core import machine
from ...core.domains import Count, Fn, Int, Millis, Progress, Timeout, Workers, validated
from ...core.lifecycle import wait_until
from ...core.machine import StartMethod
from ...core.timing import Measurement, RunResult, TaskMs, chain_progress, run_specs
from ...core.workloads import make_tasks
from ...draw.explore import compare_executors, run_then_draw
from ...draw.plots import IDEAL_STYLE, LIMIT_STYLE, MARKERS, colour, finish, mark_point, new_figure
from ...draw.style import line_width
from ...draw.timeline import plot_timeline
from ...teaching.executor import default_max_workers

#: Largest pool the I/O explorer sweeps to, and most tasks it accepts.
MAX_SWEEP_WORKERS = 64
MAX_IO_TASKS = 128
_MAX_LATENCY_MS = 1_000

#: How long one simulated request of the I/O explorer waits.
LatencyMs = Annotated[float, Millis(1, _MAX_LATENCY_MS)]
#: Requests in one batch of the I/O explorer.
IoTasks = Annotated[int, Int(1, MAX_IO_TASKS)]
#: Threads in one pool of the I/O sweep.
SweepWorkers = Annotated[int, Int(1, MAX_SWEEP_WORKERS)]


# --- How many workers by default --------------------------------------------------------------


@dataclass(frozen=True)
class DefaultWorkers:
    """The numbers behind ``ThreadPoolExecutor(max_workers=None)`` on this machine."""

    python: str
    cpu_count: int
    process_cpu_count: int | None  # 3.13+ only
    default: int
    syllabus_rule: int  # cpu_count * 5: the rule of Python 3.5-3.7, which the syllabus quotes

    @property
    def counter(self) -> str:
        """The function the running version counts CPUs with."""
        return "os.cpu_count" if self.process_cpu_count is None else "os.process_cpu_count"

    @property
    def cpus(self) -> int:
        return self.cpu_count if self.process_cpu_count is None else self.process_cpu_count

    def __str__(self) -> str:
        return "\n".join(
            [
                f"Python {self.python}: default max_workers = min(32, {self.counter}() + 4) "
                f"= min(32, {self.cpus} + 4) = {self.default}",
                f"The syllabus's cpu_count * 5 (Python 3.5-3.7 only) would give "
                f"{self.syllabus_rule}.",
            ]
        )


def default_workers() -> DefaultWorkers:
    """What ``max_workers=None`` means for the running interpreter on this machine."""
    process_count = getattr(os, "process_cpu_count", None)
    return DefaultWorkers(
        python=platform.python_version(),
        cpu_count=os.cpu_count() or 1,
        process_cpu_count=(process_count() or 1) if process_count is not None else None,
        default=default_max_workers(),
        syllabus_rule=(os.cpu_count() or 1) * 5,
    )


# --- I/O-bound work: throughput against workers, and Little's law ----------------------------


@dataclass(frozen=True)
class IoPoint:
    """One run of the sweep: ``tasks`` waits of ``latency`` on a pool of ``workers`` threads."""

    workers: int
    run: RunResult

    @property
    def throughput(self) -> float:
        """Tasks completed per second of wall time."""
        return self.run.tasks / self.run.wall

    @property
    def latency(self) -> float:
        """Mean time one task took, in seconds (what a caller waits for one reply)."""
        return sum(r.duration for r in self.run.records) / self.run.tasks

    @property
    def in_flight(self) -> float:
        """Tasks in progress at once, on average over the run (Little's law's L)."""
        return sum(r.duration for r in self.run.records) / self.run.wall


@dataclass(frozen=True)
class IoSweep:
    """The whole sweep, plus the pool size whose timeline is drawn."""

    latency_s: float
    tasks: int
    chosen: int
    points: tuple[IoPoint, ...]

    @property
    def knee(self) -> int:
        """Workers at which every task can be in flight at once: more add nothing."""
        return self.tasks

    def point(self, workers: int) -> IoPoint:
        for point in self.points:
            if point.workers == workers:
                return point
        raise KeyError(f"no run with {workers} workers; ran {[p.workers for p in self.points]}")

    def bound(self, workers: int) -> float:
        """Little's law with every worker busy: throughput = min(workers, tasks) / latency."""
        return min(workers, self.tasks) / self.latency_s

    def expected(self, workers: int) -> float:
        """The bound, counting whole rounds: 16 tasks on 5 workers still need 4 rounds."""
        return self.tasks / (math.ceil(self.tasks / workers) * self.latency_s)

    def table(self) -> str:
        """Little's law, checked on every run: throughput = in flight / latency."""
        lines = [
            f"{'workers':>7} {'throughput':>12} {'in flight L':>12} {'latency W':>10} "
            f"{'L / W':>9} {'bound':>9}",
        ]
        for p in self.points:
            lines.append(
                f"{p.workers:>7} {p.throughput:>8.1f} t/s {p.in_flight:>12.2f} "
                f"{p.latency * 1e3:>7.1f} ms {p.in_flight / p.latency:>5.1f} t/s "
                f"{self.bound(p.workers):>5.1f} t/s"
            )
        return "\n".join(lines)


@validated
def worker_counts(tasks: Count, workers: Workers) -> list[int]:
    """The pool sizes to sweep: powers of two up to twice the tasks, plus ``tasks`` and
    ``workers`` themselves, so the knee and the chosen pool are always measured."""
    top = min(MAX_SWEEP_WORKERS, max(2 * tasks, workers))
    counts = {1, workers, min(tasks, top), top}
    power = 2
    while power < top:
        counts.add(power)
        power *= 2
    return sorted(counts)


@validated
def io_sweep(
    latency_ms: LatencyMs = 20,
    tasks: IoTasks = 16,
    workers: SweepWorkers = 4,
    *,
    progress: Progress = None,
) -> IoSweep:
    """Run ``tasks`` waits of ``latency_ms`` on thread pools of every size in
    :func:`worker_counts`. Each pool's threads are started before its clock starts."""
    seconds = latency_ms / 1e3
    specs = make_tasks("io", tasks, seconds)
    counts = worker_counts(tasks, workers)
    total = len(counts) * tasks
    points = []
    for step, count in enumerate(counts):
        stage = chain_progress(progress, step * tasks, total)
        points.append(IoPoint(count, run_specs(specs, "threads", count, progress=stage)))
    return IoSweep(seconds, tasks, workers, tuple(points))


def plot_io_sweep(sweep: IoSweep) -> Figure:
    """Throughput against workers (left) and the timeline of the chosen pool (right)."""
    chosen = sweep.point(sweep.chosen)
    fig, (left, right) = new_figure(ncols=2, height=1.8 + 0.32 * min(chosen.workers, 16))
    fig.set_size_inches(12.5, max(3.6, fig.get_size_inches()[1]))

    top = max(p.workers for p in sweep.points)
    grid = list(range(1, top + 1))
    left.plot(
        grid,
        [sweep.bound(w) for w in grid],
        label="Little's law: min(workers, tasks) / latency",
        **IDEAL_STYLE,
    )
    left.plot(
        grid,
        [sweep.expected(w) for w in grid],
        label="the same, in whole rounds of tasks",
        color="#999999",
        linewidth=line_width(0.67),
    )
    left.axvline(sweep.knee, label=f"knee: workers = tasks ({sweep.knee})", **LIMIT_STYLE)
    left.plot(
        [p.workers for p in sweep.points],
        [p.throughput for p in sweep.points],
        marker=MARKERS[0],
        color=colour(0),
        linestyle="none",
        label="measured",
    )
    mark_point(left, chosen.workers, chosen.throughput, label="timeline on the right")
    ticks = [p.workers for p in sweep.points]
    left.set_xticks(ticks, [str(t) if t * 16 >= top or t == 1 else "" for t in ticks])
    left.set_xlim(0, top + 1)
    finish(
        left,
        xlabel="workers (threads in the pool)",
        ylabel="throughput (tasks per second)",
        title=f"{sweep.tasks} I/O-bound tasks of {sweep.latency_s * 1e3:g} ms each",
        legend="lower right",
        y_from_zero=True,
    )
    plot_timeline(
        chosen.run,
        ax=right,
        title=(
            f"{chosen.workers} worker{'s' if chosen.workers != 1 else ''}: "
            f"{chosen.run.wall * 1e3:.0f} ms, {chosen.throughput:.0f} tasks/s, "
            f"{chosen.in_flight:.1f} tasks in flight on average"
        ),
    )
    _thin_row_labels(right, most=16)
    fig.suptitle(
        "Throughput grows with workers until every task has a worker of its own",
        fontsize="large",
    )
    return fig


def _thin_row_labels(ax: Axes, most: int) -> None:
    """Label at most ``most`` rows of a timeline, so 64 workers stay readable."""
    ticks, labels = list(ax.get_yticks()), [t.get_text() for t in ax.get_yticklabels()]
    if len(ticks) > most:
        step = math.ceil(len(ticks) / most)
        ax.set_yticks(ticks[::step], labels[::step])


@run_then_draw(io_sweep)
def explore_io_pool(sweep: IoSweep) -> Figure:
    """The I/O explorer: :func:`io_sweep` over pool sizes, then :func:`plot_io_sweep`
    (throughput next to Little's law, and the timeline of the pool with ``workers`` threads)."""
    return plot_io_sweep(sweep)


# --- CPU-bound work: thread pool vs process pool (notebook 08 in one picture) ----------------


@validated
def cpu_preview(
    workers: Workers = 2,
    tasks: Count = 4,
    task_ms: TaskMs = 50,
    *,
    start_method: StartMethod = None,
    progress: Progress = None,
) -> tuple[Figure, list[Measurement]]:
    """The same pure-Python tasks on a thread pool and on a process pool, as timelines."""
    return compare_executors(
        workers,
        tasks,
        task_ms,
        kinds=("cpu",),
        executors=("threads", "processes"),
        start_method=start_method,
        progress=progress,
    )


@validated
def describe_cpu_preview(
    measurements: list[Measurement], cores: Annotated[int | None, Int(1, optional=True)] = None
) -> str:
    """What the preview shows, in words that fit this machine and this Python build."""
    by_executor = {m.run.executor: m for m in measurements}
    threads, processes = by_executor["threads"], by_executor["processes"]
    cores = machine.usable_cores() if cores is None else cores
    workers = processes.run.workers
    said = [
        f"Thread pool: {threads.speedup:.2f}x over serial. "
        f"Process pool: {processes.speedup:.2f}x (this machine's limit "
        f"{processes.limit:.2f}x with {cores} usable core{'s' if cores != 1 else ''})."
    ]
    if machine.gil_enabled():
        said.append(
            "The GIL lets one thread run Python at a time, so the thread pool stays near 1x "
            "however many workers it has."
        )
    else:
        said.append("The GIL is off on this build: threads can run Python in parallel too.")
    if cores == 1:
        said.append(
            "With one usable core, the processes take turns as well: they cannot beat the "
            "threads here, they only add start-up cost."
        )
    elif workers > 1:
        said.append(
            f"Each process has its own interpreter and GIL, so up to {min(workers, cores)} "
            "tasks run at once. Notebook 08 explains what processes cost."
        )
    return " ".join(said)


# --- Probes for looking inside a pool ---------------------------------------------------------


@validated
def wait_for_idle_worker(pool: Executor, timeout: Timeout = 2.0) -> bool:
    """Wait until a worker of ``pool`` has announced that it is idle (bounded).

    A finished future does not mean its worker is idle yet: the worker marks itself idle just
    after. Both the standard and the teaching executor count idle workers in
    ``_idle_semaphore``; this peeks at its counter (an implementation detail, for teaching).
    ``timeout=0`` does not wait: it only looks.
    """
    if getattr(pool, "_idle_semaphore", None) is None:
        raise TypeError(f"pool must be a thread pool (standard or teaching); got {pool!r}")
    semaphore = pool._idle_semaphore  # type: ignore[attr-defined]
    return wait_until(lambda: semaphore._value > 0, timeout)


def _noop() -> None:
    return None


@validated
def per_task_overhead(
    executor: Annotated[Callable[..., Executor], Fn()],
    tasks: Count = 2_000,
    workers: Workers = 2,
    repeats: Count = 3,
) -> float:
    """Seconds per task to submit and complete ``tasks`` no-op tasks (best of ``repeats``).

    Pure pool overhead: creating the future and the work item, queueing, waking a worker,
    setting the result. Shown, never asserted: the machine is shared and timings are noisy.
    """
    best = math.inf
    with executor(max_workers=workers) as pool:
        for future in [pool.submit(_noop) for _ in range(workers)]:
            future.result(timeout=10)  # start the threads before timing
        for _ in range(repeats):
            start = time.perf_counter()
            futures = [pool.submit(_noop) for _ in range(tasks)]
            for future in futures:
                future.result(timeout=60)
            best = min(best, time.perf_counter() - start)
    return best / tasks
