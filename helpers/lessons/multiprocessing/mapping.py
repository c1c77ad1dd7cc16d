"""Notebook 08: ``map`` on a warm process pool, the measuring tool of the sweeps and the explorer.

Tasks are :func:`~helpers.lessons.multiprocessing.child.timed_spin` calls sized in
microseconds; :class:`MapPool` is one warm pool of either API (``multiprocessing.Pool`` or
``ProcessPoolExecutor``) whose ``map`` is bounded and which is always stopped on the way out.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Annotated, Any

from ...core import machine
from ...core.domains import Choice, Count, Fn, Int, Number, Workers, validated
from ...core.lifecycle import ignore_interrupts, stop_pool
from ...core.machine import StartMethod
from ...core.workloads import seconds_per_unit
from .child import Deadline, TaskTime, _timed_spin, pid_after

#: Task sizes the explorer offers, in microseconds of pure-Python work.
TASK_SIZES_US: tuple[int, ...] = (1, 10, 100, 1_000, 10_000)
#: Chunk sizes the explorer offers.
CHUNKSIZES: tuple[int, ...] = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)
#: The two APIs with a ``map(..., chunksize=...)``.
MAP_APIS: dict[str, str] = {
    "pool": "multiprocessing.Pool.map",
    "executor": "ProcessPoolExecutor.map",
}

#: One of :data:`MAP_APIS`.
Api = Annotated[str, Choice(MAP_APIS)]
#: Work in one task: from 0.1 µs to a second.
TaskUs = Annotated[float, Number(0.1, 1_000_000, unit="microseconds")]
#: Tasks in one ``map``.
Tasks = Annotated[int, Int(1, 20_000)]
#: Timed runs of one measurement, of which the fastest is kept.
Repeats = Annotated[int, Int(1, 20)]


@validated
def iterations_for(task_us: TaskUs) -> int:
    """How many :func:`helpers.core.workloads.spin` iterations take about ``task_us`` µs."""
    return max(1, round(task_us * 1e-6 / seconds_per_unit("cpu")))


@validated
def pool_default_chunksize(tasks: Count, workers: Count) -> int:
    """The chunksize ``Pool.map`` picks when you give none: about 4 chunks per worker.

    ``ProcessPoolExecutor.map`` and ``Pool.imap`` default to 1 instead.
    """
    chunksize, extra = divmod(tasks, workers * 4)
    return chunksize + 1 if extra else chunksize


class MapPool:
    """One warm pool of either API with a bounded ``map``; always stopped on the way out.

    Use it as a context manager. The workers are started, and have each run a task, before
    the constructor returns: ``startup_seconds`` is that cost, which no measurement counts.
    """

    @validated
    def __init__(
        self, api: Api, workers: Workers, start_method: StartMethod, timeout: Deadline
    ) -> None:
        self.api = api
        self.workers = workers
        self.timeout = timeout
        context = machine.mp_context(start_method)
        self.start_method = context.get_start_method()
        started = time.perf_counter()
        if api == "pool":
            self._pool: Any = context.Pool(workers, initializer=ignore_interrupts)
        else:
            self._pool = ProcessPoolExecutor(
                max_workers=workers, mp_context=context, initializer=ignore_interrupts
            )
        try:
            self._warm_up()
        except BaseException:
            self._stop(failed=True)
            raise
        self.startup_seconds = time.perf_counter() - started

    def _warm_up(self) -> None:
        """Wait until every worker has started and run something, so start-up is not timed."""
        seen: set[int] = set()
        deadline = time.perf_counter() + self.timeout
        while len(seen) < self.workers and time.perf_counter() < deadline:
            seen.update(self.map(pid_after, [0.02] * self.workers, chunksize=1))

    def map(self, fn: Callable[[Any], Any], items: Sequence[Any], chunksize: int) -> list[Any]:
        """``fn`` over ``items`` in ``chunksize`` tasks per message, within the pool's timeout."""
        if self.api == "pool":
            return self._pool.map_async(fn, items, chunksize).get(self.timeout)
        return list(self._pool.map(fn, items, timeout=self.timeout, chunksize=chunksize))

    def map_spin(self, iterations: int, tasks: int, chunksize: int) -> list[TaskTime]:
        """``tasks`` timed spins of ``iterations`` each: ``(pid, start, end)`` per task."""
        return self.map(_timed_spin, [iterations] * tasks, chunksize)

    def __enter__(self) -> MapPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop(failed=exc_info[0] is not None)

    def _stop(self, *, failed: bool) -> None:
        if self.api == "pool":
            self._pool.terminate()  # the work is done (or abandoned): nothing left to wait for
            self._pool.join()
        elif not failed:
            self._pool.shutdown(wait=True)
        else:
            # The error on its way out is the report; the pool's workers must not outlive it.
            stop_pool(self._pool)


@validated
def best_of(repeats: Repeats, run: Annotated[Callable[[], object], Fn()]) -> tuple[float, Any]:
    """The fastest of ``repeats`` runs of ``run()`` in seconds (the one least disturbed by
    anything else on the machine), with what the last run returned."""
    best, returned = float("inf"), None
    for _ in range(repeats):
        started = time.perf_counter()
        returned = run()
        best = min(best, time.perf_counter() - started)
    return best, returned


@validated
def time_serial(iterations: Annotated[int, Int(0)], tasks: Tasks, repeats: Repeats = 1) -> float:
    """The same tasks in a plain loop in this process: the baseline every pool is held to."""

    def loop() -> None:
        for _ in range(tasks):
            _timed_spin(iterations)

    return best_of(repeats, loop)[0]
