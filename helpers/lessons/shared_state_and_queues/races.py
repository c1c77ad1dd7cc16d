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
from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib.figure import Figure

from ...core.lifecycle import run_threads
from ...core.races import _DEFAULT_TIMEOUT, MODES, CounterRace, pause, race_counter, validate_mode
from ...core.timing import Progress, validate_workers
from ...core.validate import (
    MAX_TIMEOUT_S,
    validate_callable,
    validate_flag,
    validate_items,
    validate_positive_int,
    validate_seconds,
)
from ...draw.plots import colour, finish, new_figure

# Two of the lines often lie on top of each other at 0: hollow circles over small triangles,
# solid over dashed, so both stay visible.
_STYLES: dict[str, dict[str, object]] = {
    "plain": {"marker": "o", "markersize": 10, "markerfacecolor": "none", "linewidth": 2.5},
    "pause": {"marker": "s"},
    "locked": {"marker": "^", "markersize": 5, "linestyle": "--"},
}


def lost_updates(
    thread_counts: Sequence[int] = (1, 2, 4, 8),
    increments: int = 200,
    modes: Sequence[str] = ("plain", "pause", "locked"),
    *,
    progress: Progress | None = None,
) -> dict[str, list[CounterRace]]:
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
    results: dict[str, list[CounterRace]] = {mode: [] for mode in modes}
    total, done = len(counts) * len(modes), 0
    for mode in modes:
        for count in sorted(counts):
            results[mode].append(race_counter(count, increments, mode))
            done += 1
            if progress is not None:
                progress(done, total)
    return results


def plot_lost_updates(results: dict[str, list[CounterRace]]) -> Figure:
    """Lost updates (% of all increments) against the number of threads, one line per mode."""
    if not results or not any(results.values()):
        raise ValueError("results must hold at least one CounterRace")
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
