"""The course's signature picture: which worker ran which task, and when.

One row per thread or process, one bar per task. A task's bar is faded from the moment it
started to the moment it ended, and solid where it was really running. On CPU-bound threads
the solid pieces alternate between rows: that is the GIL being handed from thread to thread.
"""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ..core.timing import RunResult
from ..core.validate import validate_flag, validate_instance, validate_number
from ..core.workloads import TaskRecord
from .plots import colour, finish, new_figure

_LEGEND = {
    "cpu": ("running Python\n(holds the GIL)", "started, waiting\n(for the GIL\nor a core)"),
    "io": ("", "waiting on I/O\n(GIL released)"),
    "hash": ("hashing in C\n(GIL released)", ""),
}

Row = tuple[str, Sequence[TaskRecord]]


def rows_of(result: RunResult) -> list[Row]:
    """Group a run's records by worker, in the order the workers first started."""
    validate_instance(result, "result", RunResult)
    labels = result.worker_labels()
    rows: dict[str, list[TaskRecord]] = {label: [] for label in labels.values()}
    for record in result.records:
        rows[labels[record.worker_key]].append(record)
    return list(rows.items())


def draw_rows(
    ax: Axes,
    rows: Sequence[Row],
    t0: float,
    *,
    legend: tuple[str, str] = _LEGEND["cpu"],
    show_running: bool = True,
) -> Axes:
    """Draw tasks as bars, one row per worker. Time on x in milliseconds since ``t0``.

    Other notebooks reuse this for their own records (a semaphore's holders, a pool's tasks):
    anything with ``index``, ``start``, ``end`` and ``running`` intervals can be drawn.
    ``legend`` labels the solid and the faded parts of a bar ("" leaves one out).
    """
    validate_instance(ax, "ax", Axes)
    validate_number(t0, "t0")
    if not (
        isinstance(legend, tuple) and len(legend) == 2 and all(isinstance(x, str) for x in legend)
    ):
        raise TypeError(f"legend must be a (solid, faded) pair of strings; got {legend!r}")
    validate_flag(show_running, "show_running")
    height = 0.7
    for row_number, (_, records) in enumerate(rows):
        y = row_number - height / 2
        for record in records:
            shade = colour(record.index)
            start_ms = (record.start - t0) * 1e3
            ax.broken_barh(
                [(start_ms, max(record.duration * 1e3, 0.05))],
                (y, height),
                facecolors=shade,
                alpha=0.3,
                edgecolor=shade,
                linewidth=0.8,
            )
            if show_running and record.running:
                pieces = [((a - t0) * 1e3, max((b - a) * 1e3, 0.05)) for a, b in record.running]
                ax.broken_barh(pieces, (y, height), facecolors=shade)
    ax.set_yticks(range(len(rows)), [label for label, _ in rows])
    ax.set_ylim(len(rows) - 0.5, -0.5)  # first worker on top
    running_label, waiting_label = legend
    handles = []
    if running_label:
        handles.append(Patch(facecolor="#777777", label=running_label))
    if waiting_label:
        handles.append(Patch(facecolor="#777777", alpha=0.3, label=waiting_label))
    if handles:
        # Outside, right of the axis, so the legend never hides a bar.
        ax.legend(
            handles=handles, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False
        )
    return ax


def plot_timeline(result: RunResult, *, ax: Axes | None = None, title: str | None = None) -> Figure:
    """A Gantt chart of one run: rows are workers, bars are tasks (colour = task number)."""
    validate_instance(result, "result", RunResult)
    validate_instance(ax, "ax", Axes, optional=True)
    if ax is None:
        fig, (ax,) = new_figure(height=1.2 + 0.45 * max(1, result.workers))
    else:
        fig = ax.figure  # type: ignore[assignment]
    draw_rows(ax, rows_of(result), result.t0, legend=_LEGEND[result.kind])
    ax.set_xlim(left=0, right=max(result.wall * 1e3 * 1.02, 1.0))
    finish(
        ax,
        xlabel="time since the tasks were submitted (ms)",
        ylabel="worker",
        title=title or f"{result.describe()}: {result.wall * 1e3:.0f} ms",
    )
    ax.grid(True, axis="x", alpha=0.3)
    ax.grid(False, axis="y")
    return fig  # type: ignore[return-value]
