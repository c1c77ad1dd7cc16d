"""The course's signature picture: which worker ran which task, and when.

One row per thread or process, one bar per task. A task's bar is faded from the moment it
started to the moment it ended, and solid where it was really running. On CPU-bound threads
the solid pieces alternate between rows: that is the GIL being handed from thread to thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ..core import machine
from ..core.domains import Bool, Number, Of, OptionalText, Text, Where, validated
from ..core.spans import Span, rows
from ..core.timing import RunResult
from .plots import OptionalAxes, axes_for, colour, finish
from .style import line_width


@validated
def legends(gil: Bool) -> dict[str, tuple[str, str]]:
    """What solid and faded mean, for each kind of work, on a build with or without the GIL."""
    if gil:
        return {
            "cpu": (
                "running Python\n(holds the GIL)",
                "started, waiting\n(for the GIL\nor a core)",
            ),
            "io": ("", "waiting on I/O\n(GIL released)"),
            "hash": ("hashing in C\n(GIL released)", ""),
        }
    # A free-threaded build (GIL off): threads wait only for a core, never for a lock.
    return {
        "cpu": ("running Python", "started, waiting\n(for a core)"),
        "io": ("", "waiting on I/O"),
        "hash": ("hashing in C", ""),
    }


#: The legends for this build: the GIL is named only where there is one.
def current_legends() -> dict[str, tuple[str, str]]:
    """The legends for the build as it is now: a free-threaded build can turn the GIL back on
    while it runs (an extension module that needs it), so this is read at drawing time."""
    return legends(machine.gil_enabled())


Row = tuple[str, Sequence[Span]]
#: x-axis units per unit of span time: 1e3 draws seconds as milliseconds (the default), 1
#: draws spans whose times are already in the axis unit (the interleaving lab's step numbers).
Scale = Annotated[float, Number(0, 1e9, above=True)]


def _legend(value: object, argument: str) -> tuple[str, str] | None:
    if value is None:
        return None
    if not (
        isinstance(value, tuple) and len(value) == 2 and all(isinstance(x, str) for x in value)
    ):
        raise TypeError(f"{argument} must be a (solid, faded) pair of strings; got {value!r}")
    return value


#: What the solid and the faded part of a bar mean ("" leaves one out of the legend); None:
#: CPU-bound work on this build.
Legend = Annotated[
    tuple[str, str] | None, Where(_legend, ("a", "b"), ("ab", ("a",), ("a", 1), ["a", "b"]))
]


@validated
def rows_of(result: Annotated[RunResult, Of(RunResult)]) -> list[Row]:
    """Group a run's records by worker, in the order the workers first started."""
    labels = result.worker_labels()
    grouped: dict[str, list[Span]] = {label: [] for label in labels.values()}
    for record in result.records:
        grouped[labels[record.worker_key]].append(record)
    return list(grouped.items())


@validated
def draw_spans(
    ax: Annotated[Axes, Of(Axes)],
    spans: Sequence[Span],
    t0: Annotated[float, Number()],
    *,
    legend: Legend = None,
    show_running: Bool = True,
    scale: Scale = 1e3,
) -> Axes:
    """Draw spans as bars, one timeline row per distinct ``span.row``, in order of appearance.

    Time on x in milliseconds since ``t0``. Every timeline of the course is drawn here: a
    pool's tasks, a semaphore's holders, a condition's waiters, a crawler's requests.
    ``scale`` is how many x-axis units one unit of span time is: 1e3 (seconds drawn as
    milliseconds, the default), 1 (spans already in the axis unit, e.g. step numbers).
    """
    return draw_rows(
        ax, rows(list(spans)), t0, legend=legend, show_running=show_running, scale=scale
    )


@validated
def draw_rows(
    ax: Annotated[Axes, Of(Axes)],
    rows: Sequence[Row],
    t0: Annotated[float, Number()],
    *,
    legend: Legend = None,
    show_running: Bool = True,
    scale: Scale = 1e3,
) -> Axes:
    """Draw ``(label, spans)`` rows of bars, top to bottom: the spans of each row keep their
    order. For spans whose row labels are made elsewhere (a run's workers, numbered).
    ``scale``: x-axis units per unit of span time (see :func:`draw_spans`)."""
    height = 0.7
    for row_number, (_, records) in enumerate(rows):
        y = row_number - height / 2
        for record in records:
            shade = colour(record.index)
            start_ms = (record.start - t0) * scale
            ax.broken_barh(
                [(start_ms, max(record.duration * scale, 0.05))],
                (y, height),
                facecolors=shade,
                alpha=0.3,
                edgecolor=shade,
                linewidth=line_width(0.5),
            )
            if show_running and record.running:
                pieces = [((a - t0) * scale, max((b - a) * scale, 0.05)) for a, b in record.running]
                ax.broken_barh(pieces, (y, height), facecolors=shade)
    ax.set_yticks(range(len(rows)), [label for label, _ in rows])
    ax.set_ylim(len(rows) - 0.5, -0.5)  # first worker on top
    running_label, waiting_label = current_legends()["cpu"] if legend is None else legend
    handles = []
    if running_label:
        handles.append(Patch(facecolor="#777777", label=running_label))
    if waiting_label:
        handles.append(Patch(facecolor="#777777", alpha=0.3, label=waiting_label))
    if handles:
        # Outside, right of the axis, so the legend never hides a bar.
        ax.legend(
            handles=handles,
            fontsize="small",
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
            frameon=False,
        )
    return ax


@validated
def plot_timeline(
    result: Annotated[RunResult, Of(RunResult)],
    *,
    ax: OptionalAxes = None,
    title: OptionalText = None,
) -> Figure:
    """A Gantt chart of one run: rows are workers, bars are tasks (colour = task number)."""
    fig, ax = axes_for(ax, height=1.2 + 0.45 * max(1, result.workers))
    draw_rows(ax, rows_of(result), result.t0, legend=current_legends()[result.kind])
    finish_run_timeline(ax, result, ylabel="worker", title=title)
    return fig


@validated
def finish_run_timeline(
    ax: Annotated[Axes, Of(Axes)],
    result: Annotated[RunResult, Of(RunResult)],
    *,
    ylabel: Text,
    title: OptionalText = None,
) -> Axes:
    """The end of a timeline of one run of tasks: time from submission to the run's end, and
    a title saying what ran and how long it took (unless ``title`` says something else)."""
    return finish_timeline(
        ax,
        right_ms=result.wall * 1e3,
        xlabel="time since the tasks were submitted (ms)",
        ylabel=ylabel,
        title=title or f"{result.describe()}: {result.wall * 1e3:.0f} ms",
    )


@validated
def finish_timeline(
    ax: Annotated[Axes, Of(Axes)],
    *,
    right_ms: Annotated[float, Number(0)],
    xlabel: Text,
    ylabel: Text,
    title: OptionalText = None,
) -> Axes:
    """The end of every timeline: x from 0 to just past ``right_ms``, labelled axes, and a
    grid on time only (rows are not a scale)."""
    ax.set_xlim(left=0, right=max(right_ms * 1.02, 1.0))
    finish(ax, xlabel=xlabel, ylabel=ylabel, title=title)
    ax.grid(True, axis="x", alpha=0.3)
    ax.grid(False, axis="y")
    return ax
