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
from dataclasses import dataclass, field

# The course's validators live in helpers.validate; they are re-exported here, where the
# course has always imported them from (``from .workloads import validate_positive_int``).
from .validate import MAX_TIMEOUT_S as MAX_TIMEOUT_S
from .validate import validate_callable as validate_callable
from .validate import validate_choice as validate_choice
from .validate import validate_flag as validate_flag
from .validate import validate_has as validate_has
from .validate import validate_instance as validate_instance
from .validate import validate_int as validate_int
from .validate import validate_items as validate_items
from .validate import validate_ms as validate_ms
from .validate import validate_non_negative_int as validate_non_negative_int
from .validate import validate_number as validate_number
from .validate import validate_positive_int as validate_positive_int
from .validate import validate_seconds as validate_seconds
from .validate import validate_timeout as validate_timeout

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

Interval = tuple[float, float]


def validate_kind(kind: object, argument: str = "kind") -> str:
    """Return ``kind`` if it is a known workload kind, else raise naming the allowed values."""
    validate_choice(kind, argument, WORKLOAD_KINDS)
    assert isinstance(kind, str)
    return kind


def spin(iterations: int) -> int:
    """Pure-Python arithmetic: the textbook CPU-bound task. Holds the GIL while it runs."""
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


@dataclass(frozen=True)
class TaskRecord:
    """What happened to one task: who ran it, when, and when it was really running.

    Times are ``time.perf_counter()`` values. That clock is system-wide on Linux, macOS and
    Windows, so records from worker processes line up with the parent's.
    ``running`` lists the intervals in which the task made progress; between them it waited
    (for the GIL, a core, or I/O).
    """

    index: int
    kind: str
    pid: int
    thread_id: int
    thread_name: str
    start: float
    end: float
    running: tuple[Interval, ...] = field(default=())

    @property
    def worker_key(self) -> tuple[int, int]:
        """Identifies the worker (process and thread) that ran this task."""
        return (self.pid, self.thread_id)

    @property
    def duration(self) -> float:
        return self.end - self.start


def cpu_with_running_intervals(iterations: int) -> tuple[Interval, ...]:
    """Run :func:`spin` in short slices and note when the thread was really running.

    After each slice we read the clock. A gap much longer than a slice means another thread
    (or process) had the GIL or the core meanwhile; that is how the timeline shows threads
    taking turns.
    """
    clock = time.perf_counter
    first = last = clock()
    intervals: list[Interval] = []
    done = 0
    while done < iterations:
        step = min(_SLICE_ITERATIONS, iterations - done)
        spin(step)
        done += step
        now = clock()
        if now - last > PAUSE_THRESHOLD_S:
            intervals.append((first, last))
            first = now
        last = now
    intervals.append((first, last))
    return tuple(intervals)


def hash_blocks(blocks: int) -> str:
    """SHA-256 over ``blocks`` blocks of 4 MiB. hashlib releases the GIL for each block."""
    digest = hashlib.sha256()
    view = memoryview(_HASH_BLOCK)
    for _ in range(blocks):
        digest.update(view)
    return digest.hexdigest()


def run_task(spec: TaskSpec) -> TaskRecord:
    """Run one task and record where and when it ran. This is what every executor calls."""
    current = threading.current_thread()
    start = time.perf_counter()
    if spec.kind == "cpu":
        running = cpu_with_running_intervals(int(spec.amount))
    elif spec.kind == "io":
        time.sleep(spec.amount)
        running = ()
    elif spec.kind == "hash":
        hash_blocks(int(spec.amount))
        running = ((start, time.perf_counter()),)
    else:
        validate_kind(spec.kind, "spec.kind")
        raise AssertionError("unreachable")
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


def warm_up(seconds: float) -> int:
    """Make a pool start its workers, and warm them, before anything is timed.

    A worker's first run of the task loop is slower than the rest: a forked child first copies
    the memory pages it writes to, any child fills its caches. A few slices of the real loop
    move that one-off cost into the pool's start-up time, where it belongs.
    """
    cpu_with_running_intervals(20 * _SLICE_ITERATIONS)
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


def seconds_per_unit(kind: str) -> float:
    """Measured cost of one unit of work on this machine (cached for the process).

    The fastest of three runs is used: it is the one least disturbed by anything else running.
    """
    validate_kind(kind)
    if kind == "io":
        return 1.0
    if kind not in _seconds_per_unit:
        if kind == "cpu":
            _seconds_per_unit[kind] = _time_best_of(cpu_with_running_intervals, 100_000)
        else:
            _seconds_per_unit[kind] = _time_best_of(hash_blocks, 2)
    return _seconds_per_unit[kind]


def calibrate(kind: str, seconds: float) -> float:
    """How much work of ``kind`` takes about ``seconds`` on this machine, alone on a core."""
    validate_kind(kind)
    validate_seconds(seconds, "seconds")
    if kind == "io":
        return seconds
    return max(1, round(seconds / seconds_per_unit(kind)))


def make_tasks(kind: str, tasks: int, task_seconds: float) -> list[TaskSpec]:
    """``tasks`` equal tasks of ``kind``, each calibrated to take about ``task_seconds``."""
    validate_kind(kind)
    validate_positive_int(tasks, "tasks")
    validate_seconds(task_seconds, "task_seconds")
    amount = calibrate(kind, task_seconds)
    return [TaskSpec(index=i, kind=kind, amount=amount) for i in range(tasks)]
