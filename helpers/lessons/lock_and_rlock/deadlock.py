"""Deadlock, shown safely, and its standard cure: one global lock order.

* :func:`opposite_order_deadlock`: two threads take two locks in opposite orders; timeouts
  detect the deadlock and nothing hangs. ``while_stuck`` runs while both wait, to look at them.
* :func:`in_lock_order` and :func:`acquire_in_order`: a global lock order, the standard cure.
* :func:`lock_pair_rounds`: many rounds of the two threads, with and without the order.
"""

from __future__ import annotations

import contextlib
import linecache
import math
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from types import CodeType, FrameType
from typing import Annotated, Any

from ...core.domains import Bool, Count, Fn, Has, Items, Number, Seconds, Where, validated
from ...core.lifecycle import run_threads, stop
from ...core.races import pause
from ...core.validate import MAX_TIMEOUT_S

#: How long a deadlock demo waits for a lock before it gives up and reports.
DeadlockTimeout = Annotated[float, Seconds(10.0)]

#: Any locks (anything with ``acquire`` and ``release``), each at most once.
Locks = Annotated[Sequence[Any], Items(Has(("acquire", "release"), "a lock"), empty_ok=True)]


def _lock_timeout(value: object, argument: str) -> float:
    Number(maximum=MAX_TIMEOUT_S, unit="seconds").check(value, argument)
    assert isinstance(value, (int, float))
    if value < 0 and value != -1:  # as Lock.acquire: -1 is the one way to say "forever"
        raise ValueError(f"{argument} must be -1 (wait forever) or >= 0 seconds; got {value!r}")
    return value


#: A bound on taking locks, as ``Lock.acquire`` has it: -1 waits forever, else 0 s or more.
LockTimeout = Annotated[
    float,
    Where(_lock_timeout, -1, (-2, -0.5, math.nan, True, "1", None, 2 * MAX_TIMEOUT_S)),
]


@dataclass(frozen=True)
class Attempt:
    """One thread's try for its second lock while holding its first."""

    thread: str
    holds: str
    wants: str
    got_it: bool
    waited: float

    def __str__(self) -> str:
        verdict = "got it" if self.got_it else f"gave up after {self.waited * 1e3:.0f} ms"
        return f"{self.thread}: holds {self.holds}, wants {self.wants} -> {verdict}"


#: Called with the threads seen waiting for their second lock, while they still wait.
WhileStuck = Annotated[Callable[[list[threading.Thread]], object] | None, Fn(optional=True)]


@validated
def opposite_order_deadlock(
    timeout: DeadlockTimeout = 0.2, *, while_stuck: WhileStuck = None
) -> list[Attempt]:
    """Two threads take locks A and B in opposite orders, the classic deadlock, shown safely.

    A barrier makes the unlucky timing happen every time: both threads hold their first lock
    before either asks for its second. Each then asks with ``acquire(timeout=...)``, so
    instead of waiting forever it gives up and reports. A second barrier keeps both first
    locks held until both have given up, so both see the deadlock, never just one.

    ``while_stuck(threads)``, if given, runs in the calling thread as soon as both threads
    are seen inside their second ``acquire`` (or, on a machine so loaded that they gave up
    first, with the ones that were seen: possibly none), while they are still waiting.
    """
    locks = {"A": threading.Lock(), "B": threading.Lock()}
    both_hold_one = threading.Barrier(2)
    both_tried = threading.Barrier(2)
    attempts: list[Attempt] = []

    def worker(name: str, first: str, second: str) -> None:
        with locks[first]:
            both_hold_one.wait(timeout=5)
            start = time.perf_counter()
            got = locks[second].acquire(timeout=timeout)
            waited = time.perf_counter() - start
            if got:
                locks[second].release()
            attempts.append(Attempt(name, first, second, got, waited))
            both_tried.wait(timeout=5)

    threads = [
        threading.Thread(target=worker, args=("thread 1", "A", "B"), name="deadlock-1"),
        threading.Thread(target=worker, args=("thread 2", "B", "A"), name="deadlock-2"),
    ]
    for thread in threads:
        thread.start()
    if while_stuck is not None:
        while_stuck(_seen_waiting(threads, worker.__code__, time.monotonic() + timeout / 2))
    stop(threads, timeout + 10).check("the deadlock demo's threads")
    return sorted(attempts, key=lambda a: a.thread)


def _seen_waiting(
    threads: list[threading.Thread], code: CodeType, deadline: float
) -> list[threading.Thread]:
    """The threads whose innermost frame runs ``code`` at a line calling ``.acquire(``,
    polled until all are or ``deadline`` passes (a thread blocked in C shows the line that
    called it; one waiting at the barrier is inside ``Barrier.wait``, which does not count)."""

    def waits(frame: FrameType | None) -> bool:
        return (
            frame is not None
            and frame.f_code is code
            and ".acquire(" in linecache.getline(code.co_filename, frame.f_lineno)
        )

    while True:
        frames = sys._current_frames()
        waiting = [thread for thread in threads if waits(frames.get(thread.ident or -1))]
        if len(waiting) == len(threads) or time.monotonic() > deadline:
            return waiting
        time.sleep(0.001)


@validated
def in_lock_order(locks: Locks) -> list[Any]:
    """``locks`` sorted into the program's one global order (here: by ``id``).

    Any fixed total order works: an explicit rank, an account number, a name. ``id(lock)`` is
    unique and constant while the lock exists, so it orders any locks without extra data.
    """
    if len({id(lock) for lock in locks}) != len(locks):
        raise ValueError("locks must not contain the same lock twice (a Lock cannot be re-taken)")
    return _in_lock_order(locks)


def _in_lock_order(locks: Sequence[Any]) -> list[Any]:
    # The order itself, unchecked: lock_pair_rounds takes it on every round.
    return sorted(locks, key=id)


@validated
@contextlib.contextmanager
def acquire_in_order(*locks: Any, timeout: LockTimeout = -1) -> Iterator[None]:
    """``with acquire_in_order(a, b):`` holds every lock, taken in the global order.

    If every thread takes its locks in the same order, no cycle of waiting threads can form,
    so no deadlock. ``timeout`` (seconds, for all locks together; -1 waits forever) turns a
    long wait into ``TimeoutError``; the locks already taken are released first.
    Locks are released in the reverse order.
    """
    if not locks:
        raise ValueError("locks must name at least one lock: acquire_in_order(a, b, ...)")
    ordered = in_lock_order(locks)
    deadline = None if timeout < 0 else time.monotonic() + timeout
    taken: list[Any] = []
    try:
        for lock in ordered:
            wait = -1 if deadline is None else max(0.0, deadline - time.monotonic())
            if not lock.acquire(timeout=wait):
                raise TimeoutError(f"could not take all {len(locks)} locks within {timeout:g} s")
            taken.append(lock)
        yield
    finally:
        for lock in reversed(taken):
            lock.release()


@dataclass(frozen=True)
class PairOutcome:
    """Rounds in which two threads each took two shared locks (in opposite orders if unordered)."""

    ordered: bool
    rounds: int
    completed: int
    timeouts: int

    def __str__(self) -> str:
        how = "in one global order" if self.ordered else "each in its own order"
        # Ordered, no cycle can form: a timeout there is a thread that lost the (unfair) lock
        # again and again on a busy machine. Unordered, a timeout cannot tell which it was.
        why = "starvation, never a deadlock" if self.ordered else "a deadlock, or starvation"
        gave_up = f"{self.timeouts} gave up waiting" + (f" ({why})" if self.timeouts else "")
        return (
            f"2 threads x {self.rounds // 2} rounds, locks taken {how}: {self.completed} of "
            f"{self.rounds} rounds completed, {gave_up}"
        )


@validated
def lock_pair_rounds(
    rounds: Count = 200, *, ordered: Bool, timeout: DeadlockTimeout = 0.2
) -> PairOutcome:
    """Thread 1 wants (A, B), thread 2 wants (B, A), ``rounds`` times each.

    Between taking its first and its second lock each thread pauses
    (:func:`helpers.core.races.pause`), the honest widened window again, so the other thread
    can grab its first lock meanwhile. Unordered, that is a deadlock, detected by the timeout.
    Ordered (:func:`in_lock_order`), both threads go for the same first lock, and nothing can
    deadlock; a timeout there is starvation (a lock is not fair: the other thread may win it
    round after round on a loaded machine), so never count on zero timeouts.
    """
    a, b = threading.Lock(), threading.Lock()
    completed: list[int] = []
    timeouts: list[int] = []

    def take_all(wanted: Sequence[threading.Lock]) -> bool:
        order = _in_lock_order(wanted) if ordered else list(wanted)
        taken = []
        try:
            for lock in order:
                if not lock.acquire(timeout=timeout):
                    return False
                taken.append(lock)
                pause()  # the window between the first and the second lock
            return True
        finally:
            for lock in reversed(taken):
                lock.release()

    def worker(wanted: Sequence[threading.Lock]) -> None:
        for _ in range(rounds):
            (completed if take_all(wanted) else timeouts).append(1)

    run_threads(worker, [((a, b),), ((b, a),)], timeout=10 + 2 * rounds * timeout)
    return PairOutcome(ordered, 2 * rounds, len(completed), len(timeouts))
