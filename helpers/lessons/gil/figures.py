"""Figures of notebook 01: a run's timeline coloured by worker, with a row of who ran Python."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ...core import machine
from ...core.domains import Items, Of, OptionalText, validated
from ...core.spans import Span
from ...core.timing import RunResult
from ...draw.plots import Inches, OptionalAxes, axes_for
from ...draw.style import figure_size, line_width
from ...draw.timeline import draw_spans, finish_run_timeline, legends, rows_of
from .turns import worker_numbers

#: Rows of named panels, as ``Figure.subplot_mosaic`` takes them.
Layout = Annotated[Sequence[Sequence[str]], Items(Items(Of(str)), what="row of panels")]


@validated
def mosaic(layout: Layout, width: Inches, height: Inches) -> tuple[Figure, dict[str, Axes]]:
    """A constrained-layout figure with named axes, closed for pyplot so it shows only once."""
    fig = plt.figure(figsize=figure_size(width, height), layout="constrained")
    plt.close(fig)
    return fig, fig.subplot_mosaic(layout)


def _spans(result: RunResult) -> list[Span]:
    """The bars of :func:`plot_turns`, coloured by worker (``index`` is the worker's number).

    For CPU-bound work the first row holds every running piece of every task, in time order:
    who ran Python at each moment.
    """
    numbers = worker_numbers(result)
    spans: list[Span] = []
    if result.kind == "cpu":
        # The real running pieces, not merged turns: a gap in this row means nobody ran Python
        # (the main thread had the GIL, or the OS gave the core to another program).
        row = "GIL held by" if machine.gil_enabled() else "running Python"
        pieces = [
            Span(numbers[r.worker_key], start, end, ((start, end),), row=row)
            for r in result.records
            for start, end in r.running
        ]
        spans += sorted(pieces, key=lambda span: span.start)
    for label, records in rows_of(result):
        spans += [
            Span(numbers[r.worker_key], r.start, r.end, tuple(r.running), row=label)
            for r in records
        ]
    return spans


@validated
def plot_turns(
    result: Annotated[RunResult, Of(RunResult)],
    *,
    ax: OptionalAxes = None,
    title: OptionalText = None,
) -> Figure:
    """A timeline with one row per worker, coloured by worker.

    For CPU-bound work an extra top row shows in each worker's colour who was running Python
    at each moment: *GIL held by* on a build with the GIL, where it is never two at once, and
    *running Python* on a build without it. The legend, too, names the GIL only where there is
    one (asked at drawing time: a free-threaded build can turn the GIL on while it runs).
    """
    fig, ax = axes_for(ax, height=1.3 + 0.45 * (result.workers + 1))
    legend = legends(machine.gil_enabled())[result.kind]
    draw_spans(ax, _spans(result), result.t0, legend=legend)
    if result.kind == "cpu":
        ax.axhline(
            0.5, color="#555555", linewidth=line_width(0.53)
        )  # separates the top row from the threads
    finish_run_timeline(ax, result, ylabel="", title=title)
    return fig
