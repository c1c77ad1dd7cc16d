"""Checkers for notebook 08 (multiprocessing)."""

from __future__ import annotations

import os

from ...core import leftovers
from ...core.checks import Feedback, Wrong, call_with_timeout, checker, expect_callable, passed
from .mapping import pool_default_chunksize
from .processes import default_start_method

# --------------------------------------------------------------------------------------------
# Exercise 1: read an exit code
# --------------------------------------------------------------------------------------------

_STATUSES = ("running", "ok", "error", "signal")
_EXIT_CASES: tuple[tuple[int | None, str, str], ...] = (
    (None, "running", "None means the process has not finished yet (or was never started)."),
    (0, "ok", "0 means the process finished normally."),
    (1, "error", "1 is what an uncaught exception in the child gives."),
    (3, "error", "a positive code is the child's own sys.exit(code): it chose to fail."),
    (-15, "signal", "-15 means killed by signal 15 (SIGTERM): what terminate() sends on POSIX."),
    (-9, "signal", "-9 means killed by signal 9 (SIGKILL): what kill() sends on POSIX."),
)


@checker
def check_exit_status(exit_status: object) -> Feedback:
    """``exit_status(exitcode)`` must say "running", "ok", "error" or "signal"."""
    if exit_status is None:
        raise Wrong("define exit_status(exitcode) first (it is still None).")
    expect_callable(exit_status, "exit_status")
    for code, expected, why in _EXIT_CASES:
        answer = call_with_timeout(exit_status, code, timeout=5)
        if answer not in _STATUSES:
            raise Wrong(
                f"exit_status({code!r}) returned {answer!r}; return one of {list(_STATUSES)}."
            )
        if answer != expected:
            raise Wrong(f"exit_status({code!r}) should be {expected!r}, not {answer!r}: {why}")
    return passed("None: running; 0: ok; positive: the child failed; negative: a signal.")


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


@checker
def check_default_start_methods(defaults: object) -> Feedback:
    """A dict from each situation in :data:`START_METHOD_CASES` to a start method name."""
    if defaults is None:
        raise Wrong("fill in the dict first (it is still None).")
    if not isinstance(defaults, dict):
        raise Wrong(f"defaults should be a dict; got {type(defaults).__name__}.")
    missing = [key for key in START_METHOD_CASES if key not in defaults]
    if missing:
        raise Wrong(f"keep every key of the template; missing: {missing}.")
    for key, (platform, version) in START_METHOD_CASES.items():
        answer = defaults[key]
        if answer is None:
            raise Wrong(f"{key!r} is still None.")
        if answer not in ("fork", "spawn", "forkserver"):
            raise Wrong(f"{key!r}: {answer!r} is not a start method (fork, spawn, forkserver).")
        expected = default_start_method(platform, version)
        if answer != expected:
            raise Wrong(f"{key!r} is not {answer!r}. Hint: {_METHOD_HINTS[key]}")
    return passed(
        "Linux: fork up to 3.13, forkserver from 3.14; macOS: spawn since 3.8; Windows: spawn. "
        "Code that works under spawn works everywhere."
    )


# --------------------------------------------------------------------------------------------
# Exercise 3: Pool.map's default chunksize
# --------------------------------------------------------------------------------------------

CHUNK_TASKS = 10_000
CHUNK_WORKERS = 4


@checker
def check_default_chunksize(chunksize: object) -> Feedback:
    """``Pool(4).map(f, range(10_000))`` without a chunksize: which chunksize does it use?"""
    if chunksize is None:
        raise Wrong("set default_chunksize to a number first (it is still None).")
    if isinstance(chunksize, bool) or not isinstance(chunksize, int):
        raise Wrong(f"the chunksize is a whole number; got {chunksize!r}.")
    expected = pool_default_chunksize(CHUNK_TASKS, CHUNK_WORKERS)
    if chunksize == 1:
        raise Wrong(
            "1 is the default of ProcessPoolExecutor.map and Pool.imap. Pool.map works out a "
            "bigger one from the number of tasks and workers."
        )
    if chunksize == CHUNK_TASKS // CHUNK_WORKERS:
        raise Wrong(
            "that is one chunk per worker: a slow chunk would leave the other workers idle at "
            "the end. Pool.map aims for about four chunks per worker."
        )
    if chunksize != expected:
        raise Wrong(f"{chunksize} is not it. Pool.map uses divmod(tasks, workers * 4), rounded up.")
    return passed(f"{expected}: 10,000 tasks in 16 chunks, about four per worker.")


# --------------------------------------------------------------------------------------------
# Exercise 4: a process pool that cleans up
# --------------------------------------------------------------------------------------------

POOL_TASKS = 6
POOL_WORKERS = 2


@checker
def check_worker_pids(worker_pids: object) -> Feedback:
    """``worker_pids(tasks, workers)``: run ``child.pid_after`` on a pool, return the pids."""
    if worker_pids is None:
        raise Wrong("define worker_pids(tasks, workers) first (it is still None).")
    expect_callable(worker_pids, "worker_pids")
    before = set(leftovers.child_processes())
    pids = call_with_timeout(worker_pids, POOL_TASKS, POOL_WORKERS, timeout=90)
    try:
        pids = list(pids)
    except TypeError:
        raise Wrong(f"return a list of pids; got {type(pids).__name__}.") from None
    if len(pids) != POOL_TASKS:
        raise Wrong(f"worker_pids({POOL_TASKS}, {POOL_WORKERS}) returned {len(pids)} pids.")
    if not all(isinstance(pid, int) and not isinstance(pid, bool) for pid in pids):
        raise Wrong("every item should be a pid (an int) returned by child.pid_after.")
    if os.getpid() in pids:
        raise Wrong(
            "some tasks ran in the notebook's own process (its pid is in the list): use a "
            "ProcessPoolExecutor, not threads or a plain loop."
        )
    if len(set(pids)) > POOL_WORKERS:
        raise Wrong(
            f"{len(set(pids))} different processes ran the tasks; the pool should have "
            f"{POOL_WORKERS} workers (max_workers=workers)."
        )
    still_running = set(leftovers.child_processes()) - before
    if still_running:
        raise Wrong(
            f"the pool's processes {sorted(still_running)} are still running after your "
            "function returned: use `with ProcessPoolExecutor(...) as pool:` so it shuts down."
        )
    return passed(
        f"{POOL_TASKS} tasks ran in {len(set(pids))} worker process(es), and the pool was shut "
        "down before the function returned."
    )
