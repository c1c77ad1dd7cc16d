"""A semaphore around one step versus a pool's ``max_workers`` (notebook 06).

Each task prepares (needs no connection), then uses the database, which allows ``permits``
connections. :func:`compare_limits` respects that limit in two ways and records a
:class:`~helpers.core.spans.Span` per task (solid: the database step);
:func:`helpers.lessons.semaphore.figures.draw_limits` draws both.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Annotated, Any

from ...core.domains import Millis, validated
from ...core.spans import Span, held
from ...core.timing import max_overlap
from .classes import MakeSemaphore, Permits
from .pool import BOUND_S, PoolThreads, QueryMs, Tasks

#: How long a task prepares before its database step (0: nothing to prepare).
PrepareMs = Annotated[float, Millis(0, 500)]


@dataclass(frozen=True)
class LimitedRun:
    """One way of limiting the database step: a span per task (``row``: the thread, numbered
    by when it first started; solid: the database step) and the wall time."""

    how: str
    threads: int
    t0: float
    wall: float
    steps: tuple[Span, ...]

    def tasks_at_once(self) -> int:
        return max_overlap((s.start, s.end) for s in self.steps)

    def database_at_once(self) -> int:
        return max_overlap(interval for s in self.steps for interval in s.running)


def _limited_run(
    how: str, threads: int, tasks: int, prepare: float, use: float, sem: Any | None
) -> LimitedRun:
    def task(index: int) -> Span:
        name = threading.current_thread().name
        start = time.perf_counter()
        time.sleep(prepare)  # e.g. parse a file: needs no connection
        if sem is None:
            got = time.perf_counter()
            time.sleep(use)  # the database step
        else:
            if not sem.acquire(timeout=BOUND_S):
                raise TimeoutError("no database permit within the time limit")
            try:
                got = time.perf_counter()
                time.sleep(use)  # the database step, at most k at a time
            finally:
                sem.release()
        return held(index, start, got, time.perf_counter(), row=name)

    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix=how) as pool:
        futures = [pool.submit(task, i) for i in range(tasks)]
        steps = [f.result(timeout=BOUND_S) for f in futures]
    wall = time.perf_counter() - t0
    names: dict[str, str] = {}
    for s in sorted(steps, key=lambda s: s.start):
        names.setdefault(s.row, f"thread {len(names) + 1}")
    renamed = tuple(dataclasses.replace(s, row=names[s.row]) for s in steps)
    return LimitedRun(how, threads, t0, wall, renamed)


@dataclass(frozen=True)
class LimitComparison:
    """Outcome of :func:`compare_limits`."""

    permits: int
    semaphore: LimitedRun  # big pool, semaphore around the database step
    small_pool: LimitedRun  # pool of `permits` threads, no semaphore

    def describe(self) -> str:
        """Which way finished first, as measured (never assumed)."""
        fast, slow = self.semaphore.wall, self.small_pool.wall
        if fast < slow:
            return (
                f"Here the semaphore's way finished first: {fast * 1e3:.0f} ms against "
                f"{slow * 1e3:.0f} ms ({slow / fast:.1f} times as long with max_workers)."
            )
        return (
            f"Here the semaphore's way did not finish first ({fast * 1e3:.0f} ms against "
            f"{slow * 1e3:.0f} ms): with nothing to prepare, or on a busy machine, the two "
            "ways can come out even."
        )


@validated
def compare_limits(
    tasks: Tasks = 8,
    workers: PoolThreads = 8,
    permits: Permits = 2,
    prepare_ms: PrepareMs = 40,
    use_ms: QueryMs = 20,
    *,
    make_semaphore: MakeSemaphore = threading.BoundedSemaphore,
) -> LimitComparison:
    """Each task prepares (``prepare_ms``, may be 0) and then uses the database (``use_ms``),
    which allows ``permits`` connections. Two ways to respect that limit:

    * a pool of ``workers`` threads and a semaphore of ``permits`` around the database step;
    * a pool of only ``permits`` threads (``max_workers=permits``), no semaphore.
    """
    prepare, use = prepare_ms / 1e3, use_ms / 1e3
    with_semaphore = _limited_run(
        "semaphore", workers, tasks, prepare, use, make_semaphore(permits)
    )
    small_pool = _limited_run("max_workers", permits, tasks, prepare, use, None)
    return LimitComparison(permits, with_semaphore, small_pool)
