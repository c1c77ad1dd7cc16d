"""Interleaving-lab levels for lesson 07: be the scheduler that hangs ``shutdown(wait=True)``.

:data:`SHUTDOWN_HANGS`: the syllabus's first pool sketch: its worker loops
``while not self._shutdown: task = self._work_queue.get()``, and ``shutdown(wait=True)`` only
sets the flag, then joins. Make ``shutdown`` never return: the worker is already blocked in
``get()`` and never sees the flag (a deadlock). Fixed: the standard ``ThreadPoolExecutor`` and
the course's teaching one, which wake their workers with a sentinel. Their proof steps through
the pools' own code too (``concurrent.futures.thread`` and ``helpers.teaching.executor``), so a
switch may come inside ``submit``, ``_worker`` or ``shutdown``.
"""

from __future__ import annotations

import concurrent.futures
from typing import Any

from ...core.domains import AnyInt, validated
from ...lab.levels import Level, reach_deadlock
from ...sketches.executor import SyllabusSketch1
from ...teaching.executor import ThreadPoolExecutor as TeachingExecutor


class Job:
    """A pool with one worker (started by setup), and what the main thread saw."""

    def __init__(self, make_pool: Any = SyllabusSketch1) -> None:
        self.pool = make_pool(max_workers=1)
        self.result: Any = None
        self.shut_down = False


@validated
def square(x: AnyInt) -> int:
    return x * x


def submit_then_shutdown(job: Job) -> None:
    future = job.pool.submit(square, 7)
    job.result = future.result()
    job.pool.shutdown(wait=True)
    job.shut_down = True


def show_job(job: Job) -> dict[str, Any]:
    return {
        "result": job.result,
        "_shutdown": job.pool._shutdown,
        "queued": job.pool._work_queue.qsize(),
        "shut_down": job.shut_down,
    }


SHUTDOWN_HANGS = Level(
    key="shutdown_hangs",
    title="shutdown(wait=True) never returns",
    threads={"main": submit_then_shutdown},
    setup=Job,
    show=show_job,
    check=lambda job: job.shut_down and job.result == 49,
    goal=reach_deadlock("shutdown(wait=True) waits for a worker that waits for work: a deadlock"),
    hint=(
        "The worker W1 checks the flag, then waits in get(). Let it finish the task and go "
        "back to get() before main calls shutdown()."
    ),
    granularity="line",
    step=("helpers.sketches.executor",),
    fixed_setup=lambda: Job(concurrent.futures.ThreadPoolExecutor),
    # The fix is proven inside the pools' own code: each step may switch threads there too.
    fixed_step=("concurrent.futures.thread", "helpers.teaching.executor"),
    fix="shutdown() also wakes every worker blocked in get(): it puts a sentinel (None) on "
    "the queue, which each worker passes on before it exits.",
    also_fixed=(("teaching", None, lambda: Job(TeachingExecutor)),),
)

LEVELS = (SHUTDOWN_HANGS,)
