"""A connection pool limited by a semaphore, and a run of threads sharing it (notebook 06).

* :class:`ConnectionPool` — ``k`` pretend database connections guarded by a semaphore;
* :func:`run_connection_pool` — ``workers`` threads run queries through the pool, recording
  a :class:`~helpers.core.spans.Span` per query (drawn by
  :func:`helpers.lessons.semaphore.figures.draw_connection_pool`).

Every wait here is bounded and every thread started is stopped.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated

from ...core.domains import Count, Int, Millis, Progress, validated
from ...core.lifecycle import start_thread, stop
from ...core.spans import Span, held
from ...core.timing import max_overlap
from .classes import Implementation, MakeSemaphore, Permits, semaphore_class

#: Threads sharing the pool in a demo: 1 to 32.
PoolThreads = Annotated[int, Int(1, 32)]
#: Queries (tasks) in one run: 1 to 256.
Tasks = Annotated[int, Int(1, 256)]
#: How long one query (or one step of a task) takes.
QueryMs = Annotated[float, Millis(1, 500)]

BOUND_S = 30.0  # no demo of the lesson waits longer than this for anything


class ConnectionPool:
    """``size`` pretend database connections, shared by any number of threads.

    The semaphore counts free connections: a thread that gets a permit is sure to find a
    free connection. The list of free connections still needs its own lock, because the
    semaphore lets up to ``size`` threads in *at the same time*.
    """

    @validated
    def __init__(self, size: Count, make_semaphore: MakeSemaphore = threading.BoundedSemaphore):
        self.size = size
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
class ConnectionUse:
    """One query: its ``span`` (asked for a connection at ``start``, held it from
    ``running[0]`` until ``end``; ``row`` is the thread) and the ``connection`` it used."""

    span: Span
    connection: int


@dataclass(frozen=True)
class ConnectionPoolRun:
    """Outcome of :func:`run_connection_pool`."""

    workers: int
    permits: int
    task_ms: float
    t0: float
    wall: float
    uses: tuple[ConnectionUse, ...]  # sorted by task index

    def in_use_at_once(self) -> int:
        """The most connections held at the same moment (by the records: a lower bound of
        the truth, since each record starts after acquire and ends before release)."""
        return max_overlap(interval for use in self.uses for interval in use.span.running)

    def connection_shared(self) -> bool:
        """True if any connection was ever used by two tasks at the same time."""
        by_connection: dict[int, list[tuple[float, float]]] = {}
        for use in self.uses:
            by_connection.setdefault(use.connection, []).extend(use.span.running)
        return any(max_overlap(spans) > 1 for spans in by_connection.values())

    @property
    def throughput(self) -> float:
        """Tasks finished per second."""
        return len(self.uses) / self.wall

    def ideal_throughput(self) -> float:
        """With no overhead: ``min(permits, workers)`` tasks in flight, each ``task_ms`` long."""
        return min(self.permits, self.workers) / (self.task_ms / 1e3)


@validated
def run_connection_pool(
    workers: PoolThreads = 6,
    permits: Permits = 2,
    tasks: Tasks = 12,
    task_ms: QueryMs = 30,
    implementation: Implementation = "threading",
    *,
    progress: Progress = None,
) -> ConnectionPoolRun:
    """``workers`` threads run ``tasks`` tasks; each task holds one of ``permits`` pool
    connections for ``task_ms`` milliseconds (a sleep, standing for a database query)."""
    seconds = task_ms / 1e3
    pool = ConnectionPool(permits, semaphore_class(implementation))
    todo: queue.SimpleQueue[int] = queue.SimpleQueue()
    for index in range(tasks):
        todo.put(index)
    uses: list[ConnectionUse] = []
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
                with pool.connection(timeout=BOUND_S) as conn:
                    got = time.perf_counter()
                    time.sleep(seconds)  # the query
                    end = time.perf_counter()
                span = held(index, start, got, end, row=name)
                uses.append(ConnectionUse(span, conn))  # list.append is atomic
        except BaseException as error:  # reported by the caller, never lost in a thread
            errors.append(error)

    t0 = time.perf_counter()
    threads = [start_thread(worker, f"thread {i + 1}") for i in range(workers)]
    deadline = time.monotonic() + BOUND_S + tasks * seconds
    for thread in threads:
        while thread.is_alive() and time.monotonic() < deadline:
            thread.join(0.02)
            if progress is not None:
                progress(len(uses), tasks)
    wall = time.perf_counter() - t0
    stop(threads, 0).check("the connection pool's threads")
    if errors:
        raise errors[0]
    ordered = tuple(sorted(uses, key=lambda use: use.span.index))
    return ConnectionPoolRun(workers, permits, task_ms, t0, wall, ordered)
