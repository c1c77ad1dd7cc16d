"""What notebook 08's child processes and pool workers run.

A spawned (or forkserver) child finds its target by importing the module that defines it, by
name. So everything a ``Process``, a ``Pool`` or a ``ProcessPoolExecutor`` runs in the lesson
is defined here, at module level, and never in a notebook cell.

Child-safe: the standard library and :mod:`helpers.core` only, so a child pays for no import
it does not use (``tests/course/test_imports.py`` checks it in a fresh interpreter).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, wait
from dataclasses import dataclass
from multiprocessing import util
from multiprocessing.connection import Connection
from typing import Annotated, Any

from ...core.domains import AnyInt, Choice, Int, Number, Seconds, Text, validated
from ...core.validate import MAX_TIMEOUT_S
from ...core.workloads import _spin

#: The process that imported this module: each child reports it, to show who did the import
#: (the child itself under spawn; under fork the parent, whose memory the child copied; under
#: forkserver the fork server, if it preloaded this module).
IMPORTED_BY = os.getpid()

#: How long a child sleeps: 0 (not at all) up to an hour.
Pause = Annotated[float, Number(0, 3600, unit="seconds")]
#: How long the parent waits for its children before it gives up: more than 0, at most a week.
Deadline = Annotated[float, Seconds(MAX_TIMEOUT_S)]
#: ``(pid, start, end)`` of one task: which process ran it, and when (``time.perf_counter()``).
TaskTime = tuple[int, float, float]


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


@dataclass(frozen=True)
class ImportInfo:
    """Who imported this module, seen from the process that runs the call."""

    pid: int
    parent_pid: int
    imported_by: int

    @property
    def importer(self) -> str:
        """``"itself"``, ``"its parent"`` or ``"another process"``."""
        if self.imported_by == self.pid:
            return "itself"
        return "its parent" if self.imported_by == self.parent_pid else "another process"


def who_imported_me(_: object = None) -> ImportInfo:
    """This process's pid, its parent's, and the pid of the process that imported this module."""
    return ImportInfo(os.getpid(), os.getppid(), IMPORTED_BY)


@validated
def send_import_info(conn: Connection) -> None:
    """Send :func:`who_imported_me` on ``conn`` (a pipe end), then close it."""
    try:
        conn.send(who_imported_me())
    finally:
        conn.close()


@validated
def square(x: AnyInt) -> int:
    return x * x


@validated
def cube(x: AnyInt) -> int:
    return x**3


@validated
def add(a: AnyInt, b: AnyInt) -> int:
    """Two arguments: the function ``starmap`` is for."""
    return a + b


@validated
def slow_square(x: AnyInt, seconds: Pause) -> int:
    """``x * x`` after a wait: tasks that finish in a different order than they started."""
    time.sleep(seconds)
    return x * x


@validated
def nap(seconds: Pause) -> float:
    """Sleep ``seconds`` and return it: tasks of known, different lengths for ``imap``."""
    time.sleep(seconds)
    return seconds


@validated
def pid_after(seconds: Pause = 0.0) -> int:
    """This worker's pid (after an optional wait), to see which process ran a task."""
    time.sleep(seconds)
    return os.getpid()


@validated
def sleep_then_exit(seconds: Pause, code: Annotated[int, Int(0, 255)] = 0) -> None:
    """Wait, then end the process with exit status ``code`` (0 means success)."""
    time.sleep(seconds)
    if code:
        sys.exit(code)


@validated
def fail(message: Text) -> None:
    """Raise ``ValueError(message)`` in whichever process runs this."""
    raise ValueError(message)


#: A signal a child may send itself (POSIX).
SignalNumber = Annotated[int, Int(1, 64)]
_SIGKILL = int(getattr(signal, "SIGKILL", 9))


@validated
def kill_self(signum: SignalNumber = _SIGKILL) -> None:
    """End this process with signal ``signum`` (SIGKILL by default: no cleanup, no traceback),
    as the kernel's out-of-memory killer would. POSIX only."""
    os.kill(os.getpid(), signum)
    time.sleep(5)  # the signal arrives at once; never return as if nothing happened


@validated
def die(code: Annotated[int, Int(1, 255)] = 70) -> None:
    """Vanish at once with exit status ``code``, without an exception, ``finally`` blocks or
    any reply: what a crash in C code, or ``os._exit``, looks like from outside."""
    os._exit(code)


# --- Pickling: what a pool can send, and what it cannot -------------------------------------------


@validated
def scale(factor: AnyInt, x: AnyInt) -> int:
    """``factor * x``: with ``functools.partial(scale, 3)``, a picklable "times three"."""
    return factor * x


@validated
def make_scaler(factor: AnyInt) -> Callable[[int], int]:
    """A closure: ``make_scaler(3)(x) == 3 * x``. It works here, but cannot be pickled (its
    name, ``make_scaler.<locals>.scaled``, leads nowhere), so no pool can run it."""

    def scaled(x: int) -> int:
        return factor * x

    return scaled


@dataclass(frozen=True)
class Point:
    """A module-level class: its instances pickle by the name ``child.Point``."""

    x: int


@validated
def make_local_point(x: AnyInt) -> object:
    """An instance of a class defined inside this function: it cannot be pickled."""

    @dataclass(frozen=True)
    class LocalPoint:
        x: int

    return LocalPoint(x)


def double_x(point: Any) -> int:
    """``point.x * 2`` for anything with an ``x``."""
    return point.x * 2


# --- initializer: ship data to each worker once ---------------------------------------------------

_TABLE: bytes = b""
_LOADS = 0


def load_table(table: bytes) -> None:
    """A pool ``initializer``: keep ``table`` in this worker (each worker runs it once)."""
    global _TABLE, _LOADS
    _TABLE = table
    _LOADS += 1


@dataclass(frozen=True)
class Lookup:
    """One lookup: who did it, how often that worker received the table, and the byte found."""

    pid: int
    loads: int
    value: int


@validated
def lookup(index: Annotated[int, Int(0)]) -> Lookup:
    """Byte ``index`` of the table :func:`load_table` stored in this worker."""
    return Lookup(os.getpid(), _LOADS, _TABLE[index])


@validated
def lookup_in(table: bytes, index: Annotated[int, Int(0)]) -> Lookup:
    """Byte ``index`` of ``table``, which came with the task (pickled and sent every time)."""
    return Lookup(os.getpid(), 0, table[index])


# --- Worker recycling: max_tasks_per_child in a batch ---------------------------------------------


@dataclass(frozen=True)
class BatchReport:
    """What the sandbox saw: tasks finished, tasks still pending, and the pids that ran them.

    ``stalled``: tasks were pending while the pool had no worker process left at all.
    """

    tasks: int
    finished: int
    pids: tuple[int, ...]
    stalled: bool
    method: str


#: How long the sandbox watches a pool with tasks pending and no worker before it calls it stuck.
_STALL_S = 0.5


@validated
def batch_on_retiring_workers(
    report: Connection,
    tasks: Annotated[int, Int(1, 100)] = 6,
    per_child: Annotated[int, Int(1, 100)] = 2,
    method: Annotated[str, Choice(("spawn", "forkserver"))] = "spawn",
    timeout: Deadline = 30.0,
) -> None:
    """Submit ``tasks`` at once to ``ProcessPoolExecutor(1, max_tasks_per_child=per_child)``
    and send a :class:`BatchReport` on ``report``.

    Run this in a process of its own (a sandbox). On Python versions with gh-115634, the
    worker retires after ``per_child`` tasks and no replacement is ever started: the pool
    has tasks and no worker, and ``shutdown()`` would wait for them forever. The sandbox
    notices (no worker process for a while), removes the pool's semaphores as an exit would,
    and reports; then it stays stuck at exit, waiting for the pool, until its parent
    terminates it. On fixed versions every task runs, the pool shuts down, and the sandbox
    reports and exits normally.
    """
    pool = ProcessPoolExecutor(
        1, mp_context=multiprocessing.get_context(method), max_tasks_per_child=per_child
    )
    futures = [pool.submit(pid_after) for _ in range(tasks)]
    deadline = time.monotonic() + timeout
    idle_since: float | None = None
    stalled = False
    while time.monotonic() < deadline:
        _, pending = wait(futures, timeout=0.05)
        if not pending:
            break
        if multiprocessing.active_children():  # also reaps workers that have exited
            idle_since = None
        elif idle_since is None:
            idle_since = time.monotonic()
        elif time.monotonic() - idle_since > _STALL_S:
            stalled = True
            break
    done = [f for f in futures if f.done() and f.exception() is None]
    batch = BatchReport(tasks, len(done), tuple(f.result() for f in done), stalled, method)
    if stalled:
        # The pool can never shut down: exiting would wait for its thread forever, and the
        # parent will terminate this process. First run the clean-ups an exit would run
        # (they remove the pool's named semaphores), then report.
        util._run_finalizers(0)
    else:
        pool.shutdown(wait=True)
    _send_and_close(report, batch)


def _send_and_close(conn: Connection, message: object) -> None:
    try:
        conn.send(message)
    finally:
        conn.close()


# --- Exercise 4: a pool that is shut down whatever happens ----------------------------------------

#: How long a worker that ran :func:`square_and_linger` takes to exit: long enough that a
#: pool shut down without waiting still has it running when the function returns.
LINGER_S = 0.5
_lingering = False


@dataclass(frozen=True)
class Square:
    """``value`` squared, and the process that computed it."""

    value: int
    square: int
    pid: int


def _linger() -> None:
    time.sleep(LINGER_S)


@validated
def square_and_linger(x: AnyInt) -> Square:
    """``x * x``; the worker that ran it takes :data:`LINGER_S` seconds to exit, so that only a
    pool that really waits for its workers has none left when it is shut down."""
    global _lingering
    if not _lingering:
        _lingering = True
        util.Finalize(None, _linger, exitpriority=100)  # runs when this process exits
    return Square(x, x * x, os.getpid())


@validated
def square_or_fail(x: AnyInt) -> Square:
    """As :func:`square_and_linger`, but a negative ``x`` raises ``ValueError``."""
    if x < 0:
        raise ValueError(f"no square for negative numbers here: {x}")
    return square_and_linger(x)


@validated
def square_or_die(x: AnyInt) -> Square:
    """As :func:`square_and_linger`, but a negative ``x`` kills the worker (``os._exit``)."""
    if x < 0:
        os._exit(70)
    return square_and_linger(x)


@validated
def parse_number(text: Text) -> int:
    """``int(text)``: raises ``ValueError`` for text that is not a number (exercise material)."""
    return int(text)


@validated
def timed_spin(iterations: Annotated[int, Int(0)]) -> TaskTime:
    """A small CPU-bound task that reports where and when it ran: ``(pid, start, end)``.

    ``time.perf_counter()`` is system-wide on Linux, macOS and Windows, so the parent can line
    the children's times up on one axis.
    """
    return _timed_spin(iterations)


def _timed_spin(iterations: int) -> TaskTime:
    # What the pools run: the tiny-task measurements time tasks of a few microseconds, and a
    # check per task would be counted as work.
    start = time.perf_counter()
    _spin(iterations)
    return os.getpid(), start, time.perf_counter()
