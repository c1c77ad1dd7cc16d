"""Checkers for notebook 09 (inter-process communication)."""

from __future__ import annotations

import os
from multiprocessing import shared_memory

from ...core import leftovers, machine
from ...core.checks import Feedback, Wrong, call_with_timeout, checker, expect_callable, passed

# --------------------------------------------------------------------------------------------
# Exercise 1: the nested-mutation gotcha
# --------------------------------------------------------------------------------------------


@checker
def check_append_to(append_to: object) -> Feedback:
    """``append_to(shared, key, item)`` must append to the list stored under a managed dict key."""
    if append_to is None:
        raise Wrong("define append_to(shared, key, item) first (it is still None).")
    expect_callable(append_to, "append_to")
    with machine.mp_context().Manager() as manager:
        shared = manager.dict({"log": ["start"], "other": [1, 2]})
        call_with_timeout(append_to, shared, "log", "step 1", timeout=20)
        call_with_timeout(append_to, shared, "log", "step 2", timeout=20)
        log, other = list(shared["log"]), list(shared["other"])
    if log == ["start"]:
        raise Wrong(
            "the manager's dict still holds ['start']: shared[key] gives you a copy of the "
            "list, and appending to the copy changes nothing on the server. Assign it back."
        )
    if log != ["start", "step 1", "step 2"]:
        raise Wrong(
            f"after two calls shared['log'] should be ['start', 'step 1', 'step 2'], got {log}."
        )
    if other != [1, 2]:
        raise Wrong(f"only shared[key] should change; shared['other'] became {other}.")
    return passed("read the list, change it, assign it back: one round trip each way.")


# --------------------------------------------------------------------------------------------
# Exercise 2: choose the mechanism
# --------------------------------------------------------------------------------------------

MECHANISM_CHOICES = ("Queue", "Pipe", "Manager", "shared_memory", "Value")

#: Scenario → (best answer, why; feedback for tempting wrong answers).
MECHANISM_SCENARIOS: dict[str, tuple[str, str, dict[str, str]]] = {
    "many workers send results to one collector": (
        "Queue",
        "many writers and readers is what a Queue is for: it locks around each message.",
        {"Pipe": "one Pipe end must not be written by several processes at once."},
    ),
    "exactly two processes trade many small messages, as fast as possible": (
        "Pipe",
        "two ends, no feeder thread, no lock: the cheapest message channel.",
        {"Queue": "a Queue works, but its feeder thread and lock are not needed by two ends."},
    ),
    "four processes read the same 200 MB block of bytes": (
        "shared_memory",
        "shared memory maps the block into every process: nothing is copied or pickled.",
        {"Queue": "sending 200 MB to each of four processes pickles and copies 800 MB."},
    ),
    "every worker adds to one shared counter": (
        "Value",
        "one number in shared memory, updated under value.get_lock().",
        {"Manager": "a Manager works, but every update is a round trip to its server process."},
    ),
    "processes share a dict whose keys change over time; convenience matters more than speed": (
        "Manager",
        "a Manager serves real dicts and lists to every process, through proxies.",
        {"shared_memory": "shared memory holds bytes, not a dict that grows and shrinks."},
    ),
}


@checker
def check_mechanisms(choices: object) -> Feedback:
    """A dict from each scenario of :data:`MECHANISM_SCENARIOS` to one of the mechanisms."""
    if choices is None:
        raise Wrong("fill in the dict first (it is still None).")
    if not isinstance(choices, dict):
        raise Wrong(f"choices should be a dict; got {type(choices).__name__}.")
    missing = [key for key in MECHANISM_SCENARIOS if key not in choices]
    if missing:
        raise Wrong(f"keep every key of the template; missing: {missing}.")
    for scenario, (best, _why, hints) in MECHANISM_SCENARIOS.items():
        answer = choices[scenario]
        if answer not in MECHANISM_CHOICES:
            raise Wrong(f"{scenario!r}: choose one of {list(MECHANISM_CHOICES)}; got {answer!r}.")
        if answer != best:
            hint = hints.get(answer, "think about how many processes write, and how much data.")
            raise Wrong(f"{scenario!r}: not {answer!r}. {hint}")
    return passed(" ".join(why for _best, why, _hints in MECHANISM_SCENARIOS.values()))


# --------------------------------------------------------------------------------------------
# Exercise 3: shared memory that is always cleaned up
# --------------------------------------------------------------------------------------------

SUM_DATA = bytes(range(256)) * 40


def _remove_segments(names: set[str]) -> list[str]:
    """Unlink shared-memory blocks a wrong answer left behind, so the notebook stays clean."""
    removed = []
    for name in sorted(names):
        if name.startswith("sem."):
            continue  # semaphores are freed with their objects
        try:
            block = shared_memory.SharedMemory(name=name)
        except (FileNotFoundError, ValueError, OSError):
            continue
        block.close()
        block.unlink()
        removed.append(name)
    return removed


@checker
def check_sum_in_child(sum_in_child: object) -> Feedback:
    """``sum_in_child(data)``: copy ``data`` into shared memory, sum it in a child, clean up."""
    if sum_in_child is None:
        raise Wrong("define sum_in_child(data) first (it is still None).")
    expect_callable(sum_in_child, "sum_in_child")
    segments_before = leftovers.shared_memory_segments()
    children_before = set(leftovers.child_processes())
    try:
        total = call_with_timeout(sum_in_child, SUM_DATA, timeout=90)
    finally:
        leaked = leftovers.new_segments(segments_before)
        removed = _remove_segments(leaked)
    if removed:
        raise Wrong(
            f"the shared-memory block {removed[0]!r} was still in /dev/shm after your function "
            "returned (the checker removed it). Call close() and then unlink() in a finally."
        )
    if total != sum(SUM_DATA):
        raise Wrong(f"the sum of the data is {sum(SUM_DATA)}; your function returned {total!r}.")
    still_running = set(leftovers.child_processes()) - children_before
    if still_running:
        raise Wrong(f"child processes {sorted(still_running)} are still running: join them.")
    if not os.path.isdir("/dev/shm"):
        return passed("the sum is right (this system has no /dev/shm to check for leaks).")
    return passed("the right sum, no process left running, and the block was unlinked.")
