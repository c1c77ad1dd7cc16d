"""Notebook 09's figures: the synchronisation timelines, the cost of one operation, and the
headline plot of throughput and latency by mechanism and message size."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.figure import Figure

from ...core.spans import Span, held
from ...draw.plots import MARKERS, colour, finish, finish_bars, new_figure, plain_log_ticks
from ...draw.style import line_width
from ...draw.timeline import draw_spans, finish_timeline
from .child import SyncRecord
from .mechanisms import MECHANISMS, IpcResult, OperationCost, size_label


def _sync_spans(records: Sequence[SyncRecord], tick: float) -> list[Span]:
    """One span per child, in the child's own row: faded while it waited, solid once through
    (at least ``tick`` long, so a wait that ended is visible even when nothing was held)."""
    return [
        held(r.index, r.asked, r.got, max(r.done, r.got + tick), row=f"child {r.index}")
        for r in sorted(records, key=lambda r: r.index)
    ]


def plot_sync(
    panels: dict[str, Sequence[SyncRecord]], marks: dict[str, float] | None = None
) -> Figure:
    """One timeline per primitive: a row per child, faded while it waits, solid once through.

    ``marks`` puts a vertical line in a panel (e.g. when the parent set an Event).
    """
    if not panels:
        raise ValueError("panels must name at least one primitive")
    rows = max(len(records) for records in panels.values())
    fig, axes = new_figure(ncols=2, nrows=(len(panels) + 1) // 2, height=1.2 + 0.4 * rows)
    fig.set_size_inches(12.5, fig.get_size_inches()[1])
    for ax, (title, records) in zip(axes, panels.items(), strict=False):
        t0 = min(r.asked for r in records)
        span = max(r.done for r in records) - t0
        tick = max(span * 0.015, 1e-4)  # a visible mark where a wait ended
        spans = _sync_spans(records, tick)
        draw_spans(ax, spans, t0, legend=("through: holding it, or released", "waiting"))
        if marks and title in marks:
            ax.axvline(
                (marks[title] - t0) * 1e3,
                color="#000000",
                linewidth=line_width(0.67),
                linestyle="--",
            )
        finish_timeline(
            ax,
            right_ms=(max(s.end for s in spans) - t0) * 1e3,
            xlabel="time (ms)",
            ylabel="",
            title=title,
        )
    for ax in axes[len(panels) :]:
        ax.set_visible(False)
    return fig


def plot_operation_costs(costs: Sequence[OperationCost]) -> Figure:
    """One horizontal bar per mechanism: the median round trip between two processes, on a
    log scale (the costs span orders of magnitude)."""
    if not costs:
        raise ValueError("costs must not be empty")
    fig, (ax,) = new_figure(width=8.0, height=0.45 * len(costs) + 1.2)
    names = [c.name for c in costs]
    values = [c.seconds * 1e6 for c in costs]
    groups = list(dict.fromkeys(c.group for c in costs))
    for i, group in enumerate(groups):
        mine = [(c.name, c.seconds * 1e6) for c in costs if c.group == group]
        ax.barh([n for n, _ in mine], [v for _, v in mine], color=colour(i), label=group or None)
    if len(groups) > 1:
        ax.legend(fontsize="small", loc="upper right")  # the cheap operations on top leave room
    ax.set_yticks(range(len(names)), names)
    ax.set_xscale("log")
    ax.set_xlim(min(values) / 2, max(values) * 6)
    plain_log_ticks(ax.xaxis)
    finish_bars(  # the first, cheapest, on top
        ax,
        values,
        value_format="{:.2g} µs",
        xlabel="round trip: an int to a child process and back (µs, median, log scale)",
        title="One small round trip between two processes, each mechanism",
    )
    return fig


def plot_ipc(results: Sequence[IpcResult]) -> Figure:
    """The headline plot: throughput (left) and latency (right) against message size."""
    if not results:
        raise ValueError("results must not be empty")
    fig, (left, right) = new_figure(ncols=2, width=6.2, height=3.8)
    mechanisms = list(dict.fromkeys(r.mechanism for r in results))
    for i, mechanism in enumerate(mechanisms):
        mine = sorted((r for r in results if r.mechanism == mechanism), key=lambda r: r.size)
        style = {"marker": MARKERS[i], "color": colour(i), "label": MECHANISMS[mechanism]}
        left.plot([r.size for r in mine], [r.throughput / 1e6 for r in mine], **style)
        right.plot([r.size for r in mine], [r.latency * 1e6 for r in mine], **style)
    sizes = sorted({r.size for r in results})
    for ax in (left, right):
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xticks(sizes, [size_label(s) for s in sizes], rotation=30)
        plain_log_ticks(ax.yaxis)
    method = results[0].start_method
    finish(
        left,
        xlabel="message size",
        ylabel="throughput (MB/s, log scale)",
        title="Throughput: messages streamed one way",
        legend="upper left",
    )
    finish(
        right,
        xlabel="message size",
        ylabel="round trip (µs, log scale)",
        title="Latency: message there, 1-byte answer back (median)",
    )
    fig.suptitle(
        f"Between two processes on this machine (start method: {method})", fontsize="large"
    )
    return fig
