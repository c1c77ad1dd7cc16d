"""Semaphore demos for notebook 06, and the compute functions of its explorers.

* :class:`ConnectionPool` — ``k`` pretend database connections guarded by a semaphore;
* :func:`run_pool` / :func:`pool_explorer` — ``workers`` threads share the pool: a timeline
  that never shows more than ``k`` connections in use, and throughput against ``k``;
* :func:`compare_limits` — a semaphore around one step versus a pool's ``max_workers``;
* :func:`compare_semaphores` — the same facts checked on several Semaphore classes.

Every function here bounds every wait and joins every thread it starts.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ...core.facts import FactTable, fact_table, validate_classes
from ...core.lifecycle import wait_until as wait_until  # re-exported for notebook 06
from ...core.lifecycle import waiting_count as waiting_count
from ...core.timing import Progress, max_overlap
from ...core.validate import (
    validate_callable,
    validate_choice,
    validate_int,
    validate_ms,
    validate_positive_int,
)
from ...draw.plots import MARKERS, colour, finish, new_figure
from ...draw.timeline import draw_rows
from ...teaching.semaphore import BoundedSemaphore as TeachingBoundedSemaphore
from .failures import article_semaphore_example, lost_permit_deadlock

#: Semaphore classes the pool demos can run on.
IMPLEMENTATIONS: dict[str, str] = {
    "threading": "threading.BoundedSemaphore (standard library)",
    "teaching": "helpers.teaching BoundedSemaphore (the course's)",
}

MakeSemaphore = Callable[[int], Any]
_BOUND_S = 30.0  # no demo here waits longer than this for anything
_MAX_WORKERS = 32
_MAX_TASK_MS = 500


def semaphore_class(implementation: object) -> MakeSemaphore:
    """The BoundedSemaphore class behind an :data:`IMPLEMENTATIONS` key."""
    validate_choice(implementation, "implementation", IMPLEMENTATIONS)
    return threading.BoundedSemaphore if implementation == "threading" else TeachingBoundedSemaphore


def _count(value: object, argument: str, maximum: int) -> int:
    return validate_int(value, argument, 1, maximum)


def _milliseconds(value: object, argument: str, minimum: float = 1) -> float:
    return validate_ms(value, argument, minimum, _MAX_TASK_MS)


# --- A connection pool limited by a semaphore -------------------------------------------------


class ConnectionPool:
    """``size`` pretend database connections, shared by any number of threads.

    The semaphore counts free connections: a thread that gets a permit is sure to find a
    free connection. The list of free connections still needs its own lock, because the
    semaphore lets up to ``size`` threads in *at the same time*.
    """

    def __init__(self, size: int, make_semaphore: MakeSemaphore = threading.BoundedSemaphore):
        self.size = validate_positive_int(size, "size")
        validate_callable(make_semaphore, "make_semaphore")
        self._permits = make_semaphore(size)
        self._free = list(range(1, size + 1))  # connection numbers not in use
        self._free_lock = threading.Lock()

    @contextmanager
    def connection(self, timeout: float = 10.0) -> Iterator[int]:
        """``with pool.connection() as conn:`` — wait (at most ``timeout`` s) for a free one."""
        if not self._permits.acquire(timeout=timeout):
            raise TimeoutError(f"no connection became free within {timeout:g} s")
        try:
            with self._free_lock:
                conn = self._free.pop()
            try:
                yield conn
            finally:
                with self._free_lock:
                    self._free.append(conn)
        finally:
            self._permits.release()  # always, or the pool shrinks by one for good


@dataclass(frozen=True)
class Use:
    """One task: asked for a connection at ``start``, got it at ``got``, gave it back at ``end``.
    Drawn by :func:`helpers.timeline.draw_rows` (solid while it holds the connection)."""

    index: int
    worker: str
    connection: int
    start: float
    got: float
    end: float

    @property
    def running(self) -> tuple[tuple[float, float], ...]:
        return ((self.got, self.end),)

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class PoolRun:
    """Outcome of :func:`run_pool`."""

    workers: int
    permits: int
    task_ms: float
    t0: float
    wall: float
    uses: tuple[Use, ...]  # sorted by task index

    def in_use_at_once(self) -> int:
        """The most connections held at the same moment (by the records: a lower bound of
        the truth, since each record starts after acquire and ends before release)."""
        return max_overlap((u.got, u.end) for u in self.uses)

    def connection_shared(self) -> bool:
        """True if any connection was ever used by two tasks at the same time."""
        by_connection: dict[int, list[tuple[float, float]]] = {}
        for u in self.uses:
            by_connection.setdefault(u.connection, []).append((u.got, u.end))
        return any(max_overlap(spans) > 1 for spans in by_connection.values())

    @property
    def throughput(self) -> float:
        """Tasks finished per second."""
        return len(self.uses) / self.wall

    def ideal_throughput(self) -> float:
        """With no overhead: ``min(permits, workers)`` tasks in flight, each ``task_ms`` long."""
        return min(self.permits, self.workers) / (self.task_ms / 1e3)


def run_pool(
    workers: int = 6,
    permits: int = 2,
    tasks: int = 12,
    task_ms: float = 30,
    implementation: str = "threading",
    *,
    progress: Progress | None = None,
) -> PoolRun:
    """``workers`` threads run ``tasks`` tasks; each task holds one of ``permits`` pool
    connections for ``task_ms`` milliseconds (a sleep, standing for a database query)."""
    _count(workers, "workers", _MAX_WORKERS)
    _count(permits, "permits", _MAX_WORKERS)
    _count(tasks, "tasks", 256)
    seconds = _milliseconds(task_ms, "task_ms") / 1e3
    make_semaphore = semaphore_class(implementation)
    validate_callable(progress, "progress", optional=True)
    pool = ConnectionPool(permits, make_semaphore)
    todo: queue.SimpleQueue[int] = queue.SimpleQueue()
    for index in range(tasks):
        todo.put(index)
    uses: list[Use] = []
    errors: list[BaseException] = []

    def worker() -> None:
        name = threading.current_thread().name
        try:
            while True:
                try:
                    index = todo.get_nowait()
                except queue.Empty:
                    return
                start = time.perf_counter()
                with pool.connection(timeout=_BOUND_S) as conn:
                    got = time.perf_counter()
                    time.sleep(seconds)  # the query
                    end = time.perf_counter()
                uses.append(Use(index, name, conn, start, got, end))  # list.append is atomic
        except BaseException as error:  # reported by the caller, never lost in a thread
            errors.append(error)

    threads = [
        threading.Thread(target=worker, name=f"thread {i + 1}", daemon=True) for i in range(workers)
    ]
    t0 = time.perf_counter()
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + _BOUND_S + tasks * seconds
    for thread in threads:
        while thread.is_alive() and time.monotonic() < deadline:
            thread.join(0.02)
            if progress is not None:
                progress(len(uses), tasks)
    wall = time.perf_counter() - t0
    if any(t.is_alive() for t in threads):
        raise TimeoutError("the pool demo did not finish in time")
    if errors:
        raise errors[0]
    return PoolRun(workers, permits, seconds * 1e3, t0, wall, tuple(sorted(uses, key=_index)))


def _index(use: Use) -> int:
    return use.index


def _rows(uses: tuple[Use, ...], workers: int) -> list[tuple[str, list[Use]]]:
    rows: dict[str, list[Use]] = {f"thread {i + 1}": [] for i in range(workers)}
    for use in uses:
        rows[use.worker].append(use)
    return list(rows.items())


def draw_pool(ax: Axes, run: PoolRun, title: str) -> Axes:
    """The pool's timeline: one row per thread; solid while it holds a connection."""
    draw_rows(
        ax,
        _rows(run.uses, run.workers),
        run.t0,
        legend=("holds a connection\n(has a permit)", "waiting for a\nfree connection"),
    )
    ax.set_xlim(0, max(run.wall * 1e3 * 1.02, 1.0))
    finish(ax, xlabel="time since the threads started (ms)", ylabel="thread", title=title)
    ax.grid(False, axis="y")
    return ax


@dataclass(frozen=True)
class PoolSweep:
    """Outcome of :func:`pool_explorer`: the chosen run and one run per permit count."""

    chosen: PoolRun
    runs: Mapping[int, PoolRun]  # permits -> run


def _sweep_values(workers: int, permits: int) -> list[int]:
    """Permit counts to measure: every small one, a few larger ones, the chosen one, and two
    past the number of threads (where the curve must go flat)."""
    top = max(workers + 2, permits)
    candidates = {1, 2, 3, 4, 6, 8, 12, 16, 24, 32, workers, workers + 2, permits}
    return sorted(k for k in candidates if k <= top)


def pool_explorer(
    workers: int = 6,
    permits: int = 2,
    tasks: int = 12,
    task_ms: float = 30,
    implementation: str = "threading",
    *,
    progress: Progress | None = None,
) -> tuple[Figure, PoolSweep]:
    """Timeline of the pool with ``permits`` connections, and throughput against the number
    of permits (every other count measured with the same threads and tasks)."""
    _count(workers, "workers", _MAX_WORKERS)
    _count(permits, "permits", _MAX_WORKERS)
    _count(tasks, "tasks", 256)
    _milliseconds(task_ms, "task_ms")
    semaphore_class(implementation)
    validate_callable(progress, "progress", optional=True)
    ks = _sweep_values(workers, permits)
    runs: dict[int, PoolRun] = {}
    for step, k in enumerate(ks):

        def stage(done: int, total: int, step: int = step) -> None:
            if progress is not None:
                progress(step * tasks + done, len(ks) * tasks)

        runs[k] = run_pool(workers, k, tasks, task_ms, implementation, progress=stage)
    chosen = runs[permits]

    fig, (left, right) = new_figure(ncols=2, height=1.6 + 0.38 * max(2, workers))
    fig.set_size_inches(12.5, fig.get_size_inches()[1])
    draw_pool(
        left,
        chosen,
        f"{permits} connection{'s' if permits != 1 else ''}, {workers} threads, {tasks} tasks "
        f"of {task_ms:g} ms\nat most {chosen.in_use_at_once()} in use at once; "
        f"{chosen.wall * 1e3:.0f} ms in all",
    )
    xs = list(runs)
    right.plot(
        xs,
        [min(k, workers) / (task_ms / 1e3) for k in xs],
        color="#555555",
        linestyle="--",
        label="ideal: min(k, threads) / task time",
    )
    right.plot(
        xs,
        [runs[k].throughput for k in xs],
        marker=MARKERS[0],
        color=colour(0),
        label="measured",
    )
    right.plot(
        [permits],
        [chosen.throughput],
        marker="o",
        markersize=12,
        markerfacecolor="none",
        markeredgecolor="#000000",
        linestyle="none",
        label="this run (timeline)",
    )
    right.axvline(workers, color="#D55E00", linestyle=":", linewidth=1.4, label="k = threads")
    right.set_ylim(bottom=0)
    right.legend(fontsize=8, loc="lower right")
    finish(
        right,
        xlabel="permits k (pool connections)",
        ylabel="throughput (tasks/s)",
        title="Throughput against the number of permits",
    )
    fig.suptitle(
        f"{workers} threads share a pool guarded by {IMPLEMENTATIONS[implementation]}",
        fontsize=11,
    )
    return fig, PoolSweep(chosen, runs)


# --- A semaphore around one step versus a pool's max_workers ---------------------------------


@dataclass(frozen=True)
class Step:
    """A two-step task: prepare from ``start``; then, from ``got`` to ``end``, use the
    database (solid in the timeline)."""

    index: int
    worker: str
    start: float
    got: float
    end: float

    @property
    def running(self) -> tuple[tuple[float, float], ...]:
        return ((self.got, self.end),)

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class LimitedRun:
    """One way of limiting the database step: its records and wall time."""

    how: str
    threads: int
    t0: float
    wall: float
    steps: tuple[Step, ...]

    def tasks_at_once(self) -> int:
        return max_overlap((s.start, s.end) for s in self.steps)

    def database_at_once(self) -> int:
        return max_overlap((s.got, s.end) for s in self.steps)


def _limited_run(
    how: str, threads: int, tasks: int, prepare: float, use: float, sem: Any | None
) -> LimitedRun:
    def task(index: int) -> Step:
        name = threading.current_thread().name
        start = time.perf_counter()
        time.sleep(prepare)  # e.g. parse a file: needs no connection
        if sem is None:
            got = time.perf_counter()
            time.sleep(use)  # the database step
        else:
            if not sem.acquire(timeout=_BOUND_S):
                raise TimeoutError("no database permit within the time limit")
            try:
                got = time.perf_counter()
                time.sleep(use)  # the database step, at most k at a time
            finally:
                sem.release()
        return Step(index, name, start, got, time.perf_counter())

    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix=how) as pool:
        futures = [pool.submit(task, i) for i in range(tasks)]
        steps = [f.result(timeout=_BOUND_S) for f in futures]
    wall = time.perf_counter() - t0
    names = {}
    for s in sorted(steps, key=lambda s: s.start):
        names.setdefault(s.worker, f"thread {len(names) + 1}")
    renamed = tuple(Step(s.index, names[s.worker], s.start, s.got, s.end) for s in steps)
    return LimitedRun(how, threads, t0, wall, renamed)


@dataclass(frozen=True)
class LimitComparison:
    """Outcome of :func:`compare_limits`."""

    permits: int
    semaphore: LimitedRun  # big pool, semaphore around the database step
    small_pool: LimitedRun  # pool of `permits` threads, no semaphore


def compare_limits(
    tasks: int = 8,
    workers: int = 8,
    permits: int = 2,
    prepare_ms: float = 40,
    use_ms: float = 20,
    *,
    make_semaphore: MakeSemaphore = threading.BoundedSemaphore,
) -> tuple[Figure, LimitComparison]:
    """Each task prepares (``prepare_ms``, may be 0) and then uses the database (``use_ms``),
    which allows ``permits`` connections. Two ways to respect that limit:

    * a pool of ``workers`` threads and a semaphore of ``permits`` around the database step;
    * a pool of only ``permits`` threads (``max_workers=permits``), no semaphore.
    """
    _count(tasks, "tasks", 256)
    _count(workers, "workers", _MAX_WORKERS)
    _count(permits, "permits", _MAX_WORKERS)
    prepare = _milliseconds(prepare_ms, "prepare_ms", minimum=0) / 1e3  # 0: nothing to prepare
    use = _milliseconds(use_ms, "use_ms") / 1e3
    validate_callable(make_semaphore, "make_semaphore")
    with_semaphore = _limited_run(
        "semaphore", workers, tasks, prepare, use, make_semaphore(permits)
    )
    small_pool = _limited_run("max_workers", permits, tasks, prepare, use, None)

    # Row heights in proportion to the threads each run had, so a bar is as tall in both.
    fig, axes = plt.subplots(
        2,
        1,
        figsize=(10, 2.6 + 0.33 * (workers + permits)),
        gridspec_kw={"height_ratios": [workers + 1.5, permits + 1.5]},
        layout="constrained",
    )
    plt.close(fig)
    titles = (
        f"ThreadPoolExecutor(max_workers={workers}) + Semaphore({permits}) around the "
        f"database step: {with_semaphore.wall * 1e3:.0f} ms",
        f"ThreadPoolExecutor(max_workers={permits}), no semaphore: {small_pool.wall * 1e3:.0f} ms",
    )
    end = max(with_semaphore.wall, small_pool.wall) * 1e3 * 1.02
    for ax, run, title in zip(axes, (with_semaphore, small_pool), titles, strict=True):
        rows: dict[str, list[Step]] = {}
        for s in sorted(run.steps, key=lambda s: s.worker):
            rows.setdefault(s.worker, []).append(s)
        ordered = sorted(rows.items(), key=lambda item: int(item[0].split()[-1]))
        legend = ("database step\n(holds a permit)", "preparing, or\nwaiting")
        draw_rows(ax, ordered, run.t0, legend=legend)
        ax.set_xlim(0, end)
        xlabel = "time since the first task was submitted (ms)"
        finish(ax, xlabel=xlabel, ylabel="thread", title=title)
        ax.grid(False, axis="y")
    return fig, LimitComparison(permits, with_semaphore, small_pool)


# --- One set of facts, several implementations ----------------------------------------------


def _with_takes_and_gives_back(make: MakeSemaphore) -> bool:
    sem = make(1)
    with sem:
        inside = sem.acquire(False)
    after = sem.acquire(False)
    return inside is False and after is True


def _non_blocking_returns_false(make: MakeSemaphore) -> bool:
    sem = make(1)
    return sem.acquire(False) is True and sem.acquire(False) is False


def _timeout_returns_false(make: MakeSemaphore) -> bool:
    return make(0).acquire(timeout=0.01) is False


def _release_n(make: MakeSemaphore) -> bool:
    sem = make(2)
    sem.acquire()
    sem.acquire()
    sem.release(2)
    return sem.acquire(False) and sem.acquire(False) and not sem.acquire(False)


def _negative_start_refused(make: MakeSemaphore) -> bool:
    try:
        make(-1)
    except ValueError:
        return True
    return False


SEMAPHORE_FACTS: tuple[tuple[str, Callable[[Any], bool]], ...] = (
    ("`with sem:` takes a permit and gives it back", _with_takes_and_gives_back),
    ("acquire(blocking=False) returns False when none is free", _non_blocking_returns_false),
    ("acquire(timeout=…) returns False when the time runs out", _timeout_returns_false),
    ("release(n) gives back n permits at once", _release_n),
    ("a negative start value raises ValueError", _negative_start_refused),
    (
        "the syllabus's 5-thread example ends with all 3 permits",
        lambda make: article_semaphore_example(make).final_value == 3,
    ),
    (
        "after a hand-over, a newcomer gets the free permit",
        lambda make: lost_permit_deadlock(make, patience=0.2).acquire_succeeded,
    ),
)


def compare_semaphores(classes: Mapping[str, MakeSemaphore]) -> FactTable:
    """Check :data:`SEMAPHORE_FACTS` on each Semaphore class."""
    validate_classes(classes)
    return fact_table(SEMAPHORE_FACTS, classes)
