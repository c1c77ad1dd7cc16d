"""A schedule on the course's timeline: one row per thread, bars against step numbers.

Solid where a thread ran (a bar per stretch of consecutive steps), faded where it was blocked
(from the step that blocked it to the step that woke it), a dotted line at each switch. Drawn
by :func:`helpers.draw.timeline.draw_spans` with ``scale=1``: the x axis counts steps.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Annotated

from matplotlib.figure import Figure

from ..core.domains import Items, Of, OptionalText, validated
from ..core.spans import Span
from ..draw.plots import OptionalAxes, axes_for, finish
from ..draw.style import line_width
from ..draw.timeline import draw_spans
from .run import Step

ThreadNames = Annotated[Sequence[str], Items(Of(str), empty_ok=True)]


@validated
def schedule_spans(
    steps: Annotated[Sequence[Step], Of((list, tuple))], threads: ThreadNames
) -> list[Span]:
    """The steps as spans: ``start``/``end`` are step numbers (step k covers k-1 to k)."""
    names = list(dict.fromkeys([*threads, *(s.thread for s in steps)]))
    order = {name: i for i, name in enumerate(names)}
    spans: list[Span] = []
    blocked_since: dict[str, int] = {}
    run_start: int | None = None
    for i, step in enumerate(steps):
        nxt = steps[i + 1] if i + 1 < len(steps) else None
        if step.thread in blocked_since:
            since = blocked_since.pop(step.thread)
            if step.index - 1 > since:
                spans.append(
                    Span(order[step.thread], since, step.index - 1, (), step.thread, "blocked")
                )
        if run_start is None:
            run_start = step.index - 1
        if step.after.startswith(("blocked", "sleeping")):
            blocked_since[step.thread] = step.index
        if nxt is None or nxt.thread != step.thread or step.thread in blocked_since:
            spans.append(
                Span(
                    order[step.thread],
                    run_start,
                    step.index,
                    ((run_start, step.index),),
                    step.thread,
                    step.after,
                )
            )
            run_start = None
    end = steps[-1].index if steps else 0
    for name, since in blocked_since.items():
        if end > since:
            spans.append(Span(order[name], since, end, (), name, "blocked"))
    # Rows in thread order, even for a thread that never ran.
    return sorted(spans, key=lambda span: (order[span.row], span.start))


@validated
def plot_schedule(
    steps: Annotated[Sequence[Step], Of((list, tuple))],
    threads: ThreadNames = (),
    *,
    title: OptionalText = None,
    ax: OptionalAxes = None,
) -> Figure:
    """A schedule on the timeline: who ran at each step, who was blocked, where it switched."""
    names = list(dict.fromkeys([*threads, *(s.thread for s in steps)]))
    fig, ax = axes_for(ax, height=1.0 + 0.45 * max(1, len(names)))
    spans = schedule_spans(steps, names)
    draw_spans(ax, spans, 0.0, legend=("running (its steps)", "blocked"), scale=1.0)
    for previous, step in itertools.pairwise(steps):
        if previous.thread != step.thread:
            ax.axvline(step.index - 1, color="#999999", linestyle=":", linewidth=line_width(0.53))
    ax.set_xlim(0, max(1, len(steps)))
    finish(ax, xlabel="step", ylabel="thread", title=title or f"{len(steps)} steps")
    ax.grid(False, axis="y")
    return fig
