"""The lab's point, measured: the search against real, unsteered runs of the same code.

An *unsteered* run is the level's threads on plain threads, the OS and the GIL choosing the
interleaving, with real time: no engine, no tracing. How many such runs does it take to hit the
failure once? :func:`runs_to_failure` counts (the median over a few tries, capped, and it
says when the cap was hit). :func:`search_vs_unsteered` puts it next to the search's time to
its first failing schedule.

A real deadlock must not leave threads behind, so in the run's own threads (and only there) a
wait that would last longer than ``cap_s`` is cut: a timed wait times out at ``cap_s``, a wait
without a timeout raises, which ends the thread and counts as a deadlock. The primitives stay
the real C locks: the timing is the real one.
"""

from __future__ import annotations

import _thread
import html
import queue
import statistics
import threading
import time
from dataclasses import dataclass
from typing import Annotated, Any

from ..core.domains import Fn, Int, Number, Of, validated
from . import primitives as p
from .levels import Level
from .records import Outcome, Program, ThreadError
from .search import Failing, explore

_tls = threading.local()


class Stuck(BaseException):
    """A wait in a run's thread lasted longer than the cap: the run is deadlocked."""


def _capped() -> float | None:
    return getattr(_tls, "cap", None)


class CappedLock(p.LockFace):
    """A real lock whose long waits, in an unsteered run's threads, end at the cap."""

    __slots__ = ("__weakref__", "_real")

    def __init__(self) -> None:
        self._real = p.REAL_ALLOCATE_LOCK()

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        cap = _capped()
        if cap is None or not blocking:
            return self._real.acquire(blocking, timeout)
        if timeout == -1:
            if self._real.acquire(True, cap):
                return True
            raise Stuck(f"a wait without a timeout lasted more than {cap:g} s")
        return self._real.acquire(True, min(timeout, cap))

    def release(self) -> None:
        self._real.release()

    def _at_fork_reinit(self) -> None:
        self._real = p.REAL_ALLOCATE_LOCK()


def _start(self: threading.Thread) -> None:
    cap = _capped()
    if cap is not None:  # a thread a run's thread starts belongs to the run
        run = self.run

        def capped_run() -> None:
            _tls.cap = cap
            try:
                run()
            except Stuck:
                _stuck_threads.append(self.name)

        self.run = capped_run  # type: ignore[method-assign]
    p.REAL_START(self)


def _join(self: threading.Thread, timeout: float | None = None) -> None:
    cap = _capped()
    if cap is None:
        p.REAL_JOIN(self, timeout)
        return
    p.REAL_JOIN(self, cap if timeout is None else min(timeout, cap))
    if timeout is None and self.is_alive():
        raise Stuck(f"join() waited more than {cap:g} s")


_stuck_threads: list[str] = []

_FIXED = (
    (_thread, "allocate_lock", CappedLock),
    (_thread, "allocate", CappedLock),
    (threading, "Lock", CappedLock),
    (threading, "_allocate_lock", CappedLock),
    (threading, "RLock", threading._PyRLock),  # type: ignore[attr-defined]
    (threading.Thread, "start", _start),
    (threading.Thread, "join", _join),
    (queue, "SimpleQueue", queue._PySimpleQueue),  # type: ignore[attr-defined]
)
_REBIND = {
    id(p.REAL_ALLOCATE_LOCK): CappedLock,
    id(p.REAL_LOCK_TYPE): CappedLock,
    id(p.REAL_RLOCK): threading._PyRLock,  # type: ignore[attr-defined]
    id(p.REAL_SIMPLE_QUEUE): queue._PySimpleQueue,  # type: ignore[attr-defined]
}


@validated
def run_once(
    program: Annotated[Program, Of(Program)],
    cap_s: Annotated[float, Number(0, 10, above=True, unit="seconds")] = 0.5,
) -> Outcome:
    """One unsteered run of ``program`` on plain threads. Call it inside :func:`capped`."""
    _stuck_threads.clear()
    _tls.cap = cap_s  # setup's threads (a pool's workers) belong to the run too
    try:
        state = program.setup() if program.setup else None
    finally:
        _tls.cap = None
    args = () if program.setup is None else (state,)
    errors: list[ThreadError] = []

    def body(name: str, fn: Any) -> None:
        _tls.cap = cap_s
        try:
            fn(*args)
        except Stuck:
            _stuck_threads.append(name)
        except Exception as error:
            errors.append(ThreadError(name, type(error).__name__, str(error), ""))

    threads = [
        threading.Thread(target=body, args=(name, fn), name=f"unsteered-{name}", daemon=True)
        for name, fn in program.threads
    ]
    for thread in threads:
        p.REAL_START(thread)
    for thread in threads:
        p.REAL_JOIN(thread, 4 * cap_s + 5)
    kind, message = "finished", "every thread finished"
    if _stuck_threads:
        kind, message = "deadlock", f"stuck for more than {cap_s:g} s: {sorted(_stuck_threads)}"
    elif errors:
        kind, message = "exception", "; ".join(str(e) for e in errors)
    elif program.invariant is not None and not program.invariant(state):
        kind, message = "invariant", "the invariant is broken at the end"
    elif program.check is not None and not program.check(state):
        kind, message = "check", "the final check failed"
    values = {}
    if program.show is not None:
        values = {k: v if isinstance(v, str) else repr(v) for k, v in program.show(state).items()}
    return Outcome(kind, message, 0, (), values, tuple(errors), state)


class capped:
    """The patches for unsteered runs (real locks; long waits cut in the run's threads)."""

    def __init__(self, program: Program) -> None:
        self.patches = p.Patches(program.step, fixed=_FIXED, rebind=_REBIND)

    def __enter__(self) -> capped:
        self.patches.apply()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.patches.restore()


@dataclass(frozen=True)
class RunsToFailure:
    """Unsteered runs until the failure, per try; ``None`` for a try that never failed.

    A try ends at the failure, at ``max_runs``, or when the time budget runs out: ``made``
    holds how many runs each try really made, so a report never claims more runs than ran.
    """

    tries: tuple[int | None, ...]
    max_runs: int
    seconds: float
    made: tuple[int, ...] = ()  # runs per try (empty: every try made max_runs)
    out_of_time: bool = False  # the time budget ended the runs before max_runs

    def _made(self, i: int) -> int:
        return self.made[i] if i < len(self.made) else self.max_runs

    @property
    def capped(self) -> bool:
        return any(t is None for t in self.tries)

    @property
    def median(self) -> float | None:
        """The median over the tries, a try that never failed counting as the runs it made
        (so a lower bound); None if no try hit the failure."""
        if all(t is None for t in self.tries):
            return None
        runs = (self._made(i) if t is None else t for i, t in enumerate(self.tries))
        return statistics.median(runs)

    def __str__(self) -> str:
        ended = "; the time budget ran out" if self.out_of_time else ""
        made = [self._made(i) for i in range(len(self.tries))]
        if self.median is None:
            if all(m == self.max_runs for m in made):
                return f"not once in {self.max_runs} runs (× {len(self.tries)} tries)"
            each = " + ".join(str(m) for m in made)
            return f"not once in {sum(made)} runs ({each}{ended})"
        tries = ", ".join(
            str(t) if t is not None else f">{made[i]}" for i, t in enumerate(self.tries)
        )
        text = f"median {self.median:g} runs (tries: {tries})"
        capped = any(t is None and made[i] == self.max_runs for i, t in enumerate(self.tries))
        return text + (f"; capped at {self.max_runs}" if capped else "") + ended


@validated
def runs_to_failure(
    program: Annotated[Program, Of(Program)],
    failing: Annotated[Failing, Fn()],
    *,
    max_runs: Annotated[int, Int(1, 1_000_000)] = 500,
    tries: Annotated[int, Int(1, 20)] = 3,
    cap_s: Annotated[float, Number(0, 10, above=True, unit="seconds")] = 0.5,
    budget_s: Annotated[float, Number(0, 600, above=True, unit="seconds")] = 10.0,
) -> RunsToFailure:
    """Run ``program`` on plain threads until ``failing(outcome)``, ``tries`` times."""
    found: list[int | None] = []
    made: list[int] = []
    started = time.perf_counter()
    deadline = started + budget_s
    out_of_time = False
    with capped(program):
        for _ in range(tries):
            hit, run = None, 0
            while run < max_runs:
                run += 1
                if failing(run_once(program, cap_s)):
                    hit = run
                    break
                if time.perf_counter() > deadline:
                    out_of_time = run < max_runs
                    break
            found.append(hit)
            made.append(run)
            if time.perf_counter() > deadline:
                break
    seconds = time.perf_counter() - started
    return RunsToFailure(tuple(found), max_runs, seconds, tuple(made), out_of_time)


@dataclass(frozen=True)
class Comparison:
    """The search's way to the failure next to unsteered runs' way to it."""

    level: str
    search_seconds: float | None  # to its first failing schedule
    search_runs: int | None
    unsteered: RunsToFailure

    @property
    def ratio(self) -> float | None:
        """Unsteered runs per search run, to the first failure (a lower bound when capped)."""
        if self.search_runs is None or self.unsteered.median is None:
            return None
        return self.unsteered.median / self.search_runs

    def __str__(self) -> str:
        found = (
            f"search: first failing schedule after {self.search_runs} runs, "
            f"{self.search_seconds:.3f} s"
            if self.search_runs is not None
            else "search: no failing schedule"
        )
        return f"{self.level}: {found}; unsteered: {self.unsteered}"

    def _repr_html_(self) -> str:
        return f"<div class='lab-comparison'>{html.escape(str(self))}</div>"

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, str]:
        return {"text/plain": str(self), "text/html": self._repr_html_()}


@validated
def search_vs_unsteered(
    level: Annotated[Level, Of(Level)],
    *,
    max_runs: Annotated[int, Int(1, 1_000_000)] = 500,
    tries: Annotated[int, Int(1, 20)] = 3,
    budget_s: Annotated[float, Number(0, 600, above=True, unit="seconds")] = 10.0,
) -> Comparison:
    """How fast the search finds the level's goal, and how many real runs it takes."""
    program = level.program()
    verdict = explore(
        program, failing=level.goal, preemptions=level.preemptions, stop_on_first=True
    )
    unsteered = runs_to_failure(
        program, level.goal, max_runs=max_runs, tries=tries, budget_s=budget_s
    )
    return Comparison(
        level.key, verdict.first_failure_seconds, verdict.first_failure_run, unsteered
    )
