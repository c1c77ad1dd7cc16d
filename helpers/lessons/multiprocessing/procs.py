"""Notebook 08 (multiprocessing): what child processes run, and the measurements behind the plots.

Two halves:

* **Run in a child.** Small module-level functions (``square``, ``whoami``, ``fail``…) that a
  ``Process``, a ``Pool`` or a ``ProcessPoolExecutor`` can find under every start method: a
  spawned child imports this module by name, so nothing here may live in a notebook cell.
* **Run in the parent.** Measurements that return plain data (start-up cost per start method,
  speedup against the number of processes, tiny tasks, chunksize) and functions that draw them.

Kept import-light: every spawned child imports this module, so matplotlib is imported only
inside the drawing functions.
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...core import machine
from ...core.timing import Progress, stop_pool, validate_workers
from ...core.validate import (
    MAX_TIMEOUT_S,
    validate_callable,
    validate_choice,
    validate_flag,
    validate_instance,
    validate_items,
    validate_number,
    validate_positive_int,
    validate_seconds,
)
from ...core.workloads import seconds_per_unit, spin
from ...draw.plots import plain_log_ticks

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ...core.timing import Measurement

# --------------------------------------------------------------------------------------------
# Run in a child process
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProcessInfo:
    """Who is running: what ``multiprocessing.current_process()`` and ``os`` say in a process."""

    name: str
    pid: int
    parent_pid: int
    daemon: bool


def whoami(_: object = None) -> ProcessInfo:
    """Describe the process that runs this call (the argument is ignored, for ``map``)."""
    me = multiprocessing.current_process()
    return ProcessInfo(name=me.name, pid=os.getpid(), parent_pid=os.getppid(), daemon=me.daemon)


def noop() -> None:
    """Do nothing: the cheapest possible child, so timing it measures start-up alone."""


def square(x: int) -> int:
    return x * x


def cube(x: int) -> int:
    return x**3


def add(a: int, b: int) -> int:
    """Two arguments: the function ``starmap`` is for."""
    return a + b


def slow_square(x: int, seconds: float) -> int:
    """``x * x`` after a wait: tasks that finish in a different order than they started."""
    time.sleep(seconds)
    return x * x


def nap(seconds: float) -> float:
    """Sleep ``seconds`` and return it: tasks of known, different lengths for ``imap``."""
    time.sleep(seconds)
    return seconds


def pid_after(seconds: float = 0.0) -> int:
    """This worker's pid (after an optional wait), to see which process ran a task."""
    time.sleep(seconds)
    return os.getpid()


def sleep_then_exit(seconds: float, code: int = 0) -> None:
    """Wait, then end the process with exit status ``code`` (0 means success)."""
    time.sleep(seconds)
    if code:
        sys.exit(code)


def fail(message: str) -> None:
    """Raise ``ValueError(message)`` in whichever process runs this."""
    raise ValueError(message)


def parse_number(text: str) -> int:
    """``int(text)``: raises ``ValueError`` for text that is not a number (exercise material)."""
    return int(text)


def timed_spin(iterations: int) -> tuple[int, float, float]:
    """A small CPU-bound task that reports where and when it ran: ``(pid, start, end)``.

    ``time.perf_counter()`` is system-wide on Linux, macOS and Windows, so the parent can line
    the children's times up on one axis.
    """
    start = time.perf_counter()
    spin(iterations)
    return os.getpid(), start, time.perf_counter()


# --------------------------------------------------------------------------------------------
# Cores, start methods, exit codes
# --------------------------------------------------------------------------------------------


def core_counts() -> dict[str, int | float | None]:
    """The different answers to "how many CPUs?", from the most to the least generous.

    ``os.cpu_count()`` and ``multiprocessing.cpu_count()`` count every CPU of the machine; the
    affinity mask and a container quota can allow this process far fewer.
    """
    counts: dict[str, int | float | None] = {
        "os.cpu_count()": os.cpu_count(),
        "multiprocessing.cpu_count()": multiprocessing.cpu_count(),
        "len(os.sched_getaffinity(0))": (
            len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
        ),
        "os.process_cpu_count() (3.13+)": (
            os.process_cpu_count() if hasattr(os, "process_cpu_count") else None
        ),
        "container CPU quota": machine.cpu_quota(),
        "machine.usable_cores()": machine.usable_cores(),
    }
    return counts


#: Which start method Python picks when nobody chooses one (CPython docs, "Contexts and start
#: methods"). Keys are (platform, first version with that default).
DEFAULT_START_METHODS: dict[str, list[tuple[tuple[int, int], str]]] = {
    "Linux": [((3, 0), "fork"), ((3, 14), "forkserver")],
    "macOS": [((3, 0), "fork"), ((3, 8), "spawn")],
    "Windows": [((3, 0), "spawn")],
}


def default_start_method(platform: str, version: tuple[int, int]) -> str:
    """The default start method of CPython ``version`` on ``platform`` (Linux, macOS, Windows)."""
    validate_choice(platform, "platform", DEFAULT_START_METHODS)
    if not (
        isinstance(version, tuple)
        and len(version) == 2
        and all(isinstance(part, int) and not isinstance(part, bool) for part in version)
    ):
        raise TypeError(f"version must be a (major, minor) tuple of ints; got {version!r}")
    chosen = ""
    for since, method in DEFAULT_START_METHODS[platform]:
        if tuple(version) >= since:
            chosen = method
    return chosen


def describe_exitcode(exitcode: int | None) -> str:
    """What ``Process.exitcode`` says: still running, success, an error, or a signal."""
    if exitcode is not None and (isinstance(exitcode, bool) or not isinstance(exitcode, int)):
        raise TypeError(f"exitcode must be an int or None; got {exitcode!r}")
    if exitcode is None:
        return "still running (or never started)"
    if exitcode == 0:
        return "finished normally"
    if exitcode > 0:
        return f"exited with status {exitcode} (an uncaught exception gives 1)"
    return f"killed by signal {-exitcode}"


@dataclass(frozen=True)
class ForkCheck:
    """What happened when a process was forked from this (multi-threaded) process."""

    python: tuple[int, int]
    threads: int
    warnings: tuple[str, ...]
    exitcode: int | None


def fork_and_record_warnings(timeout: float = 30.0) -> ForkCheck:
    """Start one ``fork`` child while recording warnings (3.12+ warns if threads exist).

    Raises ``ValueError`` where this platform has no ``fork`` (Windows).
    """
    validate_seconds(timeout, "timeout", maximum=MAX_TIMEOUT_S)
    context = machine.mp_context("fork")
    threads = threading.active_count()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DeprecationWarning)
        child = context.Process(target=noop)
        child.start()
    child.join(timeout)
    _stop(child)
    return ForkCheck(
        python=(sys.version_info.major, sys.version_info.minor),
        threads=threads,
        warnings=tuple(
            f"{w.category.__name__}: {w.message}"
            for w in caught
            if issubclass(w.category, DeprecationWarning)
        ),
        exitcode=child.exitcode,
    )


def _stop(process: multiprocessing.process.BaseProcess, grace: float = 2.0) -> None:
    """Make sure ``process`` is gone: terminate, then kill, each with a bounded wait."""
    if process.is_alive():
        process.terminate()
        process.join(grace)
    if process.is_alive():
        process.kill()
        process.join(grace)


def stop_processes(processes: Iterable[multiprocessing.process.BaseProcess]) -> None:
    """Terminate any of ``processes`` still running and wait (bounded) for them to go."""
    processes = validate_items(processes, "processes")
    for process in processes:
        validate_instance(process, "processes", multiprocessing.process.BaseProcess)
    for process in processes:
        _stop(process)


# --------------------------------------------------------------------------------------------
# The __main__ guard, shown with a real script
# --------------------------------------------------------------------------------------------

_SCRIPT_HEAD = """\
import multiprocessing


def greet(number):
    print(f"child {number}: hello", flush=True)


"""
_SCRIPT_BODY = """\
context = multiprocessing.get_context({method!r})
child = context.Process(target=greet, args=(1,))
child.start()
child.join(30)
print("parent: the child's exit code is", child.exitcode, flush=True)
"""


def guard_script(with_guard: bool, start_method: str = "spawn") -> str:
    """The source of a tiny script that starts one child, with or without the guard."""
    validate_flag(with_guard, "with_guard")
    machine.validate_start_method(start_method)
    body = _SCRIPT_BODY.format(method=start_method)
    if with_guard:
        body = 'if __name__ == "__main__":\n' + textwrap.indent(body, "    ")
    return _SCRIPT_HEAD + body


@dataclass(frozen=True)
class ScriptRun:
    returncode: int
    stdout: str
    stderr: str


def run_guard_script(
    with_guard: bool, start_method: str = "spawn", timeout: float = 60.0
) -> ScriptRun:
    """Run :func:`guard_script` as a real program (its own ``__main__``) and capture its output."""
    validate_seconds(timeout, "timeout", maximum=600)
    source = guard_script(with_guard, start_method)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "start_a_child.py"
        path.write_text(source)
        done = subprocess.run(
            [sys.executable, str(path)],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=folder,
            check=False,
            # 3.13+ colours tracebacks when a terminal or FORCE_COLOR asks; we want plain text
            env={**os.environ, "PYTHON_COLORS": "0", "NO_COLOR": "1"},
        )
    return ScriptRun(done.returncode, done.stdout, done.stderr)


# --------------------------------------------------------------------------------------------
# Start-up cost per start method
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StartupSample:
    """One child started and joined: ``seconds`` from ``Process.start()`` to ``join()``."""

    method: str
    run: int
    seconds: float


def startup_costs(
    methods: Sequence[str] | None = None,
    repeats: int = 5,
    *,
    progress: Progress | None = None,
    timeout: float = 30.0,
) -> list[StartupSample]:
    """Start and join a do-nothing child ``repeats`` times per start method; time each.

    ``fork`` in a process with threads (every Jupyter kernel) warns on Python 3.12+; here the
    warning is silenced because the point is the cost, and notebook 08 explains it separately.
    """
    if methods is None:
        chosen = machine.available_start_methods()
    else:
        chosen = validate_items(methods, "methods")
    if not chosen:
        raise ValueError("methods must name at least one start method")
    for method in chosen:
        machine.validate_start_method(method, "methods")
    validate_positive_int(repeats, "repeats")
    if repeats > 50:
        raise ValueError(f"repeats must be <= 50; got {repeats}")
    validate_callable(progress, "progress", optional=True)
    validate_seconds(timeout, "timeout", maximum=MAX_TIMEOUT_S)
    samples = []
    total = len(chosen) * repeats
    for method in chosen:
        context = machine.mp_context(method)
        for run in range(repeats):
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", ".*fork.*", DeprecationWarning)
                started = time.perf_counter()
                child = context.Process(target=noop)
                child.start()
                child.join(timeout)
                elapsed = time.perf_counter() - started
            if child.exitcode != 0:
                _stop(child)
                raise RuntimeError(f"a {method} child did not finish within {timeout:g} s")
            samples.append(StartupSample(method, run, elapsed))
            if progress is not None:
                progress(len(samples), total)
    return samples


def median_startup(samples: Sequence[StartupSample]) -> dict[str, float]:
    """Median start-up seconds per method, in the order the methods were measured."""
    by_method: dict[str, list[float]] = {}
    for sample in samples:
        by_method.setdefault(sample.method, []).append(sample.seconds)
    return {method: statistics.median(values) for method, values in by_method.items()}


def plot_startup_costs(samples: Sequence[StartupSample]) -> Figure:
    """One bar per start method (the median), with every measured start as a dot."""
    from ...draw.plots import MARKERS, colour, finish, new_figure

    if not samples:
        raise ValueError("samples must not be empty")
    medians = median_startup(samples)
    fig, (ax,) = new_figure(width=6.5, height=3.4)
    for i, (method, median) in enumerate(medians.items()):
        ax.bar(i, median * 1e3, color=colour(i), alpha=0.45, width=0.6)
        points = [s for s in samples if s.method == method]
        offsets = [(s.run - (len(points) - 1) / 2) * 0.06 for s in points]
        ax.plot(
            [i + o for o in offsets],
            [s.seconds * 1e3 for s in points],
            linestyle="none",
            marker=MARKERS[i % len(MARKERS)],
            color=colour(i),
            markersize=5,
        )
    ax.set_xticks(
        range(len(medians)),
        [f"{method}\nmedian {median * 1e3:.1f} ms" for method, median in medians.items()],
    )
    ax.set_ylim(bottom=0, top=max(s.seconds for s in samples) * 1e3 * 1.2)
    finish(
        ax,
        xlabel="start method",
        ylabel="start + join a do-nothing child (ms)",
        title="Cost of starting one process (bar: median; dots: each start)",
    )
    return fig


# --------------------------------------------------------------------------------------------
# Speedup against the number of processes
# --------------------------------------------------------------------------------------------


def speedup_workers(cores: int | None = None, limit: int = 32) -> list[int]:
    """Worker counts worth measuring: up to the usable cores, one past them, and twice them."""
    cores = machine.usable_cores() if cores is None else validate_positive_int(cores, "cores")
    validate_positive_int(limit, "limit")
    counts = {1, cores, cores + 1, 2 * cores}
    counts.update(2**i for i in range(1, 6) if 2**i < cores)
    return sorted(c for c in counts if c <= limit)


def speedup_curve(
    tasks: int = 8,
    task_ms: float = 40,
    workers: Sequence[int] | None = None,
    *,
    start_method: str | None = None,
    progress: Progress | None = None,
) -> tuple[Figure, list[Measurement]]:
    """CPU-bound speedup of a process pool at each worker count, against the ideal line.

    Pool start-up is measured separately by :mod:`helpers.timing` and not counted here: the
    question is how fast the work goes once the processes exist.
    """
    from ...core.timing import sweep
    from ...draw.plots import plot_speedup

    validate_positive_int(tasks, "tasks")
    seconds = validate_number(
        task_ms, "task_ms", minimum=0, maximum=60_000, above_minimum=True, unit="milliseconds"
    )
    if workers is None:
        counts = speedup_workers()
    else:
        counts = [validate_workers(w, "workers") for w in validate_items(workers, "workers")]
    machine.validate_start_method(start_method, optional=True)
    validate_callable(progress, "progress", optional=True)
    results = sweep(
        "cpu",
        "processes",
        counts,
        tasks,
        seconds / 1e3,
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


# --------------------------------------------------------------------------------------------
# Tiny tasks and chunksize: when the overhead wins
# --------------------------------------------------------------------------------------------

#: Task sizes the explorer offers, in microseconds of pure-Python work.
TASK_SIZES_US: tuple[int, ...] = (1, 10, 100, 1_000, 10_000)
#: Chunk sizes the explorer offers.
CHUNKSIZES: tuple[int, ...] = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)
#: The two APIs with a ``map(..., chunksize=...)``.
MAP_APIS: dict[str, str] = {
    "pool": "multiprocessing.Pool.map",
    "executor": "ProcessPoolExecutor.map",
}

_MAX_TASKS = 20_000


def iterations_for(task_us: float) -> int:
    """How many :func:`helpers.workloads.spin` iterations take about ``task_us`` microseconds."""
    return _iterations_for(task_us, "task_us")


def _iterations_for(task_us: object, argument: str) -> int:
    micros = validate_number(task_us, argument, minimum=0.1, maximum=1_000_000, unit="microseconds")
    return max(1, round(micros * 1e-6 / seconds_per_unit("cpu")))


def pool_default_chunksize(tasks: int, workers: int) -> int:
    """The chunksize ``Pool.map`` picks when you give none: about 4 chunks per worker.

    ``ProcessPoolExecutor.map`` and ``Pool.imap`` default to 1 instead.
    """
    validate_positive_int(tasks, "tasks")
    validate_positive_int(workers, "workers")
    chunksize, extra = divmod(tasks, workers * 4)
    return chunksize + 1 if extra else chunksize


def _validate_tasks(tasks: object) -> int:
    validate_positive_int(tasks, "tasks")
    assert isinstance(tasks, int)
    if tasks > _MAX_TASKS:
        raise ValueError(f"tasks must be <= {_MAX_TASKS}; got {tasks}")
    return tasks


def _validate_api(api: object, argument: str = "api") -> str:
    validate_choice(api, argument, MAP_APIS)
    return str(api)


Spans = list[tuple[int, float, float]]


class _Pool:
    """One warm pool of either API with a bounded ``map``; always stopped on the way out."""

    def __init__(self, api: str, workers: int, start_method: str | None, timeout: float) -> None:
        self.api = api
        self.workers = workers
        self.timeout = timeout
        context = machine.mp_context(start_method)
        self.start_method = context.get_start_method()
        started = time.perf_counter()
        if api == "pool":
            self._pool: Any = context.Pool(workers)
        else:
            self._pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
        self._warm_up()
        self.startup_seconds = time.perf_counter() - started

    def _warm_up(self) -> None:
        """Wait until every worker has started and run something, so start-up is not timed."""
        seen: set[int] = set()
        deadline = time.perf_counter() + self.timeout
        while len(seen) < self.workers and time.perf_counter() < deadline:
            seen.update(self.map(pid_after, [0.02] * self.workers, chunksize=1))

    def map(self, fn: Callable[[Any], Any], items: Sequence[Any], chunksize: int) -> list[Any]:
        if self.api == "pool":
            return self._pool.map_async(fn, items, chunksize).get(self.timeout)
        return list(self._pool.map(fn, items, timeout=self.timeout, chunksize=chunksize))

    def __enter__(self) -> _Pool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.api == "pool":
            self._pool.terminate()  # the work is done (or abandoned): nothing left to wait for
            self._pool.join()
        elif exc_info[0] is None:
            self._pool.shutdown(wait=True)
        else:
            stop_pool(self._pool)


def _best_of(repeats: int, run: Callable[[], object]) -> tuple[float, Any]:
    """The fastest of ``repeats`` runs (the least disturbed by anything else on the machine),
    with what the last run returned."""
    best, returned = float("inf"), None
    for _ in range(repeats):
        started = time.perf_counter()
        returned = run()
        best = min(best, time.perf_counter() - started)
    return best, returned


def _serial_seconds(iterations: int, tasks: int, repeats: int = 1) -> float:
    def loop() -> None:
        for _ in range(tasks):
            timed_spin(iterations)

    return _best_of(repeats, loop)[0]


def _validate_pool_options(start_method: object, progress: object, timeout: object) -> None:
    """The options every pool measurement shares, checked before a process starts."""
    machine.validate_start_method(start_method, optional=True)
    validate_callable(progress, "progress", optional=True)
    validate_seconds(timeout, "timeout", maximum=MAX_TIMEOUT_S)


def _validate_repeats(repeats: object) -> int:
    validate_positive_int(repeats, "repeats")
    assert isinstance(repeats, int)
    if repeats > 20:
        raise ValueError(f"repeats must be <= 20; got {repeats}")
    return repeats


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


def tasks_for(task_us: float, budget_seconds: float = 0.05, most: int = 2_000) -> int:
    """Enough tasks of ``task_us`` for about ``budget_seconds`` of serial work (8 to ``most``)."""
    validate_number(task_us, "task_us", minimum=0.1, maximum=1_000_000, unit="microseconds")
    validate_seconds(budget_seconds, "budget_seconds", maximum=10)
    validate_positive_int(most, "most")
    return max(8, min(most, round(budget_seconds / (task_us * 1e-6))))


def task_size_sweep(
    task_sizes_us: Sequence[float] = TASK_SIZES_US,
    workers: int = 2,
    *,
    budget_seconds: float = 0.05,
    repeats: int = 3,
    start_method: str | None = None,
    progress: Progress | None = None,
    timeout: float = 60.0,
) -> list[TaskSizePoint]:
    """For each task size: serial time against ``Pool.map`` with one task per message.

    The number of tasks shrinks as they grow, so each size costs about ``budget_seconds`` of
    work. One warm pool serves every size; its start-up is not timed. Each time is the best of
    ``repeats`` runs.
    """
    task_sizes_us = validate_items(task_sizes_us, "task_sizes_us")
    if not task_sizes_us:
        raise ValueError("task_sizes_us must list at least one task size")
    iterations = [_iterations_for(size, "task_sizes_us") for size in task_sizes_us]
    validate_workers(workers)
    validate_seconds(budget_seconds, "budget_seconds", maximum=10)
    _validate_repeats(repeats)
    _validate_pool_options(start_method, progress, timeout)
    points = []
    with _Pool("pool", workers, start_method, timeout) as pool:
        for step, (size, its) in enumerate(zip(task_sizes_us, iterations, strict=True), start=1):
            tasks = tasks_for(size, budget_seconds)
            serial = _serial_seconds(its, tasks, repeats)
            parallel, spans = _best_of(
                repeats,
                partial(pool.map, timed_spin, [its] * tasks, chunksize=1),
            )
            used = len({pid for pid, _, _ in spans})
            points.append(TaskSizePoint(size, tasks, workers, serial, parallel, used))
            if progress is not None:
                progress(step, len(task_sizes_us))
    return points


def plot_task_sizes(points: Sequence[TaskSizePoint]) -> Figure:
    """Speedup of a pool over serial against task size, with the break-even line at 1x."""
    from ...draw.plots import IDEAL_STYLE, LIMIT_STYLE, colour, finish, new_figure

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
    ax.legend(fontsize=8, loc="upper left")
    finish(
        ax,
        xlabel="work in one task (µs, log scale)",
        ylabel="speedup over serial (×, log scale)",
        title=f"Pool of {workers} processes, one task per message (chunksize=1)",
    )
    return fig


@dataclass(frozen=True)
class ChunkPoint:
    """Wall time of one ``map`` over the same tasks with one chunksize and one API."""

    api: str
    chunksize: int
    seconds: float


def chunksize_sweep(
    chunksizes: Sequence[int] = (1, 4, 16, 64, 256),
    tasks: int = 2_000,
    task_us: float = 20,
    workers: int = 2,
    *,
    repeats: int = 3,
    apis: Sequence[str] = tuple(MAP_APIS),
    start_method: str | None = None,
    progress: Progress | None = None,
    timeout: float = 60.0,
) -> tuple[list[ChunkPoint], float]:
    """Time ``map`` at each chunksize on warm pools; returns the points and the serial time.

    Each time is the best of ``repeats`` runs.
    """
    sizes = [
        validate_positive_int(c, "chunksizes") for c in validate_items(chunksizes, "chunksizes")
    ]
    if not sizes:
        raise ValueError("chunksizes must list at least one chunk size")
    _validate_tasks(tasks)
    validate_workers(workers)
    its = iterations_for(task_us)
    chosen = [_validate_api(api, "apis") for api in validate_items(apis, "apis")]
    if not chosen:
        raise ValueError(f"apis must name at least one of {list(MAP_APIS)}")
    _validate_repeats(repeats)
    _validate_pool_options(start_method, progress, timeout)
    serial = _serial_seconds(its, tasks, repeats)
    points = []
    total = len(sizes) * len(chosen)
    for api in chosen:
        with _Pool(api, workers, start_method, timeout) as pool:
            for chunksize in sizes:
                seconds, _ = _best_of(
                    repeats,
                    partial(pool.map, timed_spin, [its] * tasks, chunksize=chunksize),
                )
                points.append(ChunkPoint(api, chunksize, seconds))
                if progress is not None:
                    progress(len(points), total)
    return points, serial


def plot_chunksizes(
    points: Sequence[ChunkPoint], serial_seconds: float, *, tasks: int, workers: int
) -> Figure:
    """Wall time against chunksize, one line per API, with the serial time for reference."""
    from ...draw.plots import IDEAL_STYLE, MARKERS, colour, finish, new_figure

    if not points:
        raise ValueError("points must not be empty")
    validate_number(serial_seconds, "serial_seconds", minimum=0, above_minimum=True, unit="seconds")
    validate_positive_int(tasks, "tasks")
    validate_positive_int(workers, "workers")
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
    ax.axvline(default, color="#777777", linewidth=0.8)
    ax.annotate(
        f"Pool.map default\nchunksize={default}",
        (default, 0.97),
        xycoords=("data", "axes fraction"),
        fontsize=8,
        ha="right",
        va="top",
    )
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    plain_log_ticks(ax.yaxis)
    ticks = sorted({p.chunksize for p in points})
    ax.set_xticks(ticks, [str(c) for c in ticks])
    ax.legend(fontsize=8, loc="lower left")
    finish(
        ax,
        xlabel="chunksize (tasks per message, log scale)",
        ylabel="wall time (ms, log scale)",
        title=f"{tasks} tiny tasks on {workers} processes",
    )
    return fig


# --------------------------------------------------------------------------------------------
# The explorer: workers, task size, chunksize
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """One task as the timeline draws it (see :func:`helpers.timeline.draw_rows`)."""

    index: int
    start: float
    end: float
    running: tuple[tuple[float, float], ...]

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class PoolRun:
    """What the explorer measured: serial and pool wall times, and who ran which task when."""

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
    spans: tuple[tuple[int, float, float], ...]

    @property
    def speedup(self) -> float:
        return self.serial_seconds / self.pool_seconds

    @property
    def busy_fraction(self) -> float:
        """Share of the workers' time spent computing; the rest is messaging and waiting."""
        busy = sum(end - start for _, start, end in self.spans)
        return busy / (self.workers * self.pool_seconds)

    def rows(self) -> list[tuple[str, list[Span]]]:
        """Tasks grouped by worker process; tasks of one chunk share a colour."""
        rows: dict[int, list[Span]] = {}
        for index, (pid, start, end) in enumerate(self.spans):
            rows.setdefault(pid, []).append(
                Span(index // self.chunksize, start, end, ((start, end),))
            )
        ordered = sorted(rows.values(), key=lambda spans: min(s.start for s in spans))
        return [(f"process {i}", spans) for i, spans in enumerate(ordered, start=1)]


def run_pool(
    workers: int = 2,
    task_us: float = 1_000,
    tasks: int = 200,
    chunksize: int = 1,
    *,
    api: str = "pool",
    start_method: str | None = None,
    progress: Progress | None = None,
    timeout: float = 60.0,
) -> PoolRun:
    """Run ``tasks`` tasks of ``task_us`` serially, then on a warm pool; record everything."""
    validate_workers(workers)
    its = iterations_for(task_us)
    _validate_tasks(tasks)
    validate_positive_int(chunksize, "chunksize")
    _validate_api(api)
    _validate_pool_options(start_method, progress, timeout)
    serial = _serial_seconds(its, tasks)
    if progress is not None:
        progress(1, 3)
    with _Pool(api, workers, start_method, timeout) as pool:
        if progress is not None:
            progress(2, 3)
        t0 = time.perf_counter()
        spans = pool.map(timed_spin, [its] * tasks, chunksize=chunksize)
        wall = time.perf_counter() - t0
        method, startup = pool.start_method, pool.startup_seconds
    if progress is not None:
        progress(3, 3)
    return PoolRun(
        api, workers, tasks, task_us, chunksize, method, serial, wall, startup, t0, tuple(spans)
    )


def plot_pool_run(run: PoolRun) -> Figure:
    """Left: who ran which task when. Right: serial, pool work and pool start-up, side by side."""
    from ...draw.plots import colour, finish, new_figure
    from ...draw.timeline import draw_rows

    rows = run.rows()
    fig, (left, right) = new_figure(ncols=2, height=1.8 + 0.35 * max(2, len(rows)))
    fig.set_size_inches(12.5, fig.get_size_inches()[1])
    draw_rows(left, rows, run.t0, legend=("computing", ""))
    left.set_xlim(0, max(run.pool_seconds * 1e3 * 1.02, 0.1))
    finish(
        left,
        xlabel="time since map() was called (ms)",
        ylabel="worker",
        title=f"{run.tasks} tasks of ~{run.task_us:g} µs, chunksize {run.chunksize} "
        f"(one colour per chunk); workers busy {run.busy_fraction:.0%} of the time",
    )
    left.grid(False, axis="y")

    labels = ["serial", f"{run.workers} processes:\nthe work", "pool start-up\n(paid once)"]
    values = [run.serial_seconds, run.pool_seconds, run.startup_seconds]
    bars = right.bar(labels, [v * 1e3 for v in values], color=[colour(0), colour(1), colour(3)])
    right.bar_label(bars, labels=[f"{v * 1e3:.1f} ms" for v in values], fontsize=9)
    right.set_ylim(0, max(values) * 1e3 * 1.2)
    finish(
        right,
        xlabel=f"{MAP_APIS[run.api]} ({run.start_method})",
        ylabel="wall time (ms)",
        title=f"speedup over serial {run.speedup:.2f}x, start-up not counted",
    )
    right.grid(False, axis="x")
    return fig


def explore_pool(
    workers: int = 2,
    task_us: float = 1_000,
    tasks: int = 200,
    chunksize: int = 1,
    *,
    api: str = "pool",
    start_method: str | None = None,
    progress: Progress | None = None,
) -> tuple[Figure, PoolRun]:
    """The explorer's compute: run the pool, return the figure and the measurement."""
    run = run_pool(
        workers, task_us, tasks, chunksize, api=api, start_method=start_method, progress=progress
    )
    return plot_pool_run(run), run


def pool_explorer(
    workers: int = 2, task_us: int = 1_000, tasks: int = 100, chunksize: int = 1
) -> Any:
    """Sliders and dropdowns over :func:`explore_pool` (imports ipywidgets only when called).

    ``task_us`` and ``chunksize`` must be among the values the dropdowns offer
    (:data:`TASK_SIZES_US`, :data:`CHUNKSIZES`); ``workers`` and ``tasks`` outside the
    sliders' ranges are moved to the nearest end.
    """
    from ...draw.widgets import Explorer, dropdown, int_slider

    validate_workers(workers)
    validate_choice(task_us, "task_us", TASK_SIZES_US)
    _validate_tasks(tasks)
    validate_choice(chunksize, "chunksize", CHUNKSIZES)
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

    def compute(task_us: str, chunksize: str, **values: Any) -> tuple[Figure, PoolRun]:
        return explore_pool(task_us=int(task_us), chunksize=int(chunksize), **values)

    return Explorer(compute, controls, title="Pool explorer: workers, task size, chunksize")
