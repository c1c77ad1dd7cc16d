"""Lesson 03's races: the lost-update sweep over thread counts, and check-then-act on accounts.

The counter race itself (:class:`~helpers.core.races.Counter`, the three ways to add to it,
:func:`~helpers.core.races.pause` and :func:`~helpers.core.races.race_counter`) is shared by
lessons 03, 04 and 10 and lives in :mod:`helpers.core.races`. Here it is run for every mode
and thread count, and plotted. The same honest widened window, :func:`pause` between a read
and a write, loses updates on every run, on every Python version and platform.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated

from matplotlib.figure import Figure

from ...core.domains import (
    MAX_WORKERS,
    Bool,
    Choice,
    Count,
    Int,
    Items,
    Progress,
    Seconds,
    Workers,
    validated,
)
from ...core.lifecycle import run_threads
from ...core.races import MODES, CounterRace, pause, race_counter
from ...core.validate import MAX_TIMEOUT_S
from ...draw.plots import colour, finish, new_figure
from ...draw.style import line_width, marker_size


def _style(mode: str) -> dict[str, object]:
    # Two of the lines often lie on top of each other at 0: hollow circles over small
    # triangles, solid over dashed, so both stay visible. Sizes are relative to the current
    # mode's (projector mode draws larger), so they are read when a figure is drawn.
    return {
        "plain": {
            "marker": "o",
            "markersize": marker_size(1.7),
            "markerfacecolor": "none",
            "linewidth": line_width(1.7),
        },
        "pause": {"marker": "s"},
        "locked": {"marker": "^", "markersize": marker_size(0.85), "linestyle": "--"},
    }[mode]


#: The thread counts of a sweep, and the ways of adding 1 it compares.
ThreadCounts = Annotated[Sequence[int], Items(Int(1, MAX_WORKERS), what="thread count")]
Modes = Annotated[Sequence[str], Items(Choice(MODES), what="mode")]


@validated
def lost_updates(
    thread_counts: ThreadCounts = (1, 2, 4, 8),
    increments: Count = 200,
    modes: Modes = ("plain", "pause", "locked"),
    *,
    progress: Progress = None,
) -> dict[str, list[CounterRace]]:
    """Run the race for every mode and thread count; results per mode, by thread count."""
    results: dict[str, list[CounterRace]] = {mode: [] for mode in modes}
    total, done = len(thread_counts) * len(results), 0
    for mode in results:
        for count in sorted(thread_counts):
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
            **_style(mode),
        )
    counts = sorted({r.threads for runs in results.values() for r in runs})
    ax.set_xticks(counts)
    ax.set_ylim(-5, 105)
    sample = next(r for runs in results.values() for r in runs)
    finish(
        ax,
        xlabel="threads",
        ylabel="lost updates (% of all increments)",
        title=f"Each thread adds 1 to a shared counter {sample.increments} times",
        legend="upper left",
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


@validated
def withdraw_race(
    threads: Workers = 2,
    accounts: Count = 100,
    opening: Count = 100,
    amount: Count = 60,
    *,
    locked: Bool = False,
    timeout: Annotated[float, Seconds(MAX_TIMEOUT_S)] = 60.0,
) -> WithdrawResult:
    """Every thread tries to withdraw ``amount`` from every account, checking the balance first.

    The check and the withdrawal are two steps (with :func:`pause` between them, the same
    honest widened window as the counter race). Without a lock, two threads can both pass the
    check before either withdraws, and the account goes below zero.
    """
    balances = [opening] * accounts
    withdrawals: list[int] = []  # list.append is atomic: safe to share without a lock
    lock = threading.Lock()
    # All threads start together: a thread started late on a busy machine would find every
    # account already emptied by the first, and the race would not show.
    start = threading.Barrier(threads)

    def withdraw_all() -> None:
        start.wait(timeout)
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
