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
_MAX_TASK_SECONDS = 60.0

Interval = tuple[float, float]


def validate_kind(kind: object, argument: str = "kind") -> str:
    """Return ``kind`` if it is a known workload kind, else raise naming the allowed values."""
    allowed = list(WORKLOAD_KINDS)
    if not isinstance(kind, str):
        raise TypeError(f"{argument} must be a string, one of {allowed}; got {kind!r}")
    if kind not in WORKLOAD_KINDS:
        raise ValueError(f"{argument} must be one of {allowed}; got {kind!r}")
    return kind


def validate_positive_int(value: object, argument: str) -> int:
    """Return ``value`` if it is an int >= 1 (bools are refused), else raise naming ``argument``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{argument} must be an int >= 1; got {value!r}")
    if value < 1:
        raise ValueError(f"{argument} must be >= 1; got {value}")
    return value


def validate_seconds(value: object, argument: str, maximum: float = _MAX_TASK_SECONDS) -> float:
    """Return ``value`` as a float if it is a number in (0, maximum], else raise naming it."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{argument} must be a number of seconds; got {value!r}")
    if not 0 < value <= maximum:
        raise ValueError(f"{argument} must be > 0 and <= {maximum:g} seconds; got {value!r}")
    return float(value)


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
    """A short wait that makes a pool start its workers before anything is timed."""
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
    amount = calibrate(kind, task_seconds)
    return [TaskSpec(index=i, kind=kind, amount=amount) for i in range(tasks)]
