"""Plain functions behind the explorers: measure, then draw. Tests and papermill call these.

A widget only collects values from its controls and calls one of these functions, so whatever
a learner can see by moving a slider, a headless run can produce too.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Annotated, ParamSpec, TypeVar

from matplotlib.figure import Figure

from ..core import machine
from ..core.domains import (
    Choice,
    Count,
    Fn,
    Items,
    Of,
    Progress,
    Workers,
    is_validated,
    validated,
)
from ..core.machine import StartMethod
from ..core.timing import (
    EXECUTOR_KINDS,
    ExecutorKind,
    Measurement,
    RunResult,
    TaskMs,
    chain_progress,
    measure,
)
from ..core.workloads import WORKLOAD_KINDS, Kind
from .plots import new_figure, plot_speedup
from .timeline import plot_timeline

P = ParamSpec("P")
R = TypeVar("R")


@validated
def run_then_draw(
    run: Annotated[Callable[P, R], Fn()],
) -> Callable[[Callable[[R], Figure]], Callable[P, tuple[Figure, R]]]:
    """Decorate a drawing of ``run``'s result into an explorer's compute function.

    The function made takes exactly ``run``'s parameters, calls ``run``, draws its result and
    returns ``(figure, result)``. The parameters and their domains stay declared once, on
    ``run``: ``inspect.signature`` and :func:`helpers.core.domains.domains_of` read them there
    (through ``__wrapped__``), and ``run``, being ``@validated``, refuses bad values before it
    starts anything.
    """
    if not is_validated(run):
        raise TypeError(f"run must be a @validated function; got {run!r}")

    def decorate(draw: Callable[[R], Figure]) -> Callable[P, tuple[Figure, R]]:
        @functools.wraps(draw)
        def compute(*args: P.args, **kwargs: P.kwargs) -> tuple[Figure, R]:
            result = run(*args, **kwargs)
            return draw(result), result

        signature = inspect.signature(run)
        compute.__wrapped__ = run  # type: ignore[attr-defined]
        compute.__signature__ = signature.replace(  # type: ignore[attr-defined]
            return_annotation=f"tuple[Figure, {signature.return_annotation}]"
        )
        compute.__validated__ = True  # type: ignore[attr-defined]
        return compute

    return decorate


@validated
def task_seconds_from_ms(task_ms: TaskMs) -> float:
    """Explorers speak milliseconds (1 to 5000); the timing API speaks seconds."""
    return task_ms / 1e3


@dataclass
class SpeedupHistory:
    """Measurements kept between explorer runs: each run adds one point to its curve.

    Serial baselines are reused for the same tasks, which halves the time of every later run.
    """

    baselines: dict[tuple[str, int, float], RunResult] = field(default_factory=dict)
    points: dict[tuple[str, str, int, float, str | None], dict[int, Measurement]] = field(
        default_factory=dict
    )

    def curve(self, m: Measurement) -> list[Measurement]:
        key = (m.run.kind, m.run.executor, m.run.tasks, m.run.task_seconds, m.run.start_method)
        return sorted(self.points.get(key, {}).values(), key=lambda x: x.run.workers)

    def add(self, m: Measurement, task_ms: float) -> None:
        run = m.run
        self.baselines[(run.kind, run.tasks, task_ms)] = m.serial
        key = (run.kind, run.executor, run.tasks, run.task_seconds, run.start_method)
        self.points.setdefault(key, {})[run.workers] = m


@validated
def explore_workers(
    kind: Kind = "cpu",
    executor: ExecutorKind = "threads",
    workers: Workers = 2,
    tasks: Count = 8,
    task_ms: TaskMs = 40,
    *,
    start_method: StartMethod = None,
    progress: Progress = None,
    history: Annotated[SpeedupHistory | None, Of(SpeedupHistory, optional=True)] = None,
) -> Figure:
    """Run ``tasks`` tasks of ``kind`` on ``executor`` with ``workers`` workers; draw the
    timeline of the run and its speedup over serial, next to the ideal and the machine's limit.

    With a ``history``, earlier runs of the same configuration stay on the speedup plot, so
    moving the workers slider traces the whole curve.
    """
    seconds = task_ms / 1e3
    if executor == "serial":
        workers = 1
    history = SpeedupHistory() if history is None else history
    baseline = history.baselines.get((kind, tasks, task_ms))
    result = measure(
        kind,
        executor,
        workers,
        tasks,
        seconds,
        start_method=start_method,
        progress=progress,
        baseline=baseline,
    )
    history.add(result, task_ms)

    # 12.5 inches in all: the timeline's legend sits right of its axes (grown to fit a slide
    # in projector mode, by new_figure).
    fig, (left, right) = new_figure(ncols=2, width=6.25, height=1.6 + 0.4 * max(2, workers))
    plot_timeline(result.run, ax=left, title=_timeline_title(result))
    plot_speedup(
        {EXECUTOR_KINDS[executor]: history.curve(result)},
        ax=right,
        highlight=result,
        title=f"Speedup, {WORKLOAD_KINDS[kind]}",
    )
    fig.suptitle(_headline(result), fontsize="large")
    return fig


def _timeline_title(m: Measurement) -> str:
    run = m.run
    startup = ""
    if run.executor == "processes":
        startup = f"; pool start-up {run.startup_seconds * 1e3:.0f} ms, not counted"
    return (
        f"{run.describe()}\n{run.wall * 1e3:.0f} ms (serial {m.serial.wall * 1e3:.0f} ms){startup}"
    )


def _headline(m: Measurement) -> str:
    return (
        f"speedup over serial {m.speedup:.2f}x "
        f"(ideal {m.ideal:.2f}x, this machine's limit {m.limit:.2f}x)"
    )


@validated
def compare_executors(
    workers: Workers = 2,
    tasks: Count = 8,
    task_ms: TaskMs = 40,
    *,
    kinds: Annotated[Sequence[str], Items(Choice(WORKLOAD_KINDS))] = ("cpu", "io"),
    executors: Annotated[Sequence[str], Items(Choice(EXECUTOR_KINDS))] = ("threads", "processes"),
    start_method: StartMethod = None,
    progress: Progress = None,
) -> tuple[Figure, list[Measurement]]:
    """The central picture of the course: each kind of work on each executor, side by side.

    Returns the figure (one timeline per kind x executor, titled with its speedup) and the
    measurements, so a notebook can assert facts about them or print them.
    """
    seconds = task_ms / 1e3

    stages = len(kinds) * (len(executors) + 1)
    done_stages = 0
    fig, axes = new_figure(
        ncols=len(executors), nrows=len(kinds), height=1.4 + 0.45 * max(2, workers)
    )
    measurements = []
    for row, kind in enumerate(kinds):
        baseline = None
        for col, executor in enumerate(executors):
            m = measure(
                kind,
                executor,
                workers,
                tasks,
                seconds,
                start_method=start_method,
                baseline=baseline,
                progress=chain_progress(progress, done_stages * tasks, stages * tasks),
            )
            done_stages += 2 if baseline is None else 1
            baseline = m.serial
            measurements.append(m)
            ax = axes[row * len(executors) + col]
            plot_timeline(
                m.run,
                ax=ax,
                title=(
                    f"{WORKLOAD_KINDS[kind]} on {EXECUTOR_KINDS[executor]}: "
                    f"{m.speedup:.2f}x (ideal {m.ideal:.2f}x, limit {m.limit:.2f}x)"
                ),
            )
    cores = machine.usable_cores()
    fig.suptitle(
        f"{tasks} tasks of ~{task_ms:g} ms on {workers} workers; "
        f"{cores} usable core{'s' if cores != 1 else ''}",
        fontsize="large",
    )
    return fig, measurements
