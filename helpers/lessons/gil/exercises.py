"""Checkers for notebook 01 (the GIL)."""

from __future__ import annotations

import sys
from collections.abc import Callable

from ...core import checks

# --- exercise 1: predict the wall time -------------------------------------------------------


def _milliseconds(answer: object, name: str) -> float:
    if answer is None:
        raise checks.Wrong(f"set {name} to a number of milliseconds first (it is still None).")
    if isinstance(answer, bool) or not isinstance(answer, (int, float)):
        raise checks.Wrong(f"{name} should be a number of milliseconds; got {answer!r}.")
    if answer <= 0:
        raise checks.Wrong(f"{name} should be a positive number of milliseconds; got {answer!r}.")
    return float(answer)


#: What each answer may be: the work adds up on threads (a little switching on top), and on
#: processes it is one task's time (start-up left out, as the exercise says).
THREADS_MS = (380.0, 500.0)
PROCESSES_MS = (95.0, 150.0)


@checks.checker
def check_predicted_times(threads_ms: object, processes_ms: object) -> checks.Feedback:
    """4 pure-Python tasks of 100 ms each, 4 free cores, GIL on: on 4 threads, on 4 processes
    (the time to start the processes left out)."""
    on_threads = _milliseconds(threads_ms, "threads_ms")
    on_processes = _milliseconds(processes_ms, "processes_ms")
    if 80 <= on_threads <= 130:
        raise checks.Wrong(
            "threads_ms: 4 threads cannot run pure Python at the same time under the GIL. "
            "They take turns, so the 4 tasks take as long as running them one after another."
        )
    if on_threads < 80:
        raise checks.Wrong("threads_ms: even a single task takes 100 ms; the total cannot be less.")
    if not THREADS_MS[0] <= on_threads <= THREADS_MS[1]:
        raise checks.Wrong(
            f"threads_ms = {on_threads:g} is off. Only one thread runs Python at a time: "
            "add up the work of the 4 tasks."
        )
    if on_processes >= 340:
        raise checks.Wrong(
            "processes_ms: each process has its own interpreter and its own GIL, so with 4 "
            "free cores the 4 tasks run side by side."
        )
    if on_processes < PROCESSES_MS[0]:
        raise checks.Wrong(
            "processes_ms: each task still needs its 100 ms of work on its own core."
        )
    if on_processes > PROCESSES_MS[1]:
        raise checks.Wrong(
            f"processes_ms = {on_processes:g} is too slow: the 4 tasks run at the same time, "
            "each on its own core, so all four take about as long as one (start-up left out)."
        )
    return checks.passed(
        f"threads about 400 ms (they take turns on the GIL), processes about 100 ms (one task "
        f"per core). You said {on_threads:g} and {on_processes:g}."
    )


# --- exercise 2: which calls release the GIL --------------------------------------------------

#: Each call, whether it releases the GIL while it works, and why.
GIL_RELEASE_FACTS: dict[str, tuple[bool, str]] = {
    "hashlib.sha256(big_buffer)": (
        True,
        "hashlib releases the GIL while it hashes a large buffer: it only reads raw bytes.",
    ),
    "zlib.compress(big_buffer)": (
        True,
        "zlib releases the GIL while it compresses: it only reads and writes raw bytes.",
    ),
    "time.sleep(0.1)": (
        True,
        "every blocking wait (sleep, socket reads, file I/O) releases the GIL while it waits.",
    ),
    "sum(i * i for i in range(10**6))": (
        False,
        "a generator expression is Python bytecode: each step runs in the interpreter, which "
        "needs the GIL.",
    ),
    "sorted(list_of_a_million_ints)": (
        False,
        "sorted() is written in C, but it compares Python objects all the time, so it keeps "
        "the GIL. C code releases it only while it does not touch Python objects.",
    ),
}


@checks.checker
def check_releases_gil(releases_gil: object) -> checks.Feedback:
    """A dict mapping each call in :data:`GIL_RELEASE_FACTS` to True/False."""
    answers = checks.dict_answer(
        releases_gil,
        "releases_gil",
        GIL_RELEASE_FACTS,
        unset="set releases_gil to the dict of answers first (it is still None).",
        called="dict",
    )
    undecided = [call for call in GIL_RELEASE_FACTS if not isinstance(answers[call], bool)]
    if undecided:
        raise checks.Wrong(f"answer True or False for: {undecided}.")
    wrong = [call for call, (truth, _) in GIL_RELEASE_FACTS.items() if answers[call] != truth]
    if wrong:
        call = wrong[0]
        truth, why = GIL_RELEASE_FACTS[call]
        others = f" ({len(wrong) - 1} more to fix after this one)" if len(wrong) > 1 else ""
        raise checks.Wrong(f"{call} → {truth}: {why}{others}")
    return checks.passed(
        "C code that works on raw bytes (hashing, compression) and blocking waits release the "
        "GIL, so threads run them in parallel; anything that runs bytecode or handles Python "
        "objects keeps it."
    )


# --- exercise 3: change the switch interval safely --------------------------------------------


#: The interval the checker sets before it calls an answer: not the default (5 ms), so an answer
#: that "restores" by writing the default back is caught, whatever the kernel had.
_CHECK_ORIGINAL_S = 0.0123
_CHECK_TARGET_S = 0.02


@checks.checker
def check_run_with_switch_interval(run_with_switch_interval: object) -> checks.Feedback:
    """``run_with_switch_interval(seconds, work)``: set, call ``work()``, restore, return;
    restored also when ``work()`` raises, whatever it raises."""
    if run_with_switch_interval is None:
        raise checks.Wrong("define run_with_switch_interval first (it is still None).")
    checks.expect_callable(run_with_switch_interval, "run_with_switch_interval")
    kernels = sys.getswitchinterval()
    try:
        sys.setswitchinterval(_CHECK_ORIGINAL_S)
        return _check_switch_interval(run_with_switch_interval, _CHECK_ORIGINAL_S)
    finally:
        sys.setswitchinterval(kernels)  # whatever the answer did, the kernel gets its value back


def _restored(original: float) -> bool:
    return abs(sys.getswitchinterval() - original) < 1e-9


class _Boom(Exception):
    """An ordinary error in ``work()``."""


class _Interrupted(BaseException):
    """Stands for KeyboardInterrupt or SystemExit: not an Exception, yet it ends ``work()``."""


#: How else ``work()`` can end, and what to say when the answer does not let that through, or
#: does not restore the interval afterwards.
_WAYS_OUT: tuple[tuple[BaseException, str, str], ...] = (
    (
        _Boom("work failed"),
        "when work() raises, let the exception propagate to the caller.",
        "when work() raised, the switch interval was not restored: every thread of the "
        "interpreter kept the changed value. Restore it in a `finally:` block (or a context "
        "manager).",
    ),
    (
        _Interrupted("like a KeyboardInterrupt"),
        "when work() was interrupted (a KeyboardInterrupt or SystemExit, which are not "
        "Exceptions), your function did not let it through.",
        "an ordinary exception was handled, but when work() was interrupted (KeyboardInterrupt "
        "and SystemExit are BaseExceptions, not Exceptions) the interval stayed changed. "
        "`except Exception:` does not see them; `finally:` runs for every way out.",
    ),
)


def _check_way_out(
    run_with_switch_interval: Callable[[float, Callable[[], object]], object],
    target: float,
    problem: BaseException,
    not_through: str,
) -> None:
    """``work()`` raises ``problem``: the answer must let that very exception through."""

    def work() -> None:
        raise problem

    try:
        checks.call_with_timeout(run_with_switch_interval, target, work, timeout=5)
    except BaseException as error:  # _Interrupted is not an Exception
        if error is not problem:
            raise
    else:
        raise checks.Wrong(not_through)


def _check_switch_interval(
    run_with_switch_interval: Callable[[float, Callable[[], object]], object], original: float
) -> checks.Feedback:
    target = _CHECK_TARGET_S
    seen: list[float] = []

    def work() -> str:
        seen.append(sys.getswitchinterval())
        return "the result of work()"

    result = checks.call_with_timeout(run_with_switch_interval, target, work, timeout=5)
    if not seen:
        raise checks.Wrong("work() was never called: call it between setting and restoring.")
    if len(seen) > 1:
        raise checks.Wrong(f"work() was called {len(seen)} times; call it exactly once.")
    if abs(seen[0] - target) > 1e-9:
        raise checks.Wrong(
            f"while work() ran the switch interval was {seen[0]:g} s, not {target:g} s: "
            "call sys.setswitchinterval(seconds) before work()."
        )
    if not _restored(original):
        raise checks.Wrong(
            f"the interval was {original:g} s before the call and is {sys.getswitchinterval():g}"
            " s after it. Read the old value with sys.getswitchinterval() before you change it, "
            "and put exactly that back (the default is not always what was there)."
        )
    if result != "the result of work()":
        raise checks.Wrong(f"return what work() returned; you returned {result!r}.")

    for problem, not_through, not_restored in _WAYS_OUT:
        _check_way_out(run_with_switch_interval, target, problem, not_through)
        if not _restored(original):
            raise checks.Wrong(not_restored)
    return checks.passed(
        "set, run, and restore in `finally`, so the interpreter-wide setting never leaks out, "
        "whatever ends work()."
    )


# --- exercise 4: what really runs Python in parallel -----------------------------------------

#: The options, and why each does or does not run Python bytecode on several cores at once.
PARALLEL_OPTIONS: dict[str, tuple[bool, str]] = {
    "threads": (
        False,
        "on a standard CPython the threads share one GIL and take turns running bytecode.",
    ),
    "thread pool": (
        False,
        "ThreadPoolExecutor is threads with a nicer interface; they still share one GIL.",
    ),
    "processes": (
        True,
        "each process has its own interpreter and its own GIL.",
    ),
    "asyncio": (
        False,
        "asyncio interleaves tasks on one thread: concurrency, not parallelism.",
    ),
    "pypy threads": (
        False,
        "PyPy has a GIL too (its experiment to remove it was abandoned).",
    ),
    "free-threaded threads": (
        True,
        "a free-threaded build (PEP 703: 3.13t experimental, 3.14t supported) runs with the GIL "
        "disabled, so its threads run bytecode in parallel.",
    ),
    "subinterpreters": (
        True,
        "since 3.12 each subinterpreter can have its own GIL (PEP 684), and 3.14 adds "
        "concurrent.interpreters and InterpreterPoolExecutor to the standard library (PEP 734).",
    ),
}


@checks.checker
def check_parallel_python(parallel_python: object) -> checks.Feedback:
    """A set of option names (keys of :data:`PARALLEL_OPTIONS`) that run Python in parallel."""
    if parallel_python is None:
        raise checks.Wrong("set parallel_python to a set of option names first (it is still None).")
    if isinstance(parallel_python, str) or not isinstance(
        parallel_python, (set, frozenset, list, tuple)
    ):
        raise checks.Wrong(
            "parallel_python should be a set of option names, e.g. {'processes'}; "
            f"got {parallel_python!r}."
        )
    chosen = set(parallel_python)
    unknown = sorted(str(x) for x in chosen if x not in PARALLEL_OPTIONS)
    if unknown:
        raise checks.Wrong(f"unknown option(s) {unknown}; choose from {sorted(PARALLEL_OPTIONS)}.")
    for option, (runs_in_parallel, why) in PARALLEL_OPTIONS.items():
        if option in chosen and not runs_in_parallel:
            raise checks.Wrong(f"'{option}' does not belong: {why}")
    for option, (runs_in_parallel, why) in PARALLEL_OPTIONS.items():
        if runs_in_parallel and option not in chosen:
            raise checks.Wrong(f"'{option}' is missing: {why}")
    return checks.passed(
        "processes, free-threaded threads and subinterpreters. Everything else still runs "
        "one piece of bytecode at a time per process."
    )
