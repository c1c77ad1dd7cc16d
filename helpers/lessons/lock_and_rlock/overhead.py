"""What a lock costs: one acquire/release per increment of a shared counter, and batching.

* :func:`lock_overhead`: nanoseconds per increment, four ways, every count checked exact.
* :func:`plot_lock_overhead`: one bar per way.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from matplotlib.figure import Figure

from ...core.domains import Count, Workers, validated
from ...core.lifecycle import run_threads
from ...core.races import Counter
from ...draw.plots import colour, finish_bars, new_figure


@validated
def lock_overhead(
    increments: Count = 200_000, threads: Workers = 2, batch: Count = 1_000
) -> dict[str, float]:
    """Nanoseconds per increment of a shared counter, four ways. Counts are checked exact.

    * no lock, one thread (the baseline; unsafe with several threads),
    * a lock around every increment, one thread (the uncontended cost of acquire + release),
    * a lock around every increment, ``threads`` threads (contended: threads queue up),
    * ``threads`` threads counting locally and adding each ``batch`` under the lock.
    """
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
    ax.set_xlim(0, max(values) * 1.25)
    finish_bars(
        ax,
        values,
        value_format="{:.0f} ns",
        xlabel="time per increment (ns)",
        title="What a lock costs per increment of a shared counter",
    )
    return fig
