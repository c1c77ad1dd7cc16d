"""Checkers for notebook 00 (start here)."""

from __future__ import annotations

import math

from ...core import checks, learner
from ...core.timing import ideal_speedup

#: How close an answer must be to 8 / 3: two decimals (2.67) pass, a measured 2.6 does not.
_EXACT = 0.002
#: The wrong speedups learners give, each with what it missed.
_SPEEDUP_MISTAKES = {
    3.0: "3 workers do not give 3x here: 8 tasks on 3 workers take 3 rounds "
    "(3 + 3 + 2 tasks), so the best is 8 / 3 rounds.",
    8.0: "only 3 tasks can run at once, one per worker.",
    1.0: "processes are not held back by the GIL: each has its own interpreter and its own "
    "GIL, so with free cores they run side by side.",
}


@checks.checker
def check_best_speedup(best_speedup: object) -> checks.Feedback:
    """8 equal CPU-bound tasks, 3 worker processes, at least 3 free cores: the best speedup."""
    value = learner.number_answer(best_speedup, "best_speedup", _SPEEDUP_MISTAKES)
    expected = ideal_speedup(3, 8)
    if math.isclose(value, expected, rel_tol=_EXACT):
        return checks.passed(f"{expected:.2f}x: 8 tasks of work done in 3 rounds of task time.")
    if math.isclose(value, 3 / 8, rel_tol=0.01):
        raise checks.Wrong(
            "that is upside down: speedup = time one after another / time on the pool."
        )
    if math.isclose(value, expected, rel_tol=0.005) or expected < value <= 1.03 * expected:
        raise checks.Wrong(
            f"{value:g} is close: give it to two decimals (2.67), or write the fraction itself "
            "(8 / 3)."
        )
    if 2.0 < value < expected:
        raise checks.Wrong(
            f"{value:g} looks like a measured speedup. A real run always loses a little to "
            "start-up and scheduling; the question asks for the best possible one. Count rounds."
        )
    raise checks.Wrong(
        f"{value:g} is not it. Count rounds: how many rounds do 8 tasks need on 3 workers?"
    )


#: The executors, and other names learners use for them (lower case, spaces for "_" and "-").
_EXECUTORS = {
    "serial": ("serial", "one after another", "sequential"),
    "threads": ("threads", "thread", "thread pool", "threadpoolexecutor", "threading"),
    "processes": (
        "processes",
        "process",
        "process pool",
        "processpoolexecutor",
        "multiprocessing",
    ),
}


def _executor(answer: object, name: str, asyncio_note: str) -> str:
    """The executor ``answer`` names, whatever the spelling; :class:`Wrong` if none."""
    if answer is None:
        raise checks.Wrong(f"set {name} to one of {list(_EXECUTORS)} first (it is still None).")
    if not isinstance(answer, str):
        raise checks.Wrong(f"{name} should be one of {list(_EXECUTORS)}; got {answer!r}.")
    spoken = " ".join(answer.lower().replace("_", " ").replace("-", " ").split())
    if spoken in ("asyncio", "async", "coroutines"):
        raise checks.Wrong(
            "asyncio is not one of the three executors: it runs coroutines on one thread "
            f"(notebook 11){asyncio_note}. Choose from {list(_EXECUTORS)}."
        )
    for executor, names in _EXECUTORS.items():
        if spoken in names:
            return executor
    raise checks.Wrong(f"{name} should be one of {list(_EXECUTORS)}; got {answer!r}.")


def _check_executor(
    answer: object,
    name: str,
    right: str,
    why_not: dict[str, str],
    why: str,
    asyncio_note: str = "",
) -> checks.Feedback:
    """Pass if ``answer`` names ``right``; otherwise say why the executor chosen does not fit."""
    chosen = _executor(answer, name, asyncio_note)
    if chosen != right:
        raise checks.Wrong(why_not[chosen])
    return checks.passed(why)


@checks.checker
def check_cpu_executor(cpu_executor: object) -> checks.Feedback:
    """Which executor speeds up pure-Python CPU-bound work on a standard (GIL) CPython?"""
    return _check_executor(
        cpu_executor,
        "cpu_executor",
        "processes",
        {
            "threads": "with the GIL (a standard CPython), threads take turns holding it, so "
            "pure-Python work on threads is no faster than serial.",
            "serial": "serial is the baseline; something else can beat it when you have 2+ cores.",
        },
        "processes: each has its own interpreter and its own GIL.",
    )


@checks.checker
def check_io_executor(io_executor: object) -> checks.Feedback:
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
        "threads: a waiting thread needs no core and releases the GIL, so the waits overlap.",
        asyncio_note="; for downloads it is a fine choice too, if the libraries are async",
    )
