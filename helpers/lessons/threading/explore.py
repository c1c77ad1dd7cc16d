"""The fetch explorer: threads, pages and typical wait → timeline + time against threads.

:func:`explore_fetch` is the plain function behind it (tests and papermill call it);
:func:`fetch_explorer` puts sliders in front of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Annotated

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ...core.domains import Int, Of, Progress, validated
from ...draw.plots import IDEAL_STYLE, LIMIT_STYLE, PALETTE, finish, mark_point, new_figure
from ...draw.widgets import Explorer, int_slider
from .fetch import FetchRun, Threads, run_fetch
from .figures import plot_requests
from .web import DEFAULT_LATENCY_MS, LATENCY_MS_RANGE, LatencyMs, Pages


@dataclass
class FetchHistory:
    """Wall times kept between explorer runs, so each run adds a point to the curve."""

    walls: dict[tuple[int, float], dict[int, FetchRun]] = field(default_factory=dict)

    def add(self, run: FetchRun) -> list[FetchRun]:
        curve = self.walls.setdefault((len(run.pages), run.latency_ms), {})
        curve[run.threads] = run
        return [curve[n] for n in sorted(curve)]


@validated
def explore_fetch(
    threads: Threads = 4,
    pages: Pages = 16,
    latency_ms: LatencyMs = DEFAULT_LATENCY_MS,
    *,
    progress: Progress = None,
    history: Annotated[FetchHistory | None, Of(FetchHistory, optional=True)] = None,
) -> tuple[Figure, FetchRun]:
    """Fetch ``pages`` pages on ``threads`` threads: the timeline (left) and the wall time against
    the number of threads (right), next to the serial time and the best any split could do.
    """
    run = run_fetch(pages, threads, latency_ms, progress=progress)
    history = FetchHistory() if history is None else history
    curve = history.add(run)

    rows = len({r.span.row for r in run.records})
    fig, (left, right) = new_figure(ncols=2, height=min(max(3.4, 1.2 + 0.3 * rows), 6.5))
    fig.set_size_inches(12.5, fig.get_size_inches()[1])
    plot_requests(
        run.records,
        t0=run.t0,
        ax=left,
        title=f"{run.describe()} (one after another: {run.total_latency * 1e3:.0f} ms)",
    )
    if rows > 16:
        left.tick_params(axis="y", labelsize="x-small")  # many threads: keep the row labels apart
    _plot_walls(right, run, curve)
    fig.suptitle(
        f"{run.total_latency / run.wall:.1f}x faster than one after another; at most "
        f"{run.peak_in_flight} requests were in flight at once",
        fontsize="large",
    )
    return fig, run


def _plot_walls(ax: Axes, run: FetchRun, curve: Sequence[FetchRun]) -> None:
    top = max(max(r.threads for r in curve), 2)
    xs = list(range(1, top + 1))
    ax.axhline(run.total_latency * 1e3, label="one after another (sum of waits)", **LIMIT_STYLE)
    best = [run.best_possible(n) * 1e3 for n in xs]
    ax.plot(xs, best, label="best possible: sum / threads, or the slowest page", **IDEAL_STYLE)
    ax.plot(
        [r.threads for r in curve],
        [r.wall * 1e3 for r in curve],
        marker="o",
        color=PALETTE[0],
        label="measured",
    )
    mark_point(ax, run.threads, run.wall * 1e3)
    ax.set_ylim(0, run.total_latency * 1e3 * 1.1)
    ax.set_xticks(xs if top <= 16 else xs[:: max(1, top // 8)])
    finish(
        ax,
        xlabel="threads",
        ylabel="time to fetch every page (ms)",
        title=f"{len(run.pages)} pages, typical wait {run.latency_ms:g} ms",
        legend="center right",  # below the serial line, above the curve
    )


@validated
def fetch_explorer(
    threads: Threads = 4,
    pages: Pages = 16,
    latency_ms: Annotated[int, Int(*LATENCY_MS_RANGE)] = DEFAULT_LATENCY_MS,
) -> Explorer:
    """Threads, pages and typical wait → timeline + time against threads.

    Values outside the sliders' ranges (1-32 threads, 4-64 pages, 10-200 ms) are moved to
    the nearest end; values :func:`explore_fetch` would refuse are refused here.
    """
    history = FetchHistory()

    def compute(**values: int) -> tuple[Figure, FetchRun]:
        return explore_fetch(**values, history=history)  # type: ignore[arg-type]

    controls = {
        "threads": int_slider("Threads", threads, 1, 32),
        "pages": int_slider("Pages", pages, 4, 64),
        "latency_ms": int_slider("Typical wait (ms)", latency_ms, 10, 200, step=10),
    }
    return Explorer(compute, controls, title="Fetch explorer")
