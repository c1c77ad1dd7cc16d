"""Demos for notebook 01 (the GIL): who holds the interpreter when, the switch interval, and C
code that releases the GIL.

Everything measures the machine it runs on. Functions return a matplotlib ``Figure`` together
with the data behind it, so a notebook can assert facts (counts, orders) and print numbers
without ever asserting a timing.
"""

from __future__ import annotations

import importlib.util
import platform
import statistics
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import pairwise

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter

from ...core import machine
from ...core.timing import EXECUTOR_KINDS, Measurement, Progress, RunResult, measure, run_tasks
from ...core.validate import (
    validate_callable,
    validate_instance,
    validate_int,
    validate_ms,
    validate_positive_int,
    validate_seconds,
)
from ...core.workloads import WORKLOAD_KINDS, Interval, spin
from ...draw.plots import IDEAL_STYLE, PALETTE, finish, new_figure, plot_speedup
from ...draw.timeline import draw_rows, rows_of

#: Switch intervals (ms) the demo accepts: below 1 ms the timeline cannot see the pauses (gaps
#: shorter than ``workloads.PAUSE_THRESHOLD_S`` are not recorded); above 100 ms it gets slow.
SWITCH_MS_RANGE = (1, 100)
_MAX_THREADS = 8
_LEGENDS = {
    "cpu": ("running Python\n(holds the GIL)", "started, waiting\nfor the GIL"),
    "io": ("", "waiting on I/O\n(GIL released)"),
    "hash": ("hashing in C\n(GIL released)", ""),
}
_MAX_WORKERS = 16


def _validate_task_ms(task_ms: object, argument: str = "task_ms") -> float:
    return validate_ms(task_ms, argument, 1, 2_000)


def _validate_switch_ms(values: object) -> tuple[float, ...]:
    low, high = SWITCH_MS_RANGE
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or not values:
        raise TypeError(f"intervals_ms must be a non-empty list of milliseconds; got {values!r}")
    for value in values:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"intervals_ms must hold numbers of milliseconds; got {value!r}")
        if not low <= value <= high:
            raise ValueError(
                f"each of intervals_ms must be between {low} and {high} ms; got {value!r}"
            )
    return tuple(float(v) for v in values)


def _mosaic(layout: list[list[str]], width: float, height: float) -> tuple[Figure, dict[str, Axes]]:
    """A constrained-layout figure with named axes, closed for pyplot so it shows only once."""
    fig = plt.figure(figsize=(width, height), layout="constrained")
    plt.close(fig)
    return fig, fig.subplot_mosaic(layout)


# --- the switch interval ---------------------------------------------------------------------


@contextmanager
def switch_interval(seconds: float) -> Iterator[float]:
    """Set ``sys.setswitchinterval(seconds)`` for the block; always restore the old value.

    The setting is process-wide (every thread, the Jupyter kernel's own included), so a demo
    must never leave it changed. Yields the previous value.
    """
    validate_seconds(seconds, "seconds", maximum=1.0)
    previous = sys.getswitchinterval()
    sys.setswitchinterval(seconds)
    try:
        yield previous
    finally:
        sys.setswitchinterval(previous)


# --- who holds the interpreter, when ---------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    """A bar for :func:`helpers.timeline.draw_rows`: faded from start to end, solid where running.

    ``index`` picks the colour; here it is the worker's number, so each thread keeps its colour.
    """

    index: int
    start: float
    end: float
    running: tuple[Interval, ...] = ()

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class Turn:
    """A stretch of time in which one worker ran Python without a pause (it held the GIL)."""

    worker: int  # 0 for the first worker to start a task, 1 for the next, ...
    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start


def _worker_numbers(result: RunResult) -> dict[tuple[int, int], int]:
    return {key: n for n, key in enumerate(result.worker_labels())}


def turns_of(result: RunResult) -> list[Turn]:
    """All running intervals of a run, in time order, merged per worker into turns.

    Two consecutive intervals of the same worker (for example the end of one task and the start
    of its next) form one turn: nobody else ran in between.
    """
    numbers = _worker_numbers(result)
    pieces = sorted(
        (start, end, numbers[record.worker_key])
        for record in result.records
        for start, end in record.running
    )
    turns: list[Turn] = []
    for start, end, worker in pieces:
        if turns and turns[-1].worker == worker:
            turns[-1] = Turn(worker, turns[-1].start, max(end, turns[-1].end))
        else:
            turns.append(Turn(worker, start, end))
    return turns


def handoffs(turns: Sequence[Turn]) -> int:
    """How many times the interpreter passed from one worker to another."""
    return sum(1 for a, b in pairwise(turns) if a.worker != b.worker)


def plot_turns(result: RunResult, *, ax: Axes | None = None, title: str | None = None) -> Figure:
    """A timeline with one row per worker, coloured by worker.

    For CPU-bound work an extra top row, *GIL held by*, shows in each worker's colour who was
    running Python at each moment: on a build with the GIL it is never two at once.
    """
    validate_instance(result, "result", RunResult)
    validate_instance(ax, "ax", Axes, optional=True)
    if ax is None:
        fig, (ax,) = new_figure(height=1.3 + 0.45 * (result.workers + 1))
    else:
        fig = ax.figure  # type: ignore[assignment]
    numbers = _worker_numbers(result)
    rows: list[tuple[str, Sequence[Bar]]] = []
    if result.kind == "cpu":
        # The real running pieces, not merged turns: a gap in this row means nobody ran Python
        # (the main thread had the GIL, or the OS gave the core to another program).
        pieces = [
            Bar(numbers[r.worker_key], start, end, ((start, end),))
            for r in result.records
            for start, end in r.running
        ]
        label = "GIL held by" if machine.gil_enabled() else "running Python"
        rows.append((label, sorted(pieces, key=lambda bar: bar.start)))
    for label, records in rows_of(result):
        bars = [Bar(numbers[r.worker_key], r.start, r.end, tuple(r.running)) for r in records]
        rows.append((label, bars))
    legend = _LEGENDS[result.kind]
    draw_rows(ax, rows, result.t0, legend=legend)
    if result.kind == "cpu":
        ax.axhline(0.5, color="#555555", linewidth=0.8)  # separates the GIL row from the threads
    ax.set_xlim(left=0, right=max(result.wall * 1e3 * 1.02, 1.0))
    finish(
        ax,
        xlabel="time since the tasks were submitted (ms)",
        ylabel="",
        title=title or f"{result.describe()}: {result.wall * 1e3:.0f} ms",
    )
    ax.grid(True, axis="x", alpha=0.3)
    ax.grid(False, axis="y")
    return fig  # type: ignore[return-value]


@dataclass(frozen=True)
class ThreadsRun:
    """One batch of equal tasks on a thread pool, one task per thread."""

    run: RunResult
    turns: tuple[Turn, ...]

    @property
    def handoffs(self) -> int:
        return handoffs(self.turns)

    def pauses(self) -> list[int]:
        """For each task, how many times it was paused while it ran (running pieces - 1)."""
        return [max(len(r.running) - 1, 0) for r in self.run.records]


def threads_at_work(
    threads: int = 2, task_ms: float = 60, *, progress: Progress | None = None
) -> tuple[Figure, dict[str, ThreadsRun]]:
    """The same number of threads, each given one task: CPU-bound on the left, I/O-bound right.

    Returns the figure and ``{"cpu": ..., "io": ...}``.
    """
    validate_int(threads, "threads", 1, _MAX_THREADS)
    seconds = _validate_task_ms(task_ms) / 1e3
    validate_callable(progress, "progress", optional=True)
    fig, axes = new_figure(ncols=2, height=1.5 + 0.5 * (threads + 1))
    fig.set_size_inches(13, fig.get_size_inches()[1])
    runs: dict[str, ThreadsRun] = {}
    for step, (kind, ax) in enumerate(zip(("cpu", "io"), axes, strict=True)):
        result = run_tasks(kind, "threads", threads, tasks=threads, task_seconds=seconds)
        runs[kind] = ThreadsRun(result, tuple(turns_of(result)))
        title = f"{WORKLOAD_KINDS[kind]}: {threads} threads, one task each\n"
        if kind == "cpu":
            title += (
                f"{result.wall * 1e3:.0f} ms in all; the GIL changed hands "
                f"{runs[kind].handoffs} times"
            )
        else:
            title += f"{result.wall * 1e3:.0f} ms in all; the waits overlap"
        plot_turns(result, ax=ax, title=title)
        if progress is not None:
            progress(step + 1, 2)
    return fig, runs


# --- the switch interval, measured -----------------------------------------------------------


def _spin_until(stop: threading.Event) -> None:
    while not stop.is_set():
        spin(2_000)  # about 0.1 ms of pure Python between checks of the flag


def wakeup_delays(samples: int = 10, sleep_ms: float = 1.0) -> list[float]:
    """Sleep ``samples`` times while another thread runs pure Python; return how late (seconds)
    each wake-up was, beyond the requested sleep.

    A thread that wakes up must get the GIL back before it can run. The spinning thread does
    not give it up voluntarily, so the sleeper waits until it asks for a switch, which it does
    after one switch interval.
    """
    validate_int(samples, "samples", 1, 1_000)
    sleep_s = _validate_task_ms(sleep_ms, "sleep_ms") / 1e3
    stop = threading.Event()
    spinner = threading.Thread(target=_spin_until, args=(stop,), name="lab-spinner")
    spinner.start()
    delays = []
    try:
        for _ in range(samples):
            start = time.perf_counter()
            time.sleep(sleep_s)
            delays.append(max(time.perf_counter() - start - sleep_s, 0.0))
    finally:
        stop.set()
        spinner.join(timeout=5)
    return delays


@dataclass(frozen=True)
class SwitchRun:
    """What one switch interval did to two CPU-bound threads and to a thread that sleeps."""

    interval: float  # seconds
    run: RunResult
    turns: tuple[Turn, ...]
    delays: tuple[float, ...]

    @property
    def handoffs(self) -> int:
        return handoffs(self.turns)

    @property
    def median_turn(self) -> float:
        """Typical length of a turn (seconds), leaving out the first and last, which are cut."""
        inner = self.turns[1:-1] or self.turns
        return statistics.median(t.duration for t in inner) if inner else 0.0

    @property
    def median_delay(self) -> float:
        return statistics.median(self.delays) if self.delays else 0.0


def switch_interval_demo(
    intervals_ms: Sequence[float] = (2, 5, 20),
    threads: int = 2,
    task_ms: float = 60,
    wakeups: int = 10,
    *,
    progress: Progress | None = None,
) -> tuple[Figure, list[SwitchRun]]:
    """For each switch interval: who held the GIL when (left), and the typical turn length and
    wake-up delay of a sleeping thread (right). The interval is always restored.
    """
    intervals = _validate_switch_ms(intervals_ms)
    validate_int(threads, "threads", 1, _MAX_THREADS)
    seconds = _validate_task_ms(task_ms) / 1e3
    validate_int(wakeups, "wakeups", 1, 100)
    validate_callable(progress, "progress", optional=True)
    runs: list[SwitchRun] = []
    for step, interval_ms in enumerate(intervals, start=1):
        with switch_interval(interval_ms / 1e3):
            result = run_tasks("cpu", "threads", threads, tasks=threads, task_seconds=seconds)
            delays = wakeup_delays(wakeups)
        runs.append(SwitchRun(interval_ms / 1e3, result, tuple(turns_of(result)), tuple(delays)))
        if progress is not None:
            progress(step, len(intervals))

    names = [f"run{i}" for i in range(len(runs))]
    fig, axes = _mosaic(
        [[name, "summary"] for name in names],
        width=13,
        height=max(3.6, len(runs) * (0.9 + 0.4 * (threads + 1))),
    )
    longest = max(r.run.wall for r in runs) * 1e3 * 1.02
    for name, sr in zip(names, runs, strict=True):
        plot_turns(
            sr.run,
            ax=axes[name],
            title=(
                f"switch interval {sr.interval * 1e3:g} ms: {sr.run.wall * 1e3:.0f} ms in all, "
                f"{sr.handoffs} hand-overs"
            ),
        )
        axes[name].set_xlim(0, longest)  # same time scale everywhere, to compare totals
        if name != names[-1]:
            axes[name].set_xlabel("")  # one time axis label, under the last timeline
    _plot_switch_summary(axes["summary"], runs)
    return fig, runs


def _plot_switch_summary(ax: Axes, runs: Sequence[SwitchRun]) -> None:
    xs = [r.interval * 1e3 for r in runs]

    def ms(values: Sequence[float]) -> list[float]:
        return [max(v * 1e3, 0.01) for v in values]  # a log axis cannot show 0

    ax.plot(xs, xs, label="y = switch interval", **IDEAL_STYLE)
    series = [
        ("typical turn of a CPU-bound thread", [r.median_turn for r in runs], "o"),
        ("typical wake-up delay of a sleeping thread", [r.median_delay for r in runs], "s"),
        ("total time of the CPU-bound work", [r.run.wall for r in runs], "^"),
    ]
    for i, (label, values, marker) in enumerate(series):
        ax.plot(xs, ms(values), marker=marker, color=PALETTE[i], label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(xs, [f"{x:g}" for x in xs])
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.legend(fontsize=8, loc="center left")  # the lines leave that area free
    finish(
        ax,
        xlabel="switch interval (ms, log scale)",
        ylabel="time (ms, log scale)",
        title="What the switch interval changes, and what it does not",
    )


# --- C code that releases the GIL ------------------------------------------------------------


def _validate_worker_counts(workers: object) -> list[int]:
    if isinstance(workers, (str, bytes)) or not isinstance(workers, Sequence) or not workers:
        raise TypeError(f"workers must be a non-empty list of worker counts; got {workers!r}")
    counts = [validate_int(w, "workers", 1, _MAX_WORKERS) for w in workers]
    return sorted(set(counts))


def _chained(progress: Progress | None, offset: int, total: int) -> Progress | None:
    if progress is None:
        return None
    return lambda done, _stage_total: progress(offset + done, total)


def _sweep(
    plan: Sequence[tuple[str, str]],
    counts: Sequence[int],
    tasks: int,
    seconds: float,
    start_method: str | None,
    progress: Progress | None,
) -> dict[tuple[str, str], list[Measurement]]:
    """Measure every (kind, executor) at every worker count; one serial baseline per kind."""
    kinds = {kind for kind, _ in plan}
    total = tasks * (len(kinds) + len(plan) * len(counts))
    done = 0
    baselines: dict[str, RunResult] = {}
    found: dict[tuple[str, str], list[Measurement]] = {}
    for kind, executor in plan:
        for count in counts:
            m = measure(
                kind,
                executor,
                count,
                tasks,
                seconds,
                start_method=start_method,
                baseline=baselines.get(kind),
                progress=_chained(progress, done, total),
            )
            done += tasks if kind in baselines else 2 * tasks
            baselines[kind] = m.serial
            found.setdefault((kind, executor), []).append(m)
    return found


def c_versus_python(
    workers: Sequence[int] = (1, 2, 4),
    tasks: int = 8,
    task_ms: float = 40,
    *,
    progress: Progress | None = None,
) -> tuple[Figure, dict[str, list[Measurement]]]:
    """Pure-Python work and hashlib work on the same thread pools: timelines at the largest
    worker count (left) and speedup over serial at every count (right).

    Returns the figure and ``{"cpu": [...], "hash": [...]}``, one measurement per worker count.
    """
    counts = _validate_worker_counts(workers)
    validate_positive_int(tasks, "tasks")
    seconds = _validate_task_ms(task_ms) / 1e3
    validate_callable(progress, "progress", optional=True)
    found = _sweep(
        [("cpu", "threads"), ("hash", "threads")], counts, tasks, seconds, None, progress
    )
    data = {kind: found[(kind, "threads")] for kind in ("cpu", "hash")}
    top = counts[-1]
    fig, axes = _mosaic(
        [["cpu", "speedup"], ["hash", "speedup"]], width=13, height=2.6 + 0.7 * min(top, 8)
    )
    for kind in ("cpu", "hash"):
        m = data[kind][-1]
        plot_turns(
            m.run,
            ax=axes[kind],
            title=f"{WORKLOAD_KINDS[kind]} on {top} threads: {m.speedup:.2f}x over serial",
        )
    plot_speedup(
        {"pure Python": data["cpu"], "hashlib (C, releases the GIL)": data["hash"]},
        ax=axes["speedup"],
        title="Speedup on threads: pure Python vs C that releases the GIL",
    )
    return fig, data


# --- threads vs processes, CPU-bound vs I/O-bound --------------------------------------------


def scaling(
    max_workers: int = 4,
    tasks: int = 8,
    task_ms: float = 40,
    *,
    start_method: str | None = None,
    progress: Progress | None = None,
) -> tuple[Figure, dict[tuple[str, str], list[Measurement]]]:
    """Speedup at 1..max_workers workers: CPU-bound on threads and on processes (left), I/O-bound
    on threads (right), each against the ideal line and this machine's limit.

    Returns the figure and ``{(kind, executor): [measurement per worker count]}``.
    """
    validate_int(max_workers, "max_workers", 1, _MAX_WORKERS)
    validate_positive_int(tasks, "tasks")
    seconds = _validate_task_ms(task_ms) / 1e3
    machine.validate_start_method(start_method, optional=True)
    validate_callable(progress, "progress", optional=True)
    counts = list(range(1, max_workers + 1))
    plan = [("cpu", "threads"), ("cpu", "processes"), ("io", "threads")]
    data = _sweep(plan, counts, tasks, seconds, start_method, progress)
    fig, (left, right) = new_figure(ncols=2, height=3.8)
    plot_speedup(
        {EXECUTOR_KINDS[ex]: data[("cpu", ex)] for ex in ("threads", "processes")},
        ax=left,
        title=f"{WORKLOAD_KINDS['cpu']}: {tasks} tasks of ~{task_ms:g} ms",
    )
    plot_speedup(
        {EXECUTOR_KINDS["threads"]: data[("io", "threads")]},
        ax=right,
        title=f"{WORKLOAD_KINDS['io']}: {tasks} tasks of ~{task_ms:g} ms",
    )
    cores = machine.usable_cores()
    fig.suptitle(f"Measured on this machine: {cores} usable core{'s' * (cores != 1)}", fontsize=11)
    return fig, data


def describe_scaling(
    data: dict[tuple[str, str], list[Measurement]], cores: int | None = None
) -> str:
    """Say in words what the scaling measurement shows on this machine (numbers are measured)."""
    cores = machine.usable_cores() if cores is None else validate_positive_int(cores, "cores")

    def best(key: tuple[str, str]) -> Measurement:
        return max(data[key], key=lambda m: m.speedup)

    threads, processes, io = (
        best(("cpu", "threads")),
        best(("cpu", "processes")),
        best(("io", "threads")),
    )

    def count(m: Measurement, one: str, many: str) -> str:
        return f"{m.run.workers} {one if m.run.workers == 1 else many}"

    lines = [
        f"Pure Python on threads: at best {threads.speedup:.2f}x "
        f"(with {count(threads, 'thread', 'threads')}). The GIL lets one thread run at a time.",
        f"I/O-bound on threads: up to {io.speedup:.2f}x (with {count(io, 'thread', 'threads')}), "
        "because a waiting thread releases the GIL.",
    ]
    if cores == 1:
        lines.append(
            f"Processes: at best {processes.speedup:.2f}x. This machine has one usable core, so "
            "processes take turns on it just as threads take turns on the GIL: they cannot beat "
            "threads here, they only add start-up cost."
        )
    else:
        used = count(processes, "process", "processes")
        lines.append(
            f"Processes: up to {processes.speedup:.2f}x (with {used}). "
            f"Each has its own GIL; the ceiling is the {cores} usable cores, so adding processes "
            f"beyond {cores} does not help."
        )
    return "\n".join(lines)


# --- what this interpreter offers ------------------------------------------------------------


@dataclass(frozen=True)
class InterpreterFeatures:
    """Facts about the running interpreter that decide how Python code can run in parallel."""

    version: str
    implementation: str
    free_threaded_build: bool
    has_is_gil_enabled: bool
    gil_enabled: bool
    subinterpreters: bool
    interpreter_pool: bool

    def rows(self) -> list[tuple[str, str]]:
        probe = (
            f"sys._is_gil_enabled() → {self.gil_enabled}"
            if self.has_is_gil_enabled
            else "sys._is_gil_enabled does not exist here (before 3.13): the GIL is always on"
        )
        return [
            ("Python", f"{self.version} ({self.implementation})"),
            ("Free-threaded build (PEP 703)", "yes" if self.free_threaded_build else "no"),
            ("GIL right now", probe),
            (
                "concurrent.interpreters (PEP 734)",
                "available" if self.subinterpreters else "not in this version (3.14+)",
            ),
            (
                "InterpreterPoolExecutor",
                "available" if self.interpreter_pool else "not in this version (3.14+)",
            ),
        ]

    def __str__(self) -> str:
        width = max(len(name) for name, _ in self.rows())
        return "\n".join(f"{name:<{width}}  {value}" for name, value in self.rows())


def interpreter_features() -> InterpreterFeatures:
    """Evaluate, live, what this interpreter offers (nothing is assumed from the version)."""
    try:
        subinterpreters = importlib.util.find_spec("concurrent.interpreters") is not None
    except (ImportError, ValueError):
        subinterpreters = False
    import concurrent.futures

    return InterpreterFeatures(
        version=platform.python_version(),
        implementation=platform.python_implementation(),
        free_threaded_build=machine.free_threaded_build(),
        has_is_gil_enabled=hasattr(sys, "_is_gil_enabled"),
        gil_enabled=machine.gil_enabled(),
        subinterpreters=subinterpreters,
        interpreter_pool=hasattr(concurrent.futures, "InterpreterPoolExecutor"),
    )
