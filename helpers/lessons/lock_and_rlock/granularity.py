"""Lock granularity: a lock held around slow work (coarse) against one held only around the
shared update (fine), measured and drawn.

* :func:`run_granularity`: threads doing slow work and a shared update, one way or the other;
  every operation is a :class:`helpers.core.spans.Span`, solid while it held the lock.
* :func:`explore_granularity`: the explorer's compute: both timelines, and the wall time of
  both ways for every thread count.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Annotated

from matplotlib.figure import Figure

from ...core.domains import Choice, Count, Millis, Progress, Seconds, Workers, validated
from ...core.lifecycle import run_threads
from ...core.races import Counter
from ...core.spans import Span, held, rows
from ...core.timing import max_overlap
from ...core.validate import MAX_TIMEOUT_S
from ...draw.plots import IDEAL_STYLE, MARKERS, colour, finish, new_figure
from ...draw.timeline import draw_rows

#: Where the lock is held, for one operation = slow work (a wait) + an update of shared state.
GRANULARITIES: dict[str, str] = {
    "coarse": "lock held for the whole operation (slow work + update)",
    "fine": "lock held only for the update",
}

#: One of :data:`GRANULARITIES`.
Granularity = Annotated[str, Choice(GRANULARITIES)]
#: The slow work in each operation; 0: no slow work, only the update.
SlowWorkMs = Annotated[float, Millis(0, 1_000)]


@dataclass(frozen=True)
class GranularityRun:
    """One run: every operation as a span (``index`` the thread, solid while it held the lock)."""

    granularity: str
    threads: int
    items: int
    work_ms: float
    t0: float
    wall: float
    total: int
    operations: tuple[Span, ...]

    @property
    def expected(self) -> int:
        return self.threads * self.items

    def max_holders(self) -> int:
        """Most threads that ever held the lock at the same instant (1 for a working lock)."""
        return max_overlap(iv for op in self.operations for iv in op.running)

    def rows(self) -> list[tuple[str, list[Span]]]:
        """Timeline rows, one per thread, in thread order; each row's operations in time order."""
        return rows(sorted(self.operations, key=lambda op: op.index))


@validated
def run_granularity(
    granularity: Granularity = "coarse",
    threads: Workers = 4,
    items: Count = 5,
    work_ms: SlowWorkMs = 10,
    *,
    timeout: Annotated[float, Seconds(MAX_TIMEOUT_S)] = 60.0,
) -> GranularityRun:
    """Each of ``threads`` threads does ``items`` operations: slow work, then a shared update.

    The slow work is a wait (``time.sleep(work_ms)``), standing for I/O or a call that
    releases the GIL (``work_ms=0``: no slow work, only the update). ``"coarse"`` holds the
    lock around work and update; ``"fine"`` only around the update. The count of updates is
    exact either way; the wall time is not.
    """
    work_s = work_ms / 1e3
    lock = threading.Lock()
    counter = Counter()
    operations: list[Span] = []

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
                    released = time.perf_counter()
            else:
                time.sleep(work_s)  # slow work, no lock: other threads work meanwhile
                with lock:
                    got = time.perf_counter()
                    update()
                    released = time.perf_counter()
            operations.append(held(number, start, got, released, row=f"thread {number + 1}"))

    t0 = time.perf_counter()
    run_threads(worker, [(n,) for n in range(threads)], timeout=timeout)
    wall = time.perf_counter() - t0
    return GranularityRun(
        granularity=granularity,
        threads=threads,
        items=items,
        work_ms=work_ms,
        t0=min(op.start for op in operations),
        wall=wall,
        total=counter.value,
        operations=tuple(sorted(operations, key=lambda op: op.start)),
    )


@validated
def explore_granularity(
    threads: Workers = 4,
    items: Count = 5,
    work_ms: SlowWorkMs = 10,
    *,
    progress: Progress = None,
) -> tuple[Figure, dict[str, list[GranularityRun]]]:
    """Coarse against fine locking: both timelines at ``threads`` threads, and the wall time
    of both for every thread count from 1 to ``threads`` (``work_ms=0``: no slow work).
    """
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
        wall_ax.plot(
            counts,
            [r.wall * 1e3 for r in runs[granularity]],
            marker=MARKERS[i],
            color=colour(i),
            label=f"measured: {granularity}",
        )
    wall_ax.plot(
        counts,
        [c * items * work_ms for c in counts],
        label="all slow work one after another",
        **IDEAL_STYLE,
    )
    wall_ax.plot(
        counts,
        [items * work_ms] * len(counts),
        label="all threads' slow work overlapping",
        color="#555555",
        linestyle=":",
    )
    wall_ax.set_xticks(counts)
    finish(
        wall_ax,
        xlabel="threads",
        ylabel="wall time (ms)",
        title="Wall time against threads",
        legend="upper left",
        y_from_zero=True,
    )
    note_ax.axis("off")
    note_ax.text(
        0.0,
        0.95,
        _granularity_note(runs),
        va="top",
        fontsize="small",
        family="monospace",
        transform=note_ax.transAxes,
    )
    fig.suptitle(
        f"{threads} threads x {items} operations of {work_ms:g} ms slow work + a shared update",
        fontsize="large",
    )
    return fig, runs


def _granularity_note(runs: dict[str, list[GranularityRun]]) -> str:
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
