"""Checkers for notebook 09 (inter-process communication).

Where the exercise is about concurrency (two processes updating one shared value), the checker
uses the interleaving lab: it runs the answer in threads standing in for the processes, over
an object with the same API and atomicity (:mod:`.standins`), under every interleaving within
a bound, and answers with the number of interleavings or the shortest failing schedule (a
table in the feedback). Where
it is about a child process (shared memory filled by a child), it injects what the exercise
promises to survive: a slow child, one that dies, one that never ends.
"""

from __future__ import annotations

import contextlib
import inspect
import os
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from multiprocessing import shared_memory
from typing import Any

from ...core import checks, leftovers, machine
from ...core.lifecycle import end_processes
from ...lab import prove, require
from ...lab.stepping import is_cell
from . import child
from .standins import CopyingDict, raw_value, synchronized_int


def _steps_for(answer: object) -> tuple[str, ...]:
    """The module of the learner's function, for the lab to step (cells are always stepped).

    Code the lab cannot step would run as one indivisible step, and could never be caught in
    a race: such an answer is refused rather than passed.
    """
    code = getattr(inspect.unwrap(answer), "__code__", None)  # type: ignore[arg-type]
    if code is None:
        raise checks.Wrong(
            "define it as a function (def ...), so that the lab can step through it."
        )
    if is_cell(code.co_filename):
        return ()
    module = getattr(answer, "__module__", None)
    source = getattr(sys.modules.get(module or ""), "__file__", None)
    if (
        module is None
        or source is None
        or os.path.abspath(source) != os.path.abspath(code.co_filename)
    ):
        raise checks.Wrong(
            "the lab can step through code in a notebook cell or in a module's file; this "
            f"function comes from {code.co_filename!r}. Define it in a cell."
        )
    return (module,)


# --------------------------------------------------------------------------------------------
# Exercise 1: append to a list inside a Manager's dict, from several processes
# --------------------------------------------------------------------------------------------


@dataclass
class _Shared:
    """The lab's shared state for exercise 1: the dict and the lock every process is given."""

    shared: CopyingDict
    lock: Any


def _shared_log() -> _Shared:
    import threading

    return _Shared(CopyingDict({"log": [], "other": [1, 2]}), threading.Lock())


@checks.checker
def check_append_to(append_to: object) -> checks.Feedback:
    """``append_to(shared, lock, key, item)``: append ``item`` to the list ``shared[key]`` of a
    Manager's dict, so that two processes appending at the same time lose nothing."""
    if append_to is None:
        raise checks.Wrong("define append_to(shared, lock, key, item) first (it is still None).")
    checks.expect_callable(append_to, "append_to")
    with machine.mp_context().Manager() as manager:
        shared = manager.dict({"log": ["start"], "other": [1, 2]})
        lock = manager.Lock()

        def one_at_a_time() -> None:  # one helper thread for both calls (see record_max)
            append_to(shared, lock, "log", "step 1")
            append_to(shared, lock, "log", "step 2")

        # A lock taken and never released would block the second call: the timeout says so,
        # and shutting the manager down (leaving the block) ends the waiting call.
        checks.call_with_timeout(one_at_a_time, timeout=10)
        log, other = list(shared["log"]), list(shared["other"])
    if log == ["start"]:
        raise checks.Wrong(
            "the manager's dict still holds ['start']: shared[key] gives you a copy of the "
            "list, and appending to the copy changes nothing on the server. Assign it back."
        )
    if log != ["start", "step 1", "step 2"]:
        raise checks.Wrong(
            f"after two calls shared['log'] should be ['start', 'step 1', 'step 2'], got {log}."
        )
    if other != [1, 2]:
        raise checks.Wrong(f"only shared[key] should change; shared['other'] became {other}.")
    verdict = prove(
        {
            "A": lambda s: append_to(s.shared, s.lock, "log", "A"),
            "B": lambda s: append_to(s.shared, s.lock, "log", "B"),
        },
        setup=_shared_log,
        check=lambda s: sorted(s.shared.data["log"]) == ["A", "B"],
        show=lambda s: {"log": s.shared.data["log"]},
        step=_steps_for(append_to),
    )
    require(verdict, "two processes appending at once keep both items")
    return checks.passed(
        f"one at a time it reaches the server; two at once keep both items: {verdict.message}. "
        "(The lab runs threads in place of the processes, over a dict that copies values in "
        "and out as a Manager's proxy does.)"
    )


# --------------------------------------------------------------------------------------------
# Exercise 2: choose the mechanism
# --------------------------------------------------------------------------------------------

MECHANISM_CHOICES = ("Queue", "Pipe", "Manager", "shared_memory", "Value")

#: Scenario → (best answer, why; feedback for tempting wrong answers).
MECHANISM_SCENARIOS: dict[str, tuple[str, str, dict[str, str]]] = {
    "many workers send results to one collector": (
        "Queue",
        "many writers and readers is what a Queue is for: it locks around each message.",
        {
            "Pipe": "one Pipe end must not be written by several processes at once.",
            "Manager": "a Manager's queue works, but every put is a trip through its server.",
        },
    ),
    "exactly two processes trade many small messages, as fast as possible": (
        "Pipe",
        "two ends, no feeder thread, no lock: the cheapest message channel.",
        {
            "Queue": "a Queue works, but its feeder thread and lock are not needed by two ends.",
            "Manager": "every Manager call is a round trip through a third process.",
        },
    ),
    "four processes read the same 200 MB block of bytes": (
        "shared_memory",
        "shared memory maps the block into every process: nothing is copied or pickled.",
        {
            "Queue": "sending 200 MB to each of four processes pickles and copies 800 MB.",
            "Pipe": "a pipe copies every byte through the kernel, once per reader.",
            "Value": "a Value holds one number, not 200 MB.",
        },
    ),
    "every worker adds to one shared counter": (
        "Value",
        "one number in shared memory, updated under value.get_lock().",
        {
            "Manager": "a Manager works, but every update is a round trip to its server process.",
            "shared_memory": "a raw block works, but you would need a lock of your own; a Value "
            "comes with one.",
        },
    ),
    "processes share a dict whose keys change over time; convenience matters more than speed": (
        "Manager",
        "a Manager serves real dicts and lists to every process, through proxies.",
        {"shared_memory": "shared memory holds bytes, not a dict that grows and shrinks."},
    ),
}


@checks.checker
def check_mechanisms(choices: object) -> checks.Feedback:
    """A dict from each scenario of :data:`MECHANISM_SCENARIOS` to one of the mechanisms."""
    chosen = checks.dict_answer(
        choices, "choices", MECHANISM_SCENARIOS, unset="fill in the dict first (it is still None)."
    )
    for scenario, (best, _why, hints) in MECHANISM_SCENARIOS.items():
        answer = chosen[scenario]
        if answer is None:
            raise checks.Wrong(f"{scenario!r} is still None.")
        if answer not in MECHANISM_CHOICES:
            raise checks.Wrong(
                f"{scenario!r}: choose one of {list(MECHANISM_CHOICES)}; got {answer!r}."
            )
        if answer != best:
            hint = hints.get(answer, "think about how many processes write, and how much data.")
            raise checks.Wrong(f"{scenario!r}: not {answer!r}. {hint}")
    return checks.passed(" ".join(why for _best, why, _hints in MECHANISM_SCENARIOS.values()))


# --------------------------------------------------------------------------------------------
# Exercise 3: the highest score, in a shared Value
# --------------------------------------------------------------------------------------------


@checks.checker
def check_record_max(record_max: object) -> checks.Feedback:
    """``record_max(best, candidate)``: keep in the shared ``Value`` ``best`` the highest score
    ever reported, when several processes report at once."""
    if record_max is None:
        raise checks.Wrong("define record_max(best, candidate) first (it is still None).")
    checks.expect_callable(record_max, "record_max")
    best = machine.mp_context().Value("i", 0)

    def one_at_a_time() -> list[tuple[int, int, int]]:
        # One helper thread for every call: the Value's lock is recursive, so an answer that
        # never releases it does not block itself here; the lab then shows its deadlock.
        seen = []
        for candidate, expected in ((3, 3), (1, 3), (8, 8)):
            record_max(best, candidate)
            seen.append((candidate, expected, best.get_obj().value))
        return seen

    for candidate, expected, found in checks.call_with_timeout(one_at_a_time, timeout=10):
        if found != expected:
            raise checks.Wrong(
                f"one call at a time: after record_max(best, {candidate}) best.value should be "
                f"{expected}, but it is {found}."
            )
    verdict = prove(
        {"A": lambda b: record_max(b, 5), "B": lambda b: record_max(b, 7)},
        setup=lambda: synchronized_int(0),
        check=lambda b: raw_value(b) == 7,
        show=lambda b: {"best": raw_value(b)},
        step=_steps_for(record_max),
    )
    require(verdict, "with 5 and 7 reported at once, best ends at 7")
    return checks.passed(
        f"the comparison and the write happen under one lock: {verdict.message}. (The lab runs "
        "threads in place of the processes, over multiprocessing's own Synchronized wrapper.)"
    )


# --------------------------------------------------------------------------------------------
# Exercise 4: a block filled by a child, cleaned up whatever happens
# --------------------------------------------------------------------------------------------

# An unusual size: /dev/shm is shared by the whole machine, and the checker counts only new
# blocks of exactly this size as the answer's (another notebook's block is not its leak).
FILL_SIZE = 4099
FILL_VALUE = 7
#: The checker's cases: (what, filler, timeout given, should the answer raise?).
_FILL_CASES: tuple[tuple[str, Callable[..., None], float, bool], ...] = (
    ("a child that works 1.5 s before it writes", child.fill_shared_slowly, 10.0, False),
    ("a child that writes at once", child.fill_shared, 10.0, False),
    ("a child that writes half the block, then dies", child.fill_half_then_die, 10.0, True),
    ("a child that would take a minute, given 0.5 s", child.fill_too_late, 0.5, True),
)
#: An answer that returns later than this for the slow child waited for the clock, not for it.
_SLOW_LIMIT_S = 6.0
#: How much longer than the timeout it was given the checker waits for an answer.
_GIVE_UP_S = 5.0


def _blocks_of_size(names: Iterable[str], size: int) -> list[str]:
    """The blocks among ``names`` that hold exactly ``size`` bytes (Linux: /dev/shm files)."""
    found = []
    for name in names:
        with contextlib.suppress(OSError):  # already gone
            if (leftovers.SHM_DIR / name).stat().st_size == size:
                found.append(name)
    return found


def _remove_segments(names: Iterable[str]) -> list[str]:
    """Unlink shared-memory blocks a wrong answer left behind, so the notebook stays clean."""
    removed = []
    for name in sorted(names):
        try:
            block = shared_memory.SharedMemory(name=name)
        except (FileNotFoundError, ValueError, OSError):
            continue
        block.close()
        block.unlink()
        removed.append(name)
    return removed


@checks.checker
def check_filled_by_child(filled_by_child: object) -> checks.Feedback:
    """``filled_by_child(size, value, filler, timeout)``: a child fills a new block; return its
    bytes, or raise ``RuntimeError`` if the child failed or did not finish in time; whatever
    happens, no process left, the block closed and unlinked."""
    if filled_by_child is None:
        raise checks.Wrong(
            "define filled_by_child(size, value, filler, timeout) first (still None)."
        )
    checks.expect_callable(filled_by_child, "filled_by_child")
    expected = bytes([FILL_VALUE]) * FILL_SIZE
    for what, filler, timeout, must_raise in _FILL_CASES:
        segments = leftovers.shared_memory_segments()
        children = set(leftovers.child_processes())
        started = time.monotonic()
        outcome: Any = None
        error: BaseException | None = None
        try:
            outcome = checks.call_with_timeout(
                filled_by_child,
                FILL_SIZE,
                FILL_VALUE,
                filler,
                timeout,
                timeout=timeout + _GIVE_UP_S,
            )
        except checks.CheckTimeout:
            error = checks.CheckTimeout()
        except Exception as raised:  # judged below, once everything is cleaned up
            error = raised
        finally:
            elapsed = time.monotonic() - started
            running = {p: n for p, n in leftovers.child_processes().items() if p not in children}
            end_processes(running)
            removed = _remove_segments(_blocks_of_size(leftovers.new_segments(segments), FILL_SIZE))
        if isinstance(error, checks.CheckTimeout):
            raise checks.Wrong(
                f"with {what}, your function was still waiting {timeout + _GIVE_UP_S:g} s later "
                f"although it was allowed {timeout:g} s: bound the wait (join(timeout)), and "
                "end a child that is still running. (The checker has ended it.)"
            )
        if running:
            raise checks.Wrong(
                f"with {what}, the child {sorted(running)} was still running when your function "
                "was done (the checker has ended it): terminate it after the bounded wait."
            )
        if isinstance(error, BufferError):
            raise checks.Wrong(
                f"with {what}: BufferError: {error}. A memoryview into the block (such as "
                "block.buf[:size]) keeps it open, so close() fails and the block is left "
                "behind: copy the bytes out with bytes(...) first."
            )
        if removed:
            raise checks.Wrong(
                f"with {what}, the block {removed[0]!r} was left in /dev/shm (the checker "
                "removed it): close() and unlink() it in a finally, so that it goes whatever "
                "happens."
            )
        if must_raise:
            if error is None:
                raise checks.Wrong(
                    f"with {what}, your function returned {_describe(outcome)} instead of "
                    "raising RuntimeError: check how the child ended before reading the block."
                )
            if not isinstance(error, RuntimeError):
                raise checks.Wrong(
                    f"with {what}, raise RuntimeError (got {type(error).__name__}: {error})."
                )
            continue
        if error is not None:
            raise checks.Wrong(f"with {what}, your function raised {type(error).__name__}: {error}")
        if outcome != expected:
            raise checks.Wrong(
                f"with {what}, it returned {_describe(outcome)}, not the {FILL_SIZE} bytes of "
                f"value {FILL_VALUE}: was the child finished when you read the block?"
            )
        if filler is child.fill_shared_slowly and elapsed > _SLOW_LIMIT_S:
            raise checks.Wrong(
                f"the child was done after about 1.5 s, but your function returned after "
                f"{elapsed:.1f} s: wait for the process (join), not for the clock."
            )
    return checks.passed(
        "the bytes when the child ends well; RuntimeError when it dies or overruns; and every "
        "time, no process left and the block unlinked."
    )


def _describe(outcome: object) -> str:
    if isinstance(outcome, (bytes, bytearray, memoryview)):
        data = bytes(outcome)
        written = sum(1 for byte in data if byte == FILL_VALUE)
        return f"{len(data)} bytes ({written} of them written by the child)"
    return repr(outcome)
