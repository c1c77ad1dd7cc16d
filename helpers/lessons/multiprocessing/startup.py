"""Notebook 08: what starting one process costs under each start method, measured and drawn.

The course benchmark (``tools/bench.py``) runs the same measurement.
"""

from __future__ import annotations

import statistics
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated

from matplotlib.figure import Figure

from ...core import machine
from ...core.domains import Choice, Int, Items, Progress, validated
from ...core.lifecycle import stop
from ...draw.plots import MARKERS, colour, finish, new_figure
from ...draw.style import marker_size
from .child import Deadline, noop


@dataclass(frozen=True)
class StartupSample:
    """One child started and joined: ``seconds`` from ``Process.start()`` to ``join()``."""

    method: str
    run: int
    seconds: float


#: Start methods this platform offers, at least one; None means all of them.
Methods = Annotated[
    Sequence[str] | None,
    Items(Choice(machine.available_start_methods()), optional=True, what="start method"),
]


@validated
def startup_costs(
    methods: Methods = None,
    repeats: Annotated[int, Int(1, 50)] = 5,
    *,
    progress: Progress = None,
    timeout: Deadline = 30.0,
) -> list[StartupSample]:
    """Start and join a do-nothing child ``repeats`` times per start method; time each.

    ``fork`` in a process with threads (every Jupyter kernel) warns on Python 3.12+; here the
    warning is silenced because the point is the cost, and notebook 08 explains it separately.
    A child that does not finish within ``timeout`` seconds is terminated, and the measurement
    fails with ``TimeoutError`` naming it.
    """
    chosen = machine.available_start_methods() if methods is None else methods
    samples = []
    total = len(chosen) * repeats
    for method in chosen:
        context = machine.mp_context(method)
        for run in range(repeats):
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", ".*fork.*", DeprecationWarning)
                started = time.perf_counter()
                child = context.Process(target=noop, name=f"{method}-child-{run + 1}")
                child.start()
                child.join(timeout)
                elapsed = time.perf_counter() - started
            stopped = stop([child], 0).check(f"{method} children (given {timeout:g} s)")
            if stopped.exitcodes != (0,):
                raise RuntimeError(f"a {method} child failed: exit code {stopped.exitcodes[0]}")
            samples.append(StartupSample(method, run, elapsed))
            if progress is not None:
                progress(len(samples), total)
    return samples


def median_startup(samples: Sequence[StartupSample]) -> dict[str, float]:
    """Median start-up seconds per method, in the order the methods were measured."""
    by_method: dict[str, list[float]] = {}
    for sample in samples:
        by_method.setdefault(sample.method, []).append(sample.seconds)
    return {method: statistics.median(values) for method, values in by_method.items()}


def plot_startup_costs(samples: Sequence[StartupSample]) -> Figure:
    """One bar per start method (the median), with every measured start as a dot."""
    if not samples:
        raise ValueError("samples must not be empty")
    medians = median_startup(samples)
    fig, (ax,) = new_figure(width=6.5, height=3.4)
    for i, (method, median) in enumerate(medians.items()):
        ax.bar(i, median * 1e3, color=colour(i), alpha=0.45, width=0.6)
        points = [s for s in samples if s.method == method]
        offsets = [(s.run - (len(points) - 1) / 2) * 0.06 for s in points]
        ax.plot(
            [i + o for o in offsets],
            [s.seconds * 1e3 for s in points],
            linestyle="none",
            marker=MARKERS[i % len(MARKERS)],
            color=colour(i),
            markersize=marker_size(0.83),
        )
    ax.set_xticks(
        range(len(medians)),
        [f"{method}\nmedian {median * 1e3:.1f} ms" for method, median in medians.items()],
    )
    ax.set_ylim(bottom=0, top=max(s.seconds for s in samples) * 1e3 * 1.2)
    finish(
        ax,
        xlabel="start method",
        ylabel="start + join a do-nothing child (ms)",
        title="Cost of starting one process (bar: median; dots: each start)",
    )
    return fig
