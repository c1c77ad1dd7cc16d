"""Tasks for the demos, calibrated to a target duration on the machine that runs them.

Three kinds of work, chosen because they behave differently under the GIL:

``cpu``
    A pure-Python loop. It holds the GIL the whole time it runs, so threads take turns.
``io``
    A blocking wait (``time.sleep``), standing for a network or disk call. The GIL is released
    while waiting, so threads overlap.
``hash``
    SHA-256 over a large buffer: C code that releases the GIL, so even threads run it in
    parallel on several cores.

Everything here is defined at module level so a process pool can pickle it under every start
method (``fork``, ``spawn``, ``forkserver``).
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from dataclasses import dataclass
from typing import Annotated

from .domains import Choice, Int, Of, Seconds, validated
from .spans import Interval, Span

#: Kinds of work, with the words the widgets and plots use for them.
WORKLOAD_KINDS: dict[str, str] = {
    "cpu": "CPU-bound (pure Python)",
    "io": "I/O-bound (sleep)",
    "hash": "CPU-bound in C (hashlib, releases the GIL)",
}

#: A gap longer than this between two slices of a CPU task means the thread was not running.
#: Slices take about 0.05 ms; the GIL is handed over every 5 ms by default.
PAUSE_THRESHOLD_S = 0.001

_SLICE_ITERATIONS = 1_000
_HASH_BLOCK = bytes(4 * 1024 * 1024)  # zero bytes: hashing speed does not depend on content


Kind = Annotated[str, Choice(WORKLOAD_KINDS)]


@validated
def spin(iterations: Annotated[int, Int(0)]) -> int:
    """Pure-Python arithmetic: the textbook CPU-bound task. Holds the GIL while it runs."""
    return _spin(iterations)


def _spin(iterations: int) -> int:
    # The loop itself, unchecked: it runs in slices of a thousand iterations, and a check per
    # slice would show up in the timings.
    total = 0
    for i in range(iterations):
        total += i * i % 7
    return total


@dataclass(frozen=True)
class TaskSpec:
    """One task to run: which kind, and how much of it (iterations, seconds or hash blocks)."""

    index: int
    kind: str
    amount: float


@dataclass(frozen=True, kw_only=True)
class TaskRecord(Span):
    """What happened to one task: who ran it, when, and when it was really running.

    A :class:`~helpers.core.spans.Span` (``running`` lists the intervals in which the task
    made progress; between them it waited for the GIL, a core, or I/O) that also says which
    process and thread ran it.
    """

    kind: str
    pid: int
    thread_id: int
    thread_name: str

    @property
    def worker_key(self) -> tuple[int, int]:
        """Identifies the worker (process and thread) that ran this task."""
        return (self.pid, self.thread_id)


@validated
def cpu_with_running_intervals(iterations: Annotated[int, Int(0)]) -> tuple[Interval, ...]:
    """Run :func:`spin` in short slices and note when the thread was really running.

    After each slice we read the clock. A gap much longer than a slice means another thread
    (or process) had the GIL or the core meanwhile; that is how the timeline shows threads
    taking turns.
    """
    return _running_intervals(iterations)


def _running_intervals(iterations: int) -> tuple[Interval, ...]:
    # The unchecked loop: the course's own callers pass calibrated amounts.
    clock = time.perf_counter
    first = last = clock()
    intervals: list[Interval] = []
    done = 0
    while done < iterations:
        step = min(_SLICE_ITERATIONS, iterations - done)
        _spin(step)
        done += step
        now = clock()
        if now - last > PAUSE_THRESHOLD_S:
            intervals.append((first, last))
            first = now
        last = now
    intervals.append((first, last))
    return tuple(intervals)


@validated
def hash_blocks(blocks: Annotated[int, Int(0)]) -> str:
    """SHA-256 over ``blocks`` blocks of 4 MiB. hashlib releases the GIL for each block."""
    return _hash_blocks(blocks)


def _hash_blocks(blocks: int) -> str:
    digest = hashlib.sha256()
    view = memoryview(_HASH_BLOCK)
    for _ in range(blocks):
        digest.update(view)
    return digest.hexdigest()


@validated
def run_task(spec: Annotated[TaskSpec, Of(TaskSpec)]) -> TaskRecord:
    """Run one task and record where and when it ran. This is what every executor calls."""
    current = threading.current_thread()
    start = time.perf_counter()
    if spec.kind == "cpu":
        running = _running_intervals(int(spec.amount))
    elif spec.kind == "io":
        time.sleep(spec.amount)
        running = ()
    elif spec.kind == "hash":
        _hash_blocks(int(spec.amount))
        running = ((start, time.perf_counter()),)
    else:
        raise ValueError(f"spec.kind must be one of {list(WORKLOAD_KINDS)}; got {spec.kind!r}")
    end = time.perf_counter()
    return TaskRecord(
        index=spec.index,
        kind=spec.kind,
        pid=os.getpid(),
        thread_id=threading.get_ident(),
        thread_name=current.name,
        start=start,
        end=end,
        running=running,
    )


@validated
def warm_up(seconds: Annotated[float, Seconds(60)]) -> int:
    """Make a pool start its workers, and warm them, before anything is timed.

    A worker's first run of the task loop is slower than the rest: a forked child first copies
    the memory pages it writes to, any child fills its caches. A few slices of the real loop
    move that one-off cost into the pool's start-up time, where it belongs.
    """
    _running_intervals(20 * _SLICE_ITERATIONS)
    time.sleep(seconds)
    return os.getpid()


_seconds_per_unit: dict[str, float] = {}


def _time_best_of(run: object, units: int, repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        run(units)  # type: ignore[operator]
        best = min(best, time.perf_counter() - start)
    return best / units


@validated
def seconds_per_unit(kind: Kind) -> float:
    """Measured cost of one unit of work on this machine (cached for the process).

    The fastest of three runs is used: it is the one least disturbed by anything else running.
    """
    if kind == "io":
        return 1.0
    if kind not in _seconds_per_unit:
        if kind == "cpu":
            _seconds_per_unit[kind] = _time_best_of(_running_intervals, 100_000)
        else:
            _seconds_per_unit[kind] = _time_best_of(_hash_blocks, 2)
    return _seconds_per_unit[kind]


@validated
def calibrate(kind: Kind, seconds: Annotated[float, Seconds(60)]) -> float:
    """How much work of ``kind`` takes about ``seconds`` on this machine, alone on a core."""
    if kind == "io":
        return seconds
    return max(1, round(seconds / seconds_per_unit(kind)))


@validated
def make_tasks(
    kind: Kind, tasks: Annotated[int, Int(1)], task_seconds: Annotated[float, Seconds(60)]
) -> list[TaskSpec]:
    """``tasks`` equal tasks of ``kind``, each calibrated to take about ``task_seconds``."""
    amount = calibrate(kind, task_seconds)
    return [TaskSpec(index=i, kind=kind, amount=amount) for i in range(tasks)]
