"""Notebook 06's figures, and the compute function of its explorer.

* :func:`draw_connection_pool` — a pool's timeline: one row per thread, solid while it holds
  a connection;
* :func:`connection_pool_explorer` — that timeline for the chosen permits, and throughput
  against the number of permits;
* :func:`draw_limits` — a semaphore around one step versus a pool's ``max_workers``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ...core.domains import Of, Progress, Text, validated
from ...core.timing import chain_progress
from ...draw.plots import MARKERS, colour, finish, mark_point, new_figure
from ...draw.style import figure_size, line_width
from ...draw.timeline import draw_rows, draw_spans
from .classes import IMPLEMENTATIONS, Implementation, Permits
from .limits import LimitComparison
from .pool import ConnectionPoolRun, PoolThreads, QueryMs, Tasks, run_connection_pool


@validated
def draw_connection_pool(
    ax: Annotated[Axes, Of(Axes)],
    run: Annotated[ConnectionPoolRun, Of(ConnectionPoolRun)],
    title: Text,
) -> Axes:
    """The pool's timeline: one row per thread; solid while it holds a connection."""
    names = [f"thread {i + 1}" for i in range(run.workers)]  # a thread with no query keeps its row
    rows = [(name, [use.span for use in run.uses if use.span.row == name]) for name in names]
    draw_rows(
        ax,
        rows,
        run.t0,
        legend=("holds a connection\n(has a permit)", "waiting for a\nfree connection"),
    )
    ax.set_xlim(0, max(run.wall * 1e3 * 1.02, 1.0))
    finish(ax, xlabel="time since the threads started (ms)", ylabel="thread", title=title)
    ax.grid(False, axis="y")
    return ax


#: How far apart the throughputs past k = threads may be for the lesson to call them flat.
FLAT_WITHIN = 0.10


@dataclass(frozen=True)
class ConnectionPoolSweep:
    """Outcome of :func:`connection_pool_explorer`: the chosen run and one run per permit count."""

    chosen: ConnectionPoolRun
    runs: Mapping[int, ConnectionPoolRun]  # permits -> run

    def share_of_ideal(self) -> tuple[float, float]:
        """The lowest and highest measured throughput as a share of the ideal, over all k."""
        shares = [r.throughput / r.ideal_throughput() for r in self.runs.values()]
        return min(shares), max(shares)

    def past_threads(self) -> tuple[float, float] | None:
        """Lowest and highest throughput measured with k >= threads (where nobody waits for
        a permit); None if the sweep has fewer than two such k."""
        workers = self.chosen.workers
        values = [r.throughput for k, r in self.runs.items() if k >= workers]
        return (min(values), max(values)) if len(values) >= 2 else None

    def describe(self) -> str:
        """What this sweep measured, in sentences that follow the numbers (never assumed)."""
        low, high = self.share_of_ideal()
        lines = [
            f"Measured throughput: {low:.0%} to {high:.0%} of the ideal over every k "
            "(starting threads, waking them, timer slack: the ideal counts none of it)."
        ]
        spread = self.past_threads()
        if spread is None:
            lines.append(
                "Fewer than two k at or past the number of threads: nothing to compare there."
            )
        else:
            lo, hi = spread
            change = (hi - lo) / hi
            at = f"from k = {self.chosen.workers} on (nobody waits for a permit there)"
            if change <= FLAT_WITHIN:
                lines.append(f"Flat {at}: {lo:.0f} to {hi:.0f} tasks/s, within {change:.0%}.")
            else:
                lines.append(
                    f"Not flat here {at}: {lo:.0f} to {hi:.0f} tasks/s, {change:.0%} apart. "
                    "Extra permits change nothing in the program, so this spread is the "
                    "machine's noise (other work, timer wake-ups), not the semaphore."
                )
        return "\n".join(lines)


def _sweep_values(workers: int, permits: int) -> list[int]:
    """Permit counts to measure: every small one, a few larger ones, the chosen one, and two
    past the number of threads (where the curve must go flat)."""
    top = max(workers + 2, permits)
    candidates = {1, 2, 3, 4, 6, 8, 12, 16, 24, 32, workers, workers + 2, permits}
    return sorted(k for k in candidates if k <= top)


@validated
def connection_pool_explorer(
    workers: PoolThreads = 6,
    permits: Permits = 2,
    tasks: Tasks = 12,
    task_ms: QueryMs = 30,
    implementation: Implementation = "threading",
    *,
    progress: Progress = None,
) -> tuple[Figure, ConnectionPoolSweep]:
    """Timeline of the pool with ``permits`` connections, and throughput against the number
    of permits (every other count measured with the same threads and tasks)."""
    ks = _sweep_values(workers, permits)
    runs: dict[int, ConnectionPoolRun] = {}
    for step, k in enumerate(ks):
        stage = chain_progress(progress, step * tasks, len(ks) * tasks)
        runs[k] = run_connection_pool(workers, k, tasks, task_ms, implementation, progress=stage)
    chosen = runs[permits]

    fig, (left, right) = new_figure(ncols=2, width=6.25, height=1.6 + 0.38 * max(2, workers))
    draw_connection_pool(
        left,
        chosen,
        f"{permits} connection{'s' if permits != 1 else ''}, {workers} threads, {tasks} tasks "
        f"of {task_ms:g} ms\nat most {chosen.in_use_at_once()} in use at once; "
        f"{chosen.wall * 1e3:.0f} ms in all",
    )
    xs = list(runs)
    right.plot(
        xs,
        [runs[k].ideal_throughput() for k in xs],
        color="#555555",
        linestyle="--",
        label="ideal: min(k, threads) / task time",
    )
    right.plot(
        xs,
        [runs[k].throughput for k in xs],
        marker=MARKERS[0],
        color=colour(0),
        label="measured",
    )
    mark_point(right, permits, chosen.throughput, label="this run (timeline)")
    right.axvline(
        workers, color="#D55E00", linestyle=":", linewidth=line_width(0.93), label="k = threads"
    )
    finish(
        right,
        xlabel="permits k (pool connections)",
        ylabel="throughput (tasks/s)",
        title="Throughput against the number of permits",
        legend="lower right",
        y_from_zero=True,
    )
    fig.suptitle(
        f"{workers} threads share a pool guarded by {IMPLEMENTATIONS[implementation]}",
        fontsize="large",
    )
    return fig, ConnectionPoolSweep(chosen, runs)


@validated
def draw_limits(limits: Annotated[LimitComparison, Of(LimitComparison)]) -> Figure:
    """Draw :func:`~helpers.lessons.semaphore.limits.compare_limits`: the big pool with a
    semaphore around the database step above, the pool of ``permits`` threads below."""
    with_semaphore, small_pool = limits.semaphore, limits.small_pool
    workers, permits = with_semaphore.threads, limits.permits

    # Row heights in proportion to the threads each run had, so a bar is as tall in both.
    fig, axes = plt.subplots(
        2,
        1,
        figsize=figure_size(10, 2.6 + 0.33 * (workers + permits)),
        gridspec_kw={"height_ratios": [workers + 1.5, permits + 1.5]},
        layout="constrained",
    )
    plt.close(fig)
    titles = (
        f"ThreadPoolExecutor(max_workers={workers}) + Semaphore({permits}) around the "
        f"database step: {with_semaphore.wall * 1e3:.0f} ms",
        f"ThreadPoolExecutor(max_workers={permits}), no semaphore: {small_pool.wall * 1e3:.0f} ms",
    )
    end = max(with_semaphore.wall, small_pool.wall) * 1e3 * 1.02
    for ax, run, title in zip(axes, (with_semaphore, small_pool), titles, strict=True):
        # Threads are numbered by when they first started: in start order, rows come 1, 2, 3…
        by_start = sorted(run.steps, key=lambda s: s.start)
        legend = ("database step\n(holds a permit)", "preparing, or\nwaiting")
        draw_spans(ax, by_start, run.t0, legend=legend)
        ax.set_xlim(0, end)
        xlabel = "time since the first task was submitted (ms)"
        finish(ax, xlabel=xlabel, ylabel="thread", title=title)
        ax.grid(False, axis="y")
    return fig
