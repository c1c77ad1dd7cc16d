"""Locks in practice: who may release them, what granularity costs, deadlock and its cure.

* :func:`release_from_another_thread`: try ``lock.release()`` from a fresh thread (bounded).
* :func:`opposite_order_deadlock`: two threads take two locks in opposite orders; timeouts
  detect the deadlock and nothing hangs.
* :func:`in_lock_order` and :func:`acquire_in_order`: a global lock order, the standard cure.
* :func:`run_granularity` and :func:`explore_granularity`: a lock held around slow work
  (coarse) against a lock held only around the shared update (fine).
* :func:`lock_overhead`: what one acquire/release costs, and how batching avoids it.
* :func:`rlock_behaviour`: one script of observable RLock behaviour, to compare the teaching
  RLock with ``threading.RLock``.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from matplotlib.figure import Figure

from ...core.lifecycle import run_threads, stop
from ...core.races import Counter, pause
from ...core.timing import Progress, max_overlap, validate_workers
from ...core.validate import (
    MAX_TIMEOUT_S,
    validate_callable,
    validate_choice,
    validate_flag,
    validate_has,
    validate_items,
    validate_ms,
    validate_number,
    validate_positive_int,
    validate_seconds,
    validate_timeout,
)
from ...draw.plots import IDEAL_STYLE, MARKERS, colour, finish, new_figure
from ...draw.timeline import draw_rows

#: The longest a deadlock demo waits for a lock before it gives up and reports.
_MAX_DEADLOCK_TIMEOUT_S = 10.0


class LockLike(Protocol):
    def acquire(self, blocking: bool = ..., timeout: float = ...) -> bool: ...

    def release(self) -> None: ...


def validate_lock(lock: object, argument: str = "lock") -> LockLike:
    """Return ``lock`` if it can be acquired and released (a Lock, an RLock, a Condition ...)."""
    validate_has(lock, argument, ("acquire", "release"), "a lock")
    return lock  # type: ignore[return-value]


# ----------------------------------------------------------------------------- release rules


def release_from_another_thread(lock: LockLike, timeout: float = 2.0) -> BaseException | None:
    """Call ``lock.release()`` in a new thread; return the exception it raised, or None.

    A ``Lock`` does not remember who acquired it, so any thread may release it. An ``RLock``
    has an owner and raises ``RuntimeError`` for anyone else.
    """
    validate_lock(lock)
    validate_seconds(timeout, "timeout", maximum=MAX_TIMEOUT_S)
    outcome: list[BaseException | None] = []

    def release() -> None:
        try:
            lock.release()
            outcome.append(None)
        except BaseException as error:
            outcome.append(error)

    thread = threading.Thread(target=release, name="releaser")
    thread.start()
    thread.join(timeout)
    if thread.is_alive() or not outcome:
        raise TimeoutError(f"release() did not return within {timeout:g} s")
    return outcome[0]


def try_acquire_elsewhere(lock: LockLike, timeout: float = 0.0) -> bool:
    """Can *another* thread acquire ``lock`` right now? It releases it again if it could.

    ``timeout=0`` tries without blocking. Used to check who holds a lock without relying on
    private attributes.
    """
    validate_lock(lock)
    validate_timeout(timeout)
    outcome: list[bool] = []

    def attempt() -> None:
        got = lock.acquire(timeout=timeout) if timeout > 0 else lock.acquire(blocking=False)
        if got:
            lock.release()
        outcome.append(got)

    thread = threading.Thread(target=attempt, name="prober")
    thread.start()
    thread.join(timeout + 2.0)
    if thread.is_alive() or not outcome:
        raise TimeoutError("the probing thread did not finish")
    return outcome[0]


# ----------------------------------------------------------------------------- deadlock


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


def opposite_order_deadlock(timeout: float = 0.2) -> list[Attempt]:
    """Two threads take locks A and B in opposite orders, the classic deadlock, shown safely.

    A barrier makes the unlucky timing happen every time: both threads hold their first lock
    before either asks for its second. Each then asks with ``acquire(timeout=...)``, so
    instead of waiting forever it gives up and reports. A second barrier keeps both first
    locks held until both have given up, so both see the deadlock, never just one.
    """
    validate_seconds(timeout, "timeout", maximum=_MAX_DEADLOCK_TIMEOUT_S)
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
    if not stop(threads, timeout + 10):
        raise TimeoutError("the deadlock demo did not finish")
    return sorted(attempts, key=lambda a: a.thread)


def in_lock_order(locks: Sequence[Any]) -> list[Any]:
    """``locks`` sorted into the program's one global order (here: by ``id``).

    Any fixed total order works: an explicit rank, an account number, a name. ``id(lock)`` is
    unique and constant while the lock exists, so it orders any locks without extra data.
    """
    locks = validate_items(locks, "locks")
    for lock in locks:
        validate_lock(lock, "locks")
    if len({id(lock) for lock in locks}) != len(locks):
        raise ValueError("locks must not contain the same lock twice (a Lock cannot be re-taken)")
    return sorted(locks, key=id)


def _validate_acquire_in_order(locks: Sequence[Any], timeout: object) -> None:
    if not locks:
        raise ValueError("locks must name at least one lock: acquire_in_order(a, b, ...)")
    for lock in locks:
        validate_lock(lock, "locks")
    validate_number(timeout, "timeout", maximum=MAX_TIMEOUT_S, unit="seconds")
    assert isinstance(timeout, (int, float))
    if timeout < 0 and timeout != -1:  # as Lock.acquire: -1 is the one way to say "forever"
        raise ValueError(f"timeout must be -1 (wait forever) or >= 0 seconds; got {timeout!r}")


@contextlib.contextmanager
def acquire_in_order(*locks: Any, timeout: float = -1) -> Iterator[None]:
    """``with acquire_in_order(a, b):`` holds every lock, taken in the global order.

    If every thread takes its locks in the same order, no cycle of waiting threads can form,
    so no deadlock. ``timeout`` (seconds, for all locks together; -1 waits forever) turns a
    long wait into ``TimeoutError``; the locks already taken are released first.
    Locks are released in the reverse order.
    """
    _validate_acquire_in_order(locks, timeout)
    deadline = None if timeout < 0 else time.monotonic() + timeout
    taken: list[Any] = []
    try:
        for lock in in_lock_order(locks):
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
        return (
            f"2 threads x {self.rounds // 2} rounds, locks taken {how}: {self.completed} of "
            f"{self.rounds} rounds completed, {self.timeouts} gave up (deadlock)"
        )


def lock_pair_rounds(rounds: int = 200, *, ordered: bool, timeout: float = 0.2) -> PairOutcome:
    """Thread 1 wants (A, B), thread 2 wants (B, A), ``rounds`` times each.

    Between taking its first and its second lock each thread pauses
    (:func:`helpers.core.races.pause`), the
    honest widened window again, so the other thread can grab its first lock meanwhile.
    Unordered, that is a deadlock, detected by the timeout. Ordered (:func:`in_lock_order`),
    both threads go for the same first lock, and nothing can deadlock.
    """
    validate_positive_int(rounds, "rounds")
    validate_flag(ordered, "ordered")
    validate_seconds(timeout, "timeout", maximum=_MAX_DEADLOCK_TIMEOUT_S)
    a, b = threading.Lock(), threading.Lock()
    completed: list[int] = []
    timeouts: list[int] = []

    def take_all(wanted: Sequence[threading.Lock]) -> bool:
        order = in_lock_order(wanted) if ordered else list(wanted)
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


# ----------------------------------------------------------------------------- granularity

#: Where the lock is held, for one operation = slow work (a wait) + an update of shared state.
GRANULARITIES: dict[str, str] = {
    "coarse": "lock held for the whole operation (slow work + update)",
    "fine": "lock held only for the update",
}


def validate_granularity(granularity: object) -> str:
    """Return ``granularity`` if it is one of :data:`GRANULARITIES`, else raise naming them."""
    validate_choice(granularity, "granularity", GRANULARITIES)
    assert isinstance(granularity, str)
    return granularity


@dataclass(frozen=True)
class Operation:
    """One operation by one thread, drawable by :func:`helpers.timeline.draw_rows`.

    ``start``..``end`` is the whole operation; ``running`` is when the thread held the lock.
    ``index`` is the thread's number (the timeline colours bars by it).
    """

    index: int
    start: float
    end: float
    running: tuple[tuple[float, float], ...]

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class GranularityRun:
    granularity: str
    threads: int
    items: int
    work_ms: float
    t0: float
    wall: float
    total: int
    operations: tuple[Operation, ...]

    @property
    def expected(self) -> int:
        return self.threads * self.items

    def max_holders(self) -> int:
        """Most threads that ever held the lock at the same instant (1 for a working lock)."""
        return max_overlap(iv for op in self.operations for iv in op.running)

    def rows(self) -> list[tuple[str, list[Operation]]]:
        rows: dict[str, list[Operation]] = {f"thread {n + 1}": [] for n in range(self.threads)}
        for op in self.operations:
            rows[f"thread {op.index + 1}"].append(op)
        return list(rows.items())


def _validate_work_ms(work_ms: object) -> float:
    return validate_ms(work_ms, "work_ms", 0, 1_000)  # 0: no slow work, only the update


def run_granularity(
    granularity: str = "coarse",
    threads: int = 4,
    items: int = 5,
    work_ms: float = 10,
    *,
    timeout: float = 60.0,
) -> GranularityRun:
    """Each of ``threads`` threads does ``items`` operations: slow work, then a shared update.

    The slow work is a wait (``time.sleep(work_ms)``), standing for I/O or a call that
    releases the GIL (``work_ms=0``: no slow work, only the update). ``"coarse"`` holds the
    lock around work and update; ``"fine"`` only around the update. The count of updates is
    exact either way; the wall time is not.
    """
    validate_granularity(granularity)
    validate_workers(threads, "threads")
    validate_positive_int(items, "items")
    work_s = _validate_work_ms(work_ms) / 1e3
    validate_seconds(timeout, "timeout", maximum=MAX_TIMEOUT_S)
    lock = threading.Lock()
    counter = Counter()
    operations: list[Operation] = []

    def update() -> None:
        counter.value += 1  # the shared state: tiny, and always under the lock

    def worker(number: int) -> None:
        for _ in range(items):
            start = time.perf_counter()
            if granularity == "coarse":
                with lock:
                    got = time.perf_counter()
                    time.sleep(work_s)  # slow work while every other thread waits
                    update()
                    held = (got, time.perf_counter())
            else:
                time.sleep(work_s)  # slow work, no lock: other threads work meanwhile
                with lock:
                    got = time.perf_counter()
                    update()
                    held = (got, time.perf_counter())
            operations.append(Operation(number, start, time.perf_counter(), (held,)))

    t0 = time.perf_counter()
    run_threads(worker, [(n,) for n in range(threads)], timeout=timeout)
    wall = time.perf_counter() - t0
    return GranularityRun(
        granularity=granularity,
        threads=threads,
        items=items,
        work_ms=work_s * 1e3,
        t0=min(op.start for op in operations),
        wall=wall,
        total=counter.value,
        operations=tuple(sorted(operations, key=lambda op: op.start)),
    )


def explore_granularity(
    threads: int = 4,
    items: int = 5,
    work_ms: float = 10,
    *,
    progress: Progress | None = None,
) -> tuple[Figure, dict[str, list[GranularityRun]]]:
    """Coarse against fine locking: both timelines at ``threads`` threads, and the wall time
    of both for every thread count from 1 to ``threads`` (``work_ms=0``: no slow work).
    """
    validate_workers(threads, "threads")
    validate_positive_int(items, "items")
    _validate_work_ms(work_ms)
    validate_callable(progress, "progress", optional=True)
    counts = list(range(1, threads + 1))
    runs: dict[str, list[GranularityRun]] = {g: [] for g in GRANULARITIES}
    total, done = len(counts) * len(GRANULARITIES), 0
    for granularity in GRANULARITIES:
        for count in counts:
            runs[granularity].append(run_granularity(granularity, count, items, work_ms))
            done += 1
            if progress is not None:
                progress(done, total)

    fig, axes = new_figure(ncols=2, nrows=2, width=6.2, height=1.3 + 0.32 * max(2, threads))
    (coarse_ax, wall_ax, fine_ax, note_ax) = axes
    right = max(runs[g][-1].wall for g in GRANULARITIES) * 1e3 * 1.02
    for ax, granularity in ((coarse_ax, "coarse"), (fine_ax, "fine")):
        run = runs[granularity][-1]
        draw_rows(
            ax,
            run.rows(),
            run.t0,
            legend=("holding the lock", "not holding it:\nwaiting for it,\nor working\nwithout it"),
        )
        ax.set_xlim(0, right)
        finish(
            ax,
            xlabel="time (ms)",
            ylabel="thread",
            title=f"{granularity}: {GRANULARITIES[granularity]}\n{run.wall * 1e3:.0f} ms",
        )
        ax.grid(False, axis="y")
    for i, granularity in enumerate(GRANULARITIES):
        ax = wall_ax
        ax.plot(
            counts,
            [r.wall * 1e3 for r in runs[granularity]],
            marker=MARKERS[i],
            color=colour(i),
            label=f"measured: {granularity}",
        )
    ax = wall_ax
    ax.plot(
        counts,
        [c * items * work_ms for c in counts],
        label="all slow work one after another",
        **IDEAL_STYLE,
    )
    ax.plot(
        counts,
        [items * work_ms] * len(counts),
        label="all threads' slow work overlapping",
        color="#555555",
        linestyle=":",
    )
    ax.set_xticks(counts)
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8, loc="upper left")
    finish(ax, xlabel="threads", ylabel="wall time (ms)", title="Wall time against threads")
    note_ax.axis("off")
    note_ax.text(
        0.0,
        0.95,
        _granularity_note(runs, items, work_ms),
        va="top",
        fontsize=9,
        family="monospace",
        transform=note_ax.transAxes,
    )
    fig.suptitle(
        f"{threads} threads x {items} operations of {work_ms:g} ms slow work + a shared update",
        fontsize=11,
    )
    return fig, runs


def _granularity_note(runs: dict[str, list[GranularityRun]], items: int, work_ms: float) -> str:
    coarse, fine = runs["coarse"][-1], runs["fine"][-1]
    return (
        f"With {coarse.threads} threads:\n"
        f"  coarse: {coarse.wall * 1e3:.0f} ms, lock held "
        f"{coarse.items * coarse.threads} times, {coarse.total} updates\n"
        f"  fine:   {fine.wall * 1e3:.0f} ms, lock held "
        f"{fine.items * fine.threads} times, {fine.total} updates\n\n"
        "Same updates, same count. Coarse makes every thread wait\n"
        "for the others' slow work; fine lets the slow work overlap."
    )


def lock_overhead(
    increments: int = 200_000, threads: int = 2, batch: int = 1_000
) -> dict[str, float]:
    """Nanoseconds per increment of a shared counter, four ways. Counts are checked exact.

    * no lock, one thread (the baseline; unsafe with several threads),
    * a lock around every increment, one thread (the uncontended cost of acquire + release),
    * a lock around every increment, ``threads`` threads (contended: threads queue up),
    * ``threads`` threads counting locally and adding each ``batch`` under the lock.
    """
    validate_positive_int(increments, "increments")
    validate_workers(threads, "threads")
    validate_positive_int(batch, "batch")
    per_thread = max(1, increments // threads)
    results: dict[str, float] = {}

    def timed(label: str, fn: Callable[[], Counter], expected: int) -> None:
        start = time.perf_counter()
        counter = fn()
        elapsed = time.perf_counter() - start
        if counter.value != expected:
            raise AssertionError(f"{label}: counted {counter.value}, expected {expected}")
        results[label] = elapsed / expected * 1e9

    def no_lock() -> Counter:
        counter = Counter()
        for _ in range(increments):
            counter.value += 1
        return counter

    def lock_each_one() -> Counter:
        counter, lock = Counter(), threading.Lock()
        for _ in range(increments):
            with lock:
                counter.value += 1
        return counter

    def lock_each_threads() -> Counter:
        counter, lock = Counter(), threading.Lock()

        def add() -> None:
            for _ in range(per_thread):
                with lock:
                    counter.value += 1

        run_threads(add, [()] * threads)
        return counter

    def batched_threads() -> Counter:
        counter, lock = Counter(), threading.Lock()

        def add() -> None:
            done = 0
            while done < per_thread:
                step = min(batch, per_thread - done)
                local = 0
                for _ in range(step):
                    local += 1  # a local variable: no other thread can see it
                with lock:
                    counter.value += local
                done += step

        run_threads(add, [()] * threads)
        return counter

    timed("no lock, 1 thread", no_lock, increments)
    timed("lock per increment, 1 thread", lock_each_one, increments)
    timed(f"lock per increment, {threads} threads", lock_each_threads, per_thread * threads)
    timed(f"lock per {batch} increments, {threads} threads", batched_threads, per_thread * threads)
    return results


def plot_lock_overhead(results: dict[str, float]) -> Figure:
    """A horizontal bar per way of counting: nanoseconds per increment."""
    if not results:
        raise ValueError("results must not be empty")
    fig, (ax,) = new_figure(width=7.5, height=0.6 + 0.5 * len(results))
    labels = list(results)
    values = [results[label] for label in labels]
    ax.barh(labels, values, color=[colour(i) for i in range(len(labels))])
    for y, value in enumerate(values):
        ax.text(value, y, f" {value:.0f} ns", va="center", fontsize=8)
    ax.set_xlim(0, max(values) * 1.25)
    ax.invert_yaxis()
    finish(
        ax,
        xlabel="time per increment (ns)",
        ylabel="",
        title="What a lock costs per increment of a shared counter",
    )
    ax.grid(False, axis="y")
    return fig


# ----------------------------------------------------------------------------- RLock behaviour


def rlock_behaviour(factory: Callable[[], Any]) -> dict[str, object]:
    """Run one fixed script against a fresh lock from ``factory``; report what happened.

    Comparing the reports for ``threading.RLock`` and the teaching RLock shows they behave
    the same. Every step is bounded.
    """
    validate_callable(factory, "factory")
    lock = factory()
    seen: dict[str, object] = {}

    def outcome(fn: Callable[[], object]) -> object:
        try:
            return fn()
        except Exception as error:
            return type(error).__name__

    seen["release() while unlocked"] = outcome(lock.release)
    seen["acquire()"] = lock.acquire()
    seen["acquire() again, same thread"] = lock.acquire()
    seen["acquire(blocking=False), same thread"] = lock.acquire(blocking=False)
    seen["another thread: acquire(blocking=False)"] = try_acquire_elsewhere(lock)
    seen["another thread: acquire(timeout=0.05)"] = try_acquire_elsewhere(lock, 0.05)
    seen["another thread: release()"] = _name(release_from_another_thread(lock))
    lock.release()
    lock.release()
    seen["after 2 of 3 releases, another thread: acquire"] = try_acquire_elsewhere(lock)
    lock.release()
    seen["after 3 of 3 releases, another thread: acquire"] = try_acquire_elsewhere(lock)
    seen["acquire(blocking=False, timeout=1)"] = outcome(
        lambda: lock.acquire(blocking=False, timeout=1)
    )
    seen["acquire(timeout=-2)"] = outcome(lambda: lock.acquire(timeout=-2))
    with lock as entered:
        seen["with lock as x: x"] = entered
        with lock:
            seen["nested with: another thread can acquire"] = try_acquire_elsewhere(lock)
    seen["after the with blocks, another thread can acquire"] = try_acquire_elsewhere(lock)
    return seen


def _name(error: BaseException | None) -> str:
    return "no error" if error is None else type(error).__name__
