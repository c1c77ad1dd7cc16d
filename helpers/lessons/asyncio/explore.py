"""Lesson 11's explorer of threads against tasks, and a timeline of tasks on one thread."""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field
from typing import Annotated

from matplotlib.figure import Figure

from ...core.domains import Int, Millis, Of, Progress, validated
from ...core.spans import Span
from ...core.timing import max_overlap
from ...core.workloads import calibrate, spin
from ...draw.plots import MARKERS, colour, finish, new_figure
from ...draw.scales import plain_log_scale
from ...draw.timeline import draw_spans
from . import limits, runner
from .measure import BOUND_S, WAITS, Comparison, Units, Wait, WaitMs, compare


@dataclass
class WaitHistory:
    """Wall times kept between explorer runs: each run adds a point to its curve."""

    points: dict[tuple[str, str, float], dict[int, float]] = field(default_factory=dict)

    def add(self, comparison: Comparison) -> None:
        for run in (comparison.threads, comparison.tasks):
            if run is not None:
                key = (run.mode, run.wait, run.wait_ms)
                self.points.setdefault(key, {})[run.units] = run.wall_s

    def curve(self, mode: str, wait: str, wait_ms: float) -> list[tuple[int, float]]:
        return sorted(self.points.get((mode, wait, wait_ms), {}).items())


@validated
def explore_waits(
    units: Units = 1_000,
    wait: Wait = "sleep",
    wait_ms: WaitMs = 50,
    *,
    progress: Progress = None,
    history: Annotated[WaitHistory | None, Of(WaitHistory, optional=True)] = None,
) -> tuple[Figure, Comparison]:
    """Measure N waits as threads and as tasks; draw wall time against N (every run so far),
    memory per unit and start-up cost per unit."""
    limit = limits.thread_limit()
    capped = wait == "socket" and units > limit.socket_units
    result = compare(
        min(units, limit.socket_units) if capped else units, wait, wait_ms, progress=progress
    )
    history = WaitHistory() if history is None else history
    history.add(result)

    fig, (curve, memory, startup) = new_figure(ncols=3, width=4.4, height=3.4)
    for i, mode in enumerate(("threads", "tasks")):
        points = history.curve(mode, wait, wait_ms)
        if points:
            curve.plot(
                [n for n, _ in points],
                [s * 1e3 for _, s in points],
                marker=MARKERS[i],
                color=colour(i),
                label=mode,
            )
    curve.axhline(
        wait_ms, **{"color": "#555555", "linestyle": "--", "linewidth": 1.0}, label="one wait"
    )
    plain_log_scale(curve, x=True)
    finish(
        curve,
        xlabel="concurrent waits (N)",
        ylabel="wall time (ms)",
        title=f"N waits for {WAITS[wait]}",
        legend="best",
    )

    runs = [(r.mode, r) for r in (result.threads, result.tasks) if r is not None]
    labels = [m for m, _ in runs]
    xs = range(len(runs))
    memory.bar(
        [x - 0.2 for x in xs],
        [r.traced_bytes / 1024 for _, r in runs],
        width=0.4,
        color=colour(2),
        label="Python objects (tracemalloc)",
    )
    memory.bar(
        [x + 0.2 for x in xs],
        [max(r.rss_bytes or 0.0, 0.0) / 1024 for _, r in runs],
        width=0.4,
        color=colour(3),
        label="resident (RSS)",
    )
    memory.set_xticks(list(xs), labels)
    finish(
        memory,
        xlabel="",
        ylabel="memory per unit (KiB)",
        title=f"with {result.units:,} alive",
        legend="best",
    )
    startup.bar(list(xs), [r.startup_us for _, r in runs], color=[colour(i) for i in xs])
    startup.set_xticks(list(xs), labels)
    finish(startup, xlabel="", ylabel="start-up per unit (µs)", title="until all are waiting")
    notes = []
    if result.threads is None:
        notes.append(
            f"threads not run: {result.units:,} is above this machine's limit of {limit.chosen:,}"
        )
    if capped:
        notes.append(f"N capped at {limit.socket_units:,}: open files")
    fig.suptitle(
        "; ".join(notes) or f"{result.units:,} threads and {result.units:,} tasks",
        fontsize="medium",
    )
    return fig, result


# --- A timeline of tasks ----------------------------------------------------------------------


@dataclass(frozen=True)
class TaskTimeline:
    spans: tuple[Span, ...]
    t0: float
    threads: frozenset[int]

    def running_overlap(self) -> int:
        """The most running intervals that overlap: 1 on one thread."""
        return max_overlap(interval for span in self.spans for interval in span.running)


@validated
def tasks_timeline(
    units: Annotated[int, Int(1, 40)] = 8,
    wait_ms: WaitMs = 40,
    work_ms: Annotated[float, Millis(0.1, 50)] = 2,
) -> tuple[Figure, TaskTimeline]:
    """``units`` tasks that each work ``work_ms``, wait, and work again: who ran when.

    Faded: the task exists but waits (its ``await``). Solid: it runs on the loop's thread.
    """
    iterations = int(calibrate("cpu", work_ms / 1e3))

    async def main() -> TaskTimeline:
        spans: list[Span] = []
        threads: set[int] = set()

        async def unit(i: int, created: float) -> None:
            threads.add(threading.get_ident())
            a = time.perf_counter()
            spin(iterations)
            b = time.perf_counter()
            await asyncio.sleep(wait_ms / 1e3 * (1 + i % 3) / 2)
            c = time.perf_counter()
            spin(iterations)
            d = time.perf_counter()
            spans.append(Span(i, created, d, ((a, b), (c, d)), row=f"task {i}"))

        t0 = time.perf_counter()
        tasks = [asyncio.create_task(unit(i, time.perf_counter())) for i in range(units)]
        await asyncio.gather(*tasks)
        return TaskTimeline(tuple(sorted(spans, key=lambda s: s.index)), t0, frozenset(threads))

    timeline = runner.run(main(), timeout=BOUND_S)
    fig, (ax,) = new_figure(width=8.0, height=1.0 + 0.32 * units)
    draw_spans(
        ax,
        timeline.spans,
        timeline.t0,
        legend=("running on the loop's thread", "waiting at an await"),
    )
    finish(
        ax,
        xlabel="time since the tasks were created (ms)",
        ylabel="",
        title=f"{units} tasks on one event loop, one thread",
    )
    return fig, timeline
