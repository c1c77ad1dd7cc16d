"""Checkers for notebook 00 (start here)."""

from __future__ import annotations

import math

from ...core.checks import Feedback, Wrong, checker, passed
from ...core.timing import ideal_speedup


def _number(answer: object, name: str) -> float:
    if answer is None:
        raise Wrong(f"set {name} to a number first (it is still None).")
    if isinstance(answer, bool) or not isinstance(answer, (int, float)):
        raise Wrong(f"{name} should be a number; got {type(answer).__name__} {answer!r}.")
    return float(answer)


@checker
def check_best_speedup(best_speedup: object) -> Feedback:
    """8 equal CPU-bound tasks, 3 worker processes, at least 3 free cores: the best speedup."""
    value = _number(best_speedup, "best_speedup")
    expected = ideal_speedup(3, 8)
    if math.isclose(value, 3.0):
        raise Wrong(
            "3 workers do not give 3x here: 8 tasks on 3 workers take 3 rounds "
            "(3 + 3 + 2 tasks), so the best is 8 / 3 rounds."
        )
    if math.isclose(value, 8.0):
        raise Wrong("only 3 tasks can run at once, one per worker.")
    if not math.isclose(value, expected, rel_tol=0.02):
        raise Wrong(
            f"{value:g} is not it. Count rounds: how many rounds do 8 tasks need on 3 workers?"
        )
    return passed(f"{expected:.2f}x: 8 tasks of work done in 3 rounds of task time.")


_EXECUTORS = ("serial", "threads", "processes")


def _executor(answer: object, name: str) -> str:
    if answer not in _EXECUTORS:
        raise Wrong(f"{name} should be one of {list(_EXECUTORS)}; got {answer!r}.")
    return str(answer)


@checker
def check_cpu_executor(cpu_executor: object) -> Feedback:
    """Which executor speeds up pure-Python CPU-bound work on a standard (GIL) CPython?"""
    choice = _executor(cpu_executor, "cpu_executor")
    if choice == "threads":
        raise Wrong(
            "threads take turns holding the GIL, so pure-Python work on threads is no faster "
            "than serial. Look at the top-left timeline again."
        )
    if choice == "serial":
        raise Wrong("serial is the baseline; something else can beat it when you have 2+ cores.")
    return passed("processes: each has its own interpreter and its own GIL.")


@checker
def check_io_executor(io_executor: object) -> Feedback:
    """Which executor is the natural choice for 100 slow downloads?"""
    choice = _executor(io_executor, "io_executor")
    if choice == "processes":
        raise Wrong(
            "processes work, but they cost far more to start and to talk to. Waiting does not "
            "need a core: the GIL is released while a thread waits."
        )
    if choice == "serial":
        raise Wrong("serially, 100 waits add up one after the other.")
    return passed("threads: a waiting thread releases the GIL, so the waits overlap.")
