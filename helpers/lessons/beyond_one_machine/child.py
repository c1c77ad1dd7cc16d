"""What notebook 12's worker processes run: Dask workers and the process pool alike.

Every function is defined at module level, so a worker finds it by name under every start
method (Dask's own workers always start with ``spawn``). Child-safe: the standard library and
``helpers.core`` only.
"""

from __future__ import annotations

import os
import time
import zlib
from pathlib import Path
from typing import Annotated

from ...core.domains import AnyInt, Int, Items, Number, Text, validated
from ...core.workloads import spin

Iterations = Annotated[int, Int(0)]


def noop(x: object = None) -> object:
    """Nothing at all: timing it measures what a task costs around its work."""
    return x


@validated
def square(x: AnyInt) -> int:
    return x * x


def pid(_: object = None) -> int:
    """The pid of the process that runs this task."""
    return os.getpid()


@validated
def sum_of_squares(numbers: Annotated[list[int], Items(Int(None), empty_ok=True)]) -> int:
    """One chunk's work in exercise 3: the squares of ``numbers``, added up."""
    return sum(n * n for n in numbers)


@validated
def crunch(iterations: Iterations) -> int:
    """Pure-Python CPU work (calibrated by the caller: ``workloads.calibrate``)."""
    return spin(iterations)


def checksum(data: bytes) -> int:
    """A cheap function of a large argument: the cost is in moving ``data``, not here."""
    return zlib.crc32(data)


@validated
def marked_nap(
    item: AnyInt, seconds: Annotated[float, Number(0, 60, unit="seconds")], folder: Text
) -> tuple[int, int]:
    """Note ``(pid, start time)`` in ``folder``, sleep ``seconds``, return ``(item, pid)``.

    The note tells the notebook which process runs the task, so it can kill that process in
    the middle of the task; a second note appears when the task runs again elsewhere.
    """
    me = os.getpid()
    note = Path(folder) / f"{item}-{me}-{time.time_ns()}"
    note.write_text(f"{me} {time.time()}")
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        time.sleep(0.01)
    return item, me


@validated
def pid_after(seconds: Annotated[float, Number(0, 60, unit="seconds")] = 0.0) -> int:
    """This worker's pid, after a short wait (so a pool starts every worker to run them)."""
    time.sleep(seconds)
    return os.getpid()


@validated
def timed_crunch(index: AnyInt, iterations: Iterations) -> tuple[int, int, float, float]:
    """``crunch``, noting who ran it and when: ``(index, pid, start, end)``.

    ``time.perf_counter`` is one clock for every process on one machine (Linux, macOS,
    Windows), so the notebook can draw these next to each other; across machines it is not.
    """
    start = time.perf_counter()
    spin(iterations)
    return index, os.getpid(), start, time.perf_counter()
