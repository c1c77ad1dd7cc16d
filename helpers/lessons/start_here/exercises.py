"""Checkers for notebook 00 (start here)."""

from __future__ import annotations

import math

from ...core.checks import Feedback, Wrong, checker, passed
from ...core.learner import number_answer
from ...core.timing import ideal_speedup


@checker
def check_best_speedup(best_speedup: object) -> Feedback:
    """8 equal CPU-bound tasks, 3 worker processes, at least 3 free cores: the best speedup."""
    value = number_answer(best_speedup, "best_speedup")
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


def _check_executor(
    answer: object, name: str, right: str, why_not: dict[str, str], why: str
) -> Feedback:
    """Pass if ``answer`` is ``right``; otherwise say why the executor chosen does not fit."""
    if answer not in _EXECUTORS:
        raise Wrong(f"{name} should be one of {list(_EXECUTORS)}; got {answer!r}.")
    if answer != right:
        raise Wrong(why_not[str(answer)])
    return passed(why)


@checker
def check_cpu_executor(cpu_executor: object) -> Feedback:
    """Which executor speeds up pure-Python CPU-bound work on a standard (GIL) CPython?"""
    return _check_executor(
        cpu_executor,
        "cpu_executor",
        "processes",
        {
            "threads": "threads take turns holding the GIL, so pure-Python work on threads is no "
            "faster than serial. Look at the top-left timeline again.",
            "serial": "serial is the baseline; something else can beat it when you have 2+ cores.",
        },
        "processes: each has its own interpreter and its own GIL.",
    )


@checker
def check_io_executor(io_executor: object) -> Feedback:
    """Which executor is the natural choice for 100 slow downloads?"""
    return _check_executor(
        io_executor,
        "io_executor",
        "threads",
        {
            "processes": "processes work, but they cost far more to start and to talk to. "
            "Waiting does not need a core: the GIL is released while a thread waits.",
            "serial": "serially, 100 waits add up one after the other.",
        },
        "threads: a waiting thread releases the GIL, so the waits overlap.",
    )
