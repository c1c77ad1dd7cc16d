"""Checkers for notebook 08 (multiprocessing).

Each checker runs the learner's answer against real child processes, and injects what the
exercise promises to survive: a child that is slow, that fails, that is killed, that never
ends; a task that raises; a worker that dies. Every wait is bounded, and whatever the answer
does, the checker ends the processes it (or the answer) started before it returns.
"""

from __future__ import annotations

import os
import pickle
import signal
import time
from collections.abc import Callable, Iterable
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.reduction import ForkingPickler
from typing import Any

from ...core import checks, leftovers, machine
from ...core.lifecycle import end_processes, stop
from . import child
from .processes import default_start_method

# --------------------------------------------------------------------------------------------
# Exercise 1: wait for a process, within a bound, and say how it ended
# --------------------------------------------------------------------------------------------

_STATUSES = ("running", "ok", "error", "signal")
#: Slack for the learner's function on top of the time it was told it may wait (start-up of
#: a thread, a loaded machine).
_SLACK_S = 1.5
#: How long the slow child works, and how long the answer may wait for it: it must return
#: well before that allowance, soon after the child ends.
_WORK_S = 1.5
_WORK_ALLOWED_S = 6.0
#: An answer that returns later than this for the slow child waited for the clock, not for it.
_SLOW_CHILD_LIMIT_S = 4.5
#: How much longer than it was allowed the checker waits for an answer before giving up on it.
_GIVE_UP_S = 3.0


def _exit_cases() -> list[tuple[str, Callable[..., None], tuple[Any, ...], float, str, str]]:
    """(what, target, args, timeout given, expected answer, why). The slow child comes first:
    an answer that sleeps instead of waiting meets it still running, or returns late."""
    cases: list[tuple[str, Callable[..., None], tuple[Any, ...], float, str, str]] = [
        (
            f"a child that works for {_WORK_S:g} s",
            child.sleep_then_exit,
            (_WORK_S,),
            _WORK_ALLOWED_S,
            "ok",
            "it ends after a while with exit code 0: wait for it (join), do not guess how long",
        ),
        ("a child that ends at once", child.sleep_then_exit, (0,), 6, "ok", "exit code 0"),
        (
            "a child that calls sys.exit(3)",
            child.sleep_then_exit,
            (0, 3),
            6,
            "error",
            "a positive exit code is the child's own failure status",
        ),
    ]
    if os.name == "posix":
        cases.append(
            (
                "a child killed by SIGKILL",
                child.kill_self,
                (int(signal.SIGKILL),),
                6,
                "signal",
                f"exit code -{int(signal.SIGKILL)}: minus the number of the signal",
            )
        )
    cases.append(
        (
            "a child that would run for a minute, given 0.5 s",
            child.sleep_then_exit,
            (60,),
            0.5,
            "running",
            "after join(timeout) it is still alive: its exitcode is None",
        )
    )
    return cases


@checks.checker
def check_wait_and_describe(wait_and_describe: object) -> checks.Feedback:
    """``wait_and_describe(process, timeout)``: wait at most ``timeout`` s, then say
    "running", "ok", "error" or "signal"; it must return as soon as the process has ended."""
    if wait_and_describe is None:
        raise checks.Wrong("define wait_and_describe(process, timeout) first (it is still None).")
    checks.expect_callable(wait_and_describe, "wait_and_describe")
    context = machine.mp_context()
    for what, target, args, timeout, expected, why in _exit_cases():
        process = context.Process(target=target, args=args, name="checked-child")
        process.start()
        started = time.monotonic()
        try:
            answer = checks.call_with_timeout(
                wait_and_describe, process, timeout, timeout=timeout + _GIVE_UP_S
            )
        except checks.CheckTimeout:
            raise checks.Wrong(
                f"with {what}, your function was still waiting {timeout + _GIVE_UP_S:g} s "
                f"later, although it was allowed {timeout:g} s. Pass the bound on: "
                "process.join(timeout). (The checker has now stopped the child.)"
            ) from None
        finally:
            elapsed = time.monotonic() - started
            stop([process], 0)  # the answer has had its chance: nothing outlives the check
        if answer not in _STATUSES:
            raise checks.Wrong(
                f"with {what} it returned {answer!r}; return one of {list(_STATUSES)}."
            )
        if answer != expected:
            raise checks.Wrong(f"with {what} it returned {answer!r}, not {expected!r}: {why}.")
        if expected == "running" and elapsed > timeout + _SLACK_S:
            raise checks.Wrong(
                f"with {what}, it returned after {elapsed:.1f} s: wait at most the timeout."
            )
        if args == (_WORK_S,) and elapsed > _SLOW_CHILD_LIMIT_S:
            raise checks.Wrong(
                f"the child ended after about {_WORK_S:g} s, but your function returned after "
                f"{elapsed:.1f} s (it was allowed {timeout:g}): join returns as soon as the "
                "process ends; a sleep does not."
            )
    return checks.passed(
        "bounded wait, then None: still running; 0: ok; positive: the child failed; "
        "negative: a signal ended it."
    )


# --------------------------------------------------------------------------------------------
# Exercise 2: default start methods
# --------------------------------------------------------------------------------------------

#: The situations the learner fills in: (platform, Python version).
START_METHOD_CASES: dict[str, tuple[str, tuple[int, int]]] = {
    "Linux, Python 3.12": ("Linux", (3, 12)),
    "Linux, Python 3.14": ("Linux", (3, 14)),
    "macOS, Python 3.12": ("macOS", (3, 12)),
    "Windows, Python 3.12": ("Windows", (3, 12)),
}

_METHOD_HINTS = {
    "Linux, Python 3.14": "3.14 changed Linux's default away from fork (threads make fork unsafe).",
    "macOS, Python 3.12": "macOS stopped defaulting to fork in 3.8: system libraries may crash "
    "in a forked child.",
    "Windows, Python 3.12": "Windows has no fork at all.",
    "Linux, Python 3.12": "Linux kept its historical default up to 3.13.",
}


@checks.checker
def check_default_start_methods(defaults: object) -> checks.Feedback:
    """A dict from each situation in :data:`START_METHOD_CASES` to a start method name."""
    chosen = checks.dict_answer(
        defaults, "defaults", START_METHOD_CASES, unset="fill in the dict first (it is still None)."
    )
    for key, (platform, version) in START_METHOD_CASES.items():
        answer = chosen[key]
        if answer is None:
            raise checks.Wrong(f"{key!r} is still None.")
        if answer not in ("fork", "spawn", "forkserver"):
            raise checks.Wrong(
                f"{key!r}: {answer!r} is not a start method (fork, spawn, forkserver)."
            )
        expected = default_start_method(platform, version)
        if answer != expected:
            raise checks.Wrong(f"{key!r} is not {answer!r}. Hint: {_METHOD_HINTS[key]}")
    return checks.passed(
        "Linux: fork up to 3.13, forkserver from 3.14; macOS: spawn since 3.8; Windows: spawn. "
        "Code that works under spawn works everywhere."
    )


# --------------------------------------------------------------------------------------------
# Exercise 3: a callable a pool can send
# --------------------------------------------------------------------------------------------

_PICKLE_ERRORS = (pickle.PicklingError, AttributeError, TypeError)


@checks.checker
def check_tripler(tripler: object) -> checks.Feedback:
    """``tripler``: a callable with ``tripler(x) == 3 * x`` that a spawned pool worker can run."""
    if tripler is None:
        raise checks.Wrong("set tripler to a callable first (it is still None).")
    checks.expect_callable(tripler, "tripler")
    here = checks.call_with_timeout(tripler, 4, timeout=5)
    if here != 12:
        raise checks.Wrong(f"tripler(4) should be 12; in this process it gives {here!r}.")
    try:
        ForkingPickler.dumps(tripler)
    except _PICKLE_ERRORS as error:
        raise checks.Wrong(
            f"a pool could not send it: {type(error).__name__}: {error}. Pickle sends a "
            "function by its module and name, so lambdas, closures and instances of local "
            "classes cannot travel, under any start method."
        ) from None
    if getattr(tripler, "__module__", None) == "__main__" or _defined_in_main(tripler):
        raise checks.Wrong(
            "it pickles as a name in __main__ (the notebook). A forked worker, a copy of the "
            "kernel, would find it; a spawned one starts without the notebook's cells and "
            "cannot. Build it from a function defined in a module (helpers...child)."
        )
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=1, mp_context=machine.mp_context("spawn")) as pool:
        result = pool.submit(tripler, 5).result(timeout=60)
    if result != 15:
        raise checks.Wrong(f"in a spawned worker tripler(5) gave {result!r}, not 15.")
    return checks.passed(
        "it travels by name (a module-level function, its arguments pickled along)."
    )


def _defined_in_main(fn: object) -> bool:
    """Whether a callable, or the function a ``functools.partial`` wraps, lives in __main__."""
    inner = getattr(fn, "func", None)
    return inner is not None and getattr(inner, "__module__", None) == "__main__"


# --------------------------------------------------------------------------------------------
# Exercise 4: a pool that is shut down, whatever happens
# --------------------------------------------------------------------------------------------

POOL_WORKERS = 2


def _new_children(before: Iterable[int]) -> dict[int, str]:
    known = set(before)
    return {pid: name for pid, name in leftovers.child_processes().items() if pid not in known}


def _run_case(run_all: Callable[..., Any], task: Callable[..., Any], items: list[int]) -> Any:
    """Call the answer; whatever it does, end the processes it left before returning."""
    before = set(leftovers.child_processes())
    try:
        return checks.call_with_timeout(run_all, task, items, POOL_WORKERS, timeout=90)
    finally:
        left = _new_children(before)
        if left:
            end_processes(left)
            raise checks.Wrong(
                f"once your function was done, the pool's processes {sorted(left)} were "
                "still running (the checker has ended them). Shut the "
                "pool down and wait for it, whatever happens: `with ProcessPoolExecutor(...) "
                "as pool:` does both."
            )


@checks.checker
def check_run_all(run_all: object) -> checks.Feedback:
    """``run_all(task, items, workers)``: ``task`` over ``items`` on a pool of processes, the
    results in order; every wait bounded; no process left running, even when a task raises
    or a worker dies (the error reaches the caller)."""
    if run_all is None:
        raise checks.Wrong("define run_all(task, items, workers) first (it is still None).")
    checks.expect_callable(run_all, "run_all")
    items = [1, 2, 3, 4, 5, 6]
    try:
        results = _run_case(run_all, child.square_and_linger, items)
    except BrokenProcessPool as error:
        raise checks.Wrong(f"the pool broke although no task failed: {error}") from None
    try:
        results = list(results)
    except TypeError:
        raise checks.Wrong(f"return a list of results; got {type(results).__name__}.") from None
    if [getattr(r, "square", None) for r in results] != [x * x for x in items]:
        raise checks.Wrong(
            f"run_all(child.square_and_linger, {items}, {POOL_WORKERS}) should give the "
            f"squares {[x * x for x in items]} in order; got {results!r}."
        )
    pids = {r.pid for r in results}
    if os.getpid() in pids:
        raise checks.Wrong(
            "the tasks ran in the notebook's own process: use a ProcessPoolExecutor, not "
            "threads or a plain loop."
        )
    if len(pids) > POOL_WORKERS:
        raise checks.Wrong(
            f"{len(pids)} processes ran the tasks; the pool should have {POOL_WORKERS}."
        )
    for task, bad, expected, what in (
        (child.square_or_fail, [1, 2, -3, 4], ValueError, "a task raised ValueError"),
        (child.square_or_die, [1, -2, 3], BrokenProcessPool, "a worker died"),
    ):
        try:
            _run_case(run_all, task, bad)
        except expected:
            continue
        except checks.Wrong:
            raise
        except Exception as error:
            raise checks.Wrong(
                f"when {what}, your function raised {type(error).__name__}: {error}; the "
                f"caller should get the {expected.__name__} itself."
            ) from None
        raise checks.Wrong(
            f"when {what}, your function returned normally: the error was lost. Let it reach "
            "the caller (and still shut the pool down)."
        )
    return checks.passed(
        "results in order, the pool shut down and its processes gone, whether the tasks "
        "succeed, raise, or kill their worker."
    )
