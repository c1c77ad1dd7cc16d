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
import sys
import time
from dataclasses import dataclass
from typing import Annotated

from ...core.domains import AnyInt, Int, Number, Seconds, Text, validated
from ...core.validate import MAX_TIMEOUT_S
from ...core.workloads import _spin

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
