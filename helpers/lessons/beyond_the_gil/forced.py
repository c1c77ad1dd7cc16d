"""One forced schedule: stop thread A between its read and its write, let thread B run.

A lost update (or a check-then-act race) needs one interleaving: A reads shared state, B
changes it, A writes what it computed from its stale read. Real threads hit that interleaving
by luck, rarely on a GIL build. The checkers of notebook 10 do not wait for luck: they *force*
it. The shared object is the checker's own (a counter whose ``value`` is a property, a dict
subclass); it records every read and write with the thread that made it, and it stops A just
before A's first write, until B has finished, or is seen waiting for a lock, or has made no
step for :data:`QUIET_S`. Then A goes on.

- An unsafe answer lets B through: B's steps land between A's read and A's write, and the
  result shows it (B's update overwritten, or two threads told different winners). Every time.
- A safe answer makes B wait (for the lock A holds, or until A's atomic operation is done), so
  A's read and write stay together, and the result is exact.

B is seen waiting on the locks the answer creates while the checker builds its object
(``threading.Lock()`` and ``threading.RLock()`` are wrapped for that moment); a lock created
elsewhere (at module level) is recognised by B making no step for :data:`QUIET_S` instead.
The interleaving lab (``helpers.lab``) explores *every* schedule; this module runs the one
that matters for these two exercises. Child-safe: standard library and the course's core.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any

from ...core.domains import Fn, Of, Seconds, validated

#: How long B may make no step before the checker takes it as waiting (for a lock it cannot
#: see being taken). A runnable thread makes its first step within microseconds.
QUIET_S = 1.0
#: Bound on every wait of the forced schedule (a deadlocked answer fails, it does not hang).
BOUND_S = 20.0

_REAL_LOCK = threading.Lock
_REAL_RLOCK = threading.RLock
#: The checker's two threads, by their thread names.
_THREAD_NAMES = {"forced-A": "A", "forced-B": "B"}


@dataclass(frozen=True)
class Step:
    thread: str
    what: str

    def __str__(self) -> str:
        return f"{self.thread} {self.what}"


class Schedule:
    """Records who did what, and holds A just before its first write."""

    def __init__(self) -> None:
        self._lock = _REAL_LOCK()
        self._changed = threading.Condition(_REAL_LOCK())
        self.steps: list[Step] = []
        self.a_paused = threading.Event()
        self.release_a = threading.Event()
        self._a_wrote = False
        self.b_waiting = False
        self.last_b_step = time.monotonic()

    @staticmethod
    def _who() -> str:
        return _THREAD_NAMES.get(threading.current_thread().name, "?")

    def record(self, what: str) -> None:
        who = self._who()
        if who == "?":  # the checker itself (building the object, reading the result)
            return
        with self._lock:
            self.steps.append(Step(who, what))
        if who == "B":
            self._touch()

    def before_write(self, what: str) -> None:
        """Called by the shared object just before it changes: A stops here, once."""
        if self._who() == "A" and not self._a_wrote:
            self._a_wrote = True
            self.record("stops before: " + what)
            self.a_paused.set()
            if not self.release_a.wait(BOUND_S):
                raise TimeoutError(f"the checker did not let thread A go on within {BOUND_S} s")
        self.record(what)

    def waiting(self) -> None:
        """Called by a wrapped lock when the current thread must wait for it."""
        if self._who() == "B":
            self.b_waiting = True
            self.record("waits for a lock")

    def _touch(self) -> None:
        with self._changed:
            self.last_b_step = time.monotonic()
            self._changed.notify_all()

    def wait_for_b(self, b_done: threading.Event, quiet: float | None) -> None:
        """Until B finished, waits for a lock, or (unless ``quiet`` is None) made no step for
        ``quiet`` seconds since it started running."""
        deadline = time.monotonic() + BOUND_S
        with self._changed:
            while not (b_done.is_set() or self.b_waiting):
                now = time.monotonic()
                if now >= deadline or (quiet is not None and now - self.last_b_step >= quiet):
                    return
                self._changed.wait(0.02)


class _WatchedLock:
    """A real lock that tells the schedule when a thread has to wait for it."""

    def __init__(self, real: Any, schedule: Schedule) -> None:
        self._real = real
        self._schedule = schedule

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        if self._real.acquire(False):
            return True
        if not blocking:
            return False
        self._schedule.waiting()
        return bool(self._real.acquire(True, timeout))

    def release(self) -> None:
        self._real.release()

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *exc_info: object) -> None:
        self.release()

    def __getattr__(self, name: str) -> Any:  # locked(), and RLock's helpers for Condition
        return getattr(self._real, name)


@contextmanager
def watched_locks(schedule: Schedule) -> Iterator[None]:
    """While the checker builds the learner's object, the locks it creates are watched."""
    threading.Lock = lambda: _WatchedLock(_REAL_LOCK(), schedule)  # type: ignore[misc, assignment]
    threading.RLock = lambda *a, **k: _WatchedLock(_REAL_RLOCK(*a, **k), schedule)  # type: ignore[misc]
    try:
        yield
    finally:
        threading.Lock = _REAL_LOCK  # type: ignore[misc]
        threading.RLock = _REAL_RLOCK  # type: ignore[misc]


@dataclass(frozen=True)
class Forced:
    """How the forced schedule went: each thread's result (or error), and the steps."""

    results: dict[str, Any]
    errors: dict[str, BaseException]
    steps: tuple[Step, ...]
    #: A stopped before a write (False: it finished without writing).
    a_stopped: bool
    #: When A was let go: B had been seen waiting for a watched lock; B had finished.
    b_waited: bool
    b_finished_first: bool

    def story(self) -> str:
        return " · ".join(map(str, self.steps))


@validated
def force(
    schedule: Annotated[Schedule, Of(Schedule)],
    run_a: Annotated[Callable[[], Any], Fn()],
    run_b: Annotated[Callable[[], Any], Fn()],
    *,
    quiet: Annotated[float | None, Seconds(BOUND_S, optional=True)] = QUIET_S,
) -> Forced:
    """Run ``run_a`` on thread A until it stops before its first write, then ``run_b`` on
    thread B (until it is done, waits for a watched lock, or has made no step for ``quiet``
    seconds since it started running; ``quiet=None``: until it is done), then let A go on.
    Both are joined within :data:`BOUND_S`; a thread still running then is reported by
    :class:`TimeoutError`."""
    results: dict[str, Any] = {}
    errors: dict[str, BaseException] = {}
    done = {"A": threading.Event(), "B": threading.Event()}
    b_running = threading.Event()

    def body(name: str, fn: Callable[[], Any]) -> None:
        if name == "B":
            schedule.last_b_step = time.monotonic()  # B's quiet time counts from here
            b_running.set()
        try:
            results[name] = fn()
        except BaseException as error:  # reported to the checker, never lost in a thread
            errors[name] = error
        finally:
            done[name].set()
            if name == "A":
                schedule.a_paused.set()  # A finished without writing: nothing to hold

    a = threading.Thread(target=body, args=("A", run_a), name="forced-A", daemon=True)
    b = threading.Thread(target=body, args=("B", run_b), name="forced-B", daemon=True)
    started = []
    try:
        a.start()
        started.append(a)
        if not schedule.a_paused.wait(BOUND_S):
            raise TimeoutError(f"thread A neither wrote nor finished within {BOUND_S} s")
        a_stopped = not done["A"].is_set()
        b.start()
        started.append(b)
        if a_stopped and b_running.wait(BOUND_S):
            schedule.wait_for_b(done["B"], quiet)
        b_first, b_waited = done["B"].is_set(), schedule.b_waiting  # as A is let go
    finally:
        schedule.release_a.set()
        for thread in started:
            thread.join(BOUND_S)
    stuck = [t.name for t in started if t.is_alive()]
    if stuck:
        raise TimeoutError(
            f"{', '.join(stuck)} did not finish within {BOUND_S} s: is a lock never released?"
        )
    return Forced(results, errors, tuple(schedule.steps), a_stopped, b_waited, b_first)
