"""Shared state between threads: the counter race, check-then-act, and their fixes.

The counter race: ``threads`` threads each add 1 to one shared counter ``increments`` times.
Adding 1 is a *read-modify-write*: read the value, add 1, write it back. If another thread
writes between our read and our write, one of the two updates is lost.

On CPython 3.10+ with the GIL, a thread is almost never switched out between the read and the
write of ``counter += 1``, so a demo of it usually loses nothing. That does not make it safe:
any call in the window (I/O, logging, a slow computation, a free-threaded build) opens it wide.
The demos here widen the window *honestly and visibly*: :func:`pause` (``time.sleep`` for
0.1 ms) between the read and the write, standing for a small I/O call. While a thread sleeps,
the others run, so updates are lost on every run, on every Python version and platform.
(A bare ``time.sleep(0)`` is not enough: on some versions it returns at once, and no other
thread gets in.)
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from matplotlib.figure import Figure

from .plots import colour, finish, new_figure
from .timing import Progress, validate_workers
from .validate import (
    MAX_TIMEOUT_S,
    validate_callable,
    validate_choice,
    validate_flag,
    validate_instance,
    validate_items,
    validate_seconds,
    validate_timeout,
)
from .workloads import validate_positive_int

#: The ways the demo threads add 1 to the shared counter.
MODES: dict[str, str] = {
    "plain": "counter += 1",
    "pause": "read; pause(); write",
    "locked": "read; pause(); write, under a Lock",
}

_DEFAULT_TIMEOUT = 60.0

#: How long :func:`pause` sleeps: long enough for every other thread to run meanwhile.
PAUSE_SECONDS = 0.0001

# Two of the lines often lie on top of each other at 0: hollow circles over small triangles,
# solid over dashed, so both stay visible.
_STYLES: dict[str, dict[str, object]] = {
    "plain": {"marker": "o", "markersize": 10, "markerfacecolor": "none", "linewidth": 2.5},
    "pause": {"marker": "s"},
    "locked": {"marker": "^", "markersize": 5, "linestyle": "--"},
}


def pause() -> None:
    """The widened window: sleep 0.1 ms, as a tiny I/O call would, letting other threads run."""
    time.sleep(PAUSE_SECONDS)


def validate_mode(mode: object, argument: str = "mode") -> str:
    """Return ``mode`` if it is one of :data:`MODES`, else raise naming the allowed values."""
    validate_choice(mode, argument, MODES)
    assert isinstance(mode, str)
    return mode


def join_all(threads: Iterable[threading.Thread], timeout: float) -> list[threading.Thread]:
    """Join every thread, all within one shared ``timeout``; return those still alive.

    ``timeout=0`` does not wait: it only reports which threads are still running.
    """
    threads = validate_items(threads, "threads")
    for thread in threads:
        validate_instance(thread, "threads", threading.Thread)
    validate_timeout(timeout)
    deadline = time.monotonic() + timeout
    alive = []
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
        if thread.is_alive():
            alive.append(thread)
    return alive


def run_threads(
    target: Callable[..., object],
    args_per_thread: Sequence[tuple[object, ...]],
    *,
    timeout: float = _DEFAULT_TIMEOUT,
    name: str = "lab-thread",
) -> None:
    """Run ``target(*args)`` in one thread per entry, started together, and join them all.

    The threads wait at a barrier so they really run at the same time (otherwise the first
    may finish before the last has started). An exception in a thread is re-raised here.
    Raises ``TimeoutError`` if they are not done within ``timeout`` seconds.
    """
    validate_callable(target, "target")
    args_per_thread = validate_items(args_per_thread, "args_per_thread")
    if not args_per_thread:
        raise ValueError("args_per_thread must hold one tuple of arguments per thread")
    for args in args_per_thread:
        if not isinstance(args, (tuple, list)):
            raise TypeError(f"args_per_thread must hold one tuple per thread; got {args!r}")
    validate_seconds(timeout, "timeout", maximum=MAX_TIMEOUT_S)
    validate_instance(name, "name", str)
    start_together = threading.Barrier(len(args_per_thread))
    errors: list[BaseException] = []

    def body(*args: object) -> None:
        try:
            start_together.wait(timeout)
            target(*args)
        except BaseException as error:  # reported to the caller, never lost in a thread
            errors.append(error)

    threads = [
        threading.Thread(target=body, args=args, name=f"{name}-{i + 1}")
        for i, args in enumerate(args_per_thread)
    ]
    for thread in threads:
        thread.start()
    alive = join_all(threads, timeout)
    if alive:
        raise TimeoutError(f"{len(alive)} thread(s) still running after {timeout:g} s")
    if errors:
        raise errors[0]


class Counter:
    """A shared counter: one attribute, ``value``, that every thread reads and writes."""

    def __init__(self) -> None:
        self.value = 0


def add_plain(counter: Counter, increments: int) -> None:
    for _ in range(increments):
        counter.value += 1  # read, add, write: three steps, but rarely interrupted under the GIL


def add_with_pause(counter: Counter, increments: int) -> None:
    for _ in range(increments):
        value = counter.value  # read
        pause()  # the widened window: other threads run here, as during any I/O call
        counter.value = value + 1  # write back a value that may be stale by now


def add_locked(counter: Counter, increments: int, lock: threading.Lock) -> None:
    for _ in range(increments):
        with lock:  # the whole read-modify-write is one step for every other thread
            value = counter.value
            pause()
            counter.value = value + 1


@dataclass(frozen=True)
class RaceResult:
    """One run of the counter race."""

    mode: str
    threads: int
    increments: int
    final: int

    @property
    def expected(self) -> int:
        return self.threads * self.increments

    @property
    def lost(self) -> int:
        return self.expected - self.final

    @property
    def lost_percent(self) -> float:
        return 100.0 * self.lost / self.expected

    def __str__(self) -> str:
        return (
            f"{self.threads} thread(s) x {self.increments} increments, {MODES[self.mode]!r}: "
            f"counter = {self.final} (expected {self.expected}, lost {self.lost})"
        )


def race_counter(
    threads: int = 4,
    increments: int = 200,
    mode: str = "pause",
    *,
    timeout: float = _DEFAULT_TIMEOUT,
) -> RaceResult:
    """Let ``threads`` threads each add 1 to a shared counter ``increments`` times.

    ``mode`` is ``"plain"`` (``counter += 1``), ``"pause"`` (read, :func:`pause`, write: the
    widened window) or ``"locked"`` (the same, under one shared ``Lock``).
    """
    validate_workers(threads, "threads")
    validate_positive_int(increments, "increments")
    validate_mode(mode)
    validate_seconds(timeout, "timeout", maximum=MAX_TIMEOUT_S)
    counter = Counter()
    if mode == "locked":
        lock = threading.Lock()
        run_threads(add_locked, [(counter, increments, lock)] * threads, timeout=timeout)
    else:
        adder = add_plain if mode == "plain" else add_with_pause
        run_threads(adder, [(counter, increments)] * threads, timeout=timeout)
    return RaceResult(mode, threads, increments, counter.value)


def lost_updates(
    thread_counts: Sequence[int] = (1, 2, 4, 8),
    increments: int = 200,
    modes: Sequence[str] = ("plain", "pause", "locked"),
    *,
    progress: Progress | None = None,
) -> dict[str, list[RaceResult]]:
    """Run the race for every mode and thread count; results per mode, by thread count."""
    counts = [
        validate_workers(n, "thread_counts") for n in validate_items(thread_counts, "thread_counts")
    ]
    if not counts:
        raise ValueError("thread_counts must list at least one thread count")
    validate_positive_int(increments, "increments")
    modes = [validate_mode(mode, "modes") for mode in validate_items(modes, "modes")]
    if not modes:
        raise ValueError(f"modes must name at least one of {list(MODES)}")
    validate_callable(progress, "progress", optional=True)
    results: dict[str, list[RaceResult]] = {mode: [] for mode in modes}
    total, done = len(counts) * len(modes), 0
    for mode in modes:
        for count in sorted(counts):
            results[mode].append(race_counter(count, increments, mode))
            done += 1
            if progress is not None:
                progress(done, total)
    return results


def plot_lost_updates(results: dict[str, list[RaceResult]]) -> Figure:
    """Lost updates (% of all increments) against the number of threads, one line per mode."""
    if not results or not any(results.values()):
        raise ValueError("results must hold at least one RaceResult")
    fig, (ax,) = new_figure(width=7.0, height=3.8)
    for mode, runs in results.items():
        ax.plot(
            [r.threads for r in runs],
            [r.lost_percent for r in runs],
            color=colour(list(MODES).index(mode)),
            label=MODES[mode],
            **_STYLES[mode],
        )
    counts = sorted({r.threads for runs in results.values() for r in runs})
    ax.set_xticks(counts)
    ax.set_ylim(-5, 105)
    ax.legend(fontsize=8, loc="upper left")
    sample = next(r for runs in results.values() for r in runs)
    finish(
        ax,
        xlabel="threads",
        ylabel="lost updates (% of all increments)",
        title=f"Each thread adds 1 to a shared counter {sample.increments} times",
    )
    return fig


@dataclass(frozen=True)
class WithdrawResult:
    """Check-then-act on many accounts: ``if balance >= amount: balance -= amount``."""

    threads: int
    accounts: int
    opening: int
    amount: int
    locked: bool
    withdrawals: int
    overdrawn: int
    lowest: int

    def __str__(self) -> str:
        how = "under a Lock" if self.locked else "without a lock"
        return (
            f"{self.threads} threads, {self.accounts} accounts of {self.opening}, each thread "
            f"withdraws {self.amount} if the balance allows ({how}): {self.withdrawals} "
            f"withdrawals, {self.overdrawn} accounts overdrawn, lowest balance {self.lowest}"
        )


def withdraw_race(
    threads: int = 2,
    accounts: int = 100,
    opening: int = 100,
    amount: int = 60,
    *,
    locked: bool = False,
    timeout: float = _DEFAULT_TIMEOUT,
) -> WithdrawResult:
    """Every thread tries to withdraw ``amount`` from every account, checking the balance first.

    The check and the withdrawal are two steps (with :func:`pause` between them, the same
    honest widened window as the counter race). Without a lock, two threads can both pass the
    check before either withdraws, and the account goes below zero.
    """
    validate_workers(threads, "threads")
    validate_positive_int(accounts, "accounts")
    validate_positive_int(opening, "opening")
    validate_positive_int(amount, "amount")
    validate_flag(locked, "locked")
    validate_seconds(timeout, "timeout", maximum=MAX_TIMEOUT_S)
    balances = [opening] * accounts
    withdrawals: list[int] = []  # list.append is atomic: safe to share without a lock
    lock = threading.Lock()

    def withdraw_all() -> None:
        for i in range(accounts):
            if locked:
                with lock:
                    _withdraw(i)
            else:
                _withdraw(i)

    def _withdraw(i: int) -> None:
        if balances[i] >= amount:  # check ...
            pause()  # ... the widened window ...
            balances[i] -= amount  # ... act, on a check that may no longer hold
            withdrawals.append(i)

    run_threads(withdraw_all, [()] * threads, timeout=timeout)
    return WithdrawResult(
        threads=threads,
        accounts=accounts,
        opening=opening,
        amount=amount,
        locked=locked,
        withdrawals=len(withdrawals),
        overdrawn=sum(1 for b in balances if b < 0),
        lowest=min(balances),
    )
