"""Notebook 08: one process, from start to end. How many cores it may use, what its exit code
says, which start method each platform picks, why ``fork`` and threads do not mix, and the
``__main__`` guard, shown with a real script run by a fresh interpreter."""

from __future__ import annotations

import multiprocessing
import os
import sys
import tempfile
import textwrap
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from ...core import machine
from ...core.domains import Bool, Choice, Int, Seconds, Where, validated
from ...core.lifecycle import ProgramRun, run_program, stop
from ...core.machine import StartMethod
from .child import Deadline, noop


def core_counts() -> dict[str, int | float | None]:
    """The different answers to "how many CPUs?", from the most to the least generous.

    ``os.cpu_count()`` and ``multiprocessing.cpu_count()`` count every CPU of the machine; the
    affinity mask and a container quota can allow this process far fewer.
    """
    counts: dict[str, int | float | None] = {
        "os.cpu_count()": os.cpu_count(),
        "multiprocessing.cpu_count()": multiprocessing.cpu_count(),
        "len(os.sched_getaffinity(0))": (
            len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
        ),
        "os.process_cpu_count() (3.13+)": (
            os.process_cpu_count() if hasattr(os, "process_cpu_count") else None
        ),
        "container CPU quota": machine.cpu_quota(),
        "machine.usable_cores()": machine.usable_cores(),
    }
    return counts


@validated
def describe_exitcode(exitcode: Annotated[int | None, Int(None, optional=True)]) -> str:
    """What ``Process.exitcode`` says: still running, success, an error, or a signal."""
    if exitcode is None:
        return "still running (or never started)"
    if exitcode == 0:
        return "finished normally"
    if exitcode > 0:
        return f"exited with status {exitcode} (an uncaught exception gives 1)"
    return f"killed by signal {-exitcode}"


#: Which start method Python picks when nobody chooses one (CPython docs, "Contexts and start
#: methods"). Keys are (platform, first version with that default).
DEFAULT_START_METHODS: dict[str, list[tuple[tuple[int, int], str]]] = {
    "Linux": [((3, 0), "fork"), ((3, 14), "forkserver")],
    "macOS": [((3, 0), "fork"), ((3, 8), "spawn")],
    "Windows": [((3, 0), "spawn")],
}


def _version(value: object, argument: str) -> tuple[int, int]:
    if not (
        isinstance(value, tuple)
        and len(value) == 2
        and all(isinstance(part, int) and not isinstance(part, bool) for part in value)
    ):
        raise TypeError(f"{argument} must be a (major, minor) tuple of ints; got {value!r}")
    return value


#: A Python version as ``(major, minor)``.
Version = Annotated[
    tuple[int, int], Where(_version, (3, 12), ((3,), (3, 12, 1), "3.12", (3, "12"), (True, 1)))
]


@validated
def default_start_method(
    platform: Annotated[str, Choice(DEFAULT_START_METHODS)], version: Version
) -> str:
    """The default start method of CPython ``version`` on ``platform`` (Linux, macOS, Windows)."""
    chosen = ""
    for since, method in DEFAULT_START_METHODS[platform]:
        if version >= since:
            chosen = method
    return chosen


@dataclass(frozen=True)
class ForkCheck:
    """What happened when a process was forked from this (multi-threaded) process."""

    python: tuple[int, int]
    threads: int
    warnings: tuple[str, ...]
    exitcode: int | None


@validated
def fork_and_record_warnings(timeout: Deadline = 30.0) -> ForkCheck:
    """Start one ``fork`` child while recording warnings (3.12+ warns if threads exist).

    A child that is not done within ``timeout`` seconds is terminated: its exit code is then
    negative. Raises ``ValueError`` where this platform has no ``fork`` (Windows).
    """
    context = machine.mp_context("fork")
    threads = threading.active_count()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DeprecationWarning)
        forked = context.Process(target=noop)
        forked.start()
    (exitcode,) = stop([forked], timeout).exitcodes
    return ForkCheck(
        python=(sys.version_info.major, sys.version_info.minor),
        threads=threads,
        warnings=tuple(
            f"{w.category.__name__}: {w.message}"
            for w in caught
            if issubclass(w.category, DeprecationWarning)
        ),
        exitcode=exitcode,
    )


# --- The __main__ guard, shown with a real script -------------------------------------------------

_SCRIPT_HEAD = """\
import multiprocessing


def greet(number):
    print(f"child {number}: hello", flush=True)


"""
_SCRIPT_BODY = """\
context = multiprocessing.get_context({method!r})
child = context.Process(target=greet, args=(1,))
child.start()
child.join(30)
print("parent: the child's exit code is", child.exitcode, flush=True)
"""


@validated
def guard_script(with_guard: Bool, start_method: StartMethod = "spawn") -> str:
    """The source of a tiny script that starts one child, with or without the guard.

    ``start_method=None`` writes the course's start method into the script.
    """
    body = _SCRIPT_BODY.format(method=start_method or machine.start_method())
    if with_guard:
        body = 'if __name__ == "__main__":\n' + textwrap.indent(body, "    ")
    return _SCRIPT_HEAD + body


@validated
def run_guard_script(
    with_guard: Bool,
    start_method: StartMethod = "spawn",
    timeout: Annotated[float, Seconds(600)] = 60.0,
) -> ProgramRun:
    """Run :func:`guard_script` as a real program (its own ``__main__``) and capture its output."""
    source = guard_script(with_guard, start_method)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "start_a_child.py"
        path.write_text(source)
        return run_program([path], timeout=timeout, cwd=Path(folder))
