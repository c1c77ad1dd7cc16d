"""Timelines of requests to the simulated web: one row per thread, one bar per request."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Annotated

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from ...core import machine
from ...core.domains import Items, Number, Of, OptionalText, validated
from ...core.spans import Span, rows
from ...draw.plots import OptionalAxes, axes_for
from ...draw.style import figure_size
from ...draw.timeline import draw_spans, finish_timeline, legends
from .web import PageRequest

#: Requests to draw: at least one.
Requests = Annotated[Sequence[PageRequest], Items(Of(PageRequest), what="request")]


def _spans_by_thread(requests: Sequence[PageRequest]) -> list[Span]:
    """The requests' spans, grouped by thread (threads in the order they first asked).

    Coloured by place, not by page: neighbouring bars in a row always differ (steps of 3
    through the 8 colours), so each request stays visible however many threads there are.
    """
    ordered = sorted((request.span for request in requests), key=lambda span: span.start)
    return [
        replace(span, index=row + 3 * place)
        for row, (_, spans) in enumerate(rows(ordered))
        for place, span in enumerate(spans)
    ]


@validated
def plot_requests(
    requests: Requests,
    *,
    t0: Annotated[float | None, Number(optional=True)] = None,
    ax: OptionalAxes = None,
    title: OptionalText = None,
) -> Figure:
    """A timeline of requests: one row per thread, one bar per request."""
    spans = _spans_by_thread(requests)
    fig, ax = axes_for(ax, height=1.2 + 0.35 * len(rows(spans)))
    start = min(span.start for span in spans) if t0 is None else t0
    # A request only waits: the legend's "waiting on I/O" (naming the GIL only where there is one).
    draw_spans(ax, spans, start, legend=legends(machine.gil_enabled())["io"])
    finish_timeline(
        ax,
        right_ms=(max(span.end for span in spans) - start) * 1e3,
        xlabel="time since the first request (ms)",
        ylabel="thread",
        title=title or f"{len(spans)} requests",
    )
    return fig


def _elapsed(requests: Sequence[PageRequest]) -> float:
    """From the first request's start to the last one's end, in seconds."""
    return max(r.span.end for r in requests) - min(r.span.start for r in requests)


@validated
def plot_serial_vs_threaded(serial: Requests, threaded: Requests) -> Figure:
    """Two request timelines on one time scale: one after another on top, threaded below."""
    threads = len(rows([request.span for request in threaded]))
    fig, (top, bottom) = plt.subplots(
        2,
        1,
        figsize=figure_size(11, 2.6 + 0.35 * (threads + 1)),
        height_ratios=[1.6, 1 + 0.35 * threads],
        layout="constrained",
    )
    plt.close(fig)
    plot_requests(serial, ax=top, title=f"one after another: {_elapsed(serial) * 1e3:.0f} ms")
    plot_requests(
        threaded, ax=bottom, title=f"on {threads} threads: {_elapsed(threaded) * 1e3:.0f} ms"
    )
    top.set_xlabel("")
    right = max(top.get_xlim()[1], bottom.get_xlim()[1])
    for ax in (top, bottom):
        ax.set_xlim(0, right)  # the same time scale, so the lengths compare
    return fig
