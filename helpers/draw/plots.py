"""Speedup and throughput plots: labelled axes with units, ideal lines, colour-blind-safe colours.

Every function returns a matplotlib ``Figure`` that is already closed for pyplot, so a notebook
shows it exactly once: end the cell with the figure, or ``display(fig)``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping, Sequence
from typing import Annotated, Any

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..core.domains import (
    AnyInt,
    Bool,
    Choice,
    Count,
    Items,
    Number,
    Of,
    OptionalText,
    Text,
    validated,
)
from ..core.timing import Measurement, ideal_speedup, speedup_limit
from .style import figure_size, fit_title, line_width, marker_size

Inches = Annotated[float, Number(0, 100, above=True, unit="inches")]
OptionalAxes = Annotated[Axes | None, Of(Axes, optional=True)]

#: Okabe & Ito's palette: distinguishable with every common form of colour blindness.
PALETTE: tuple[str, ...] = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",  # black
)
#: Markers paired with the palette, so series differ in shape as well as colour.
MARKERS: tuple[str, ...] = ("o", "s", "^", "D", "v", "P", "X", "*")


class _LineStyle(Mapping[str, Any]):
    """Keyword arguments for a reference line (``ax.plot(..., **IDEAL_STYLE)``), whose width is
    a multiple of the current mode's line width, read when the line is drawn: the same dict
    draws a thin line on a laptop and a thick one in projector mode."""

    def __init__(self, color: str, linestyle: str, width: float) -> None:
        self._fixed = {"color": color, "linestyle": linestyle}
        self._width = width  # times rcParams["lines.linewidth"]

    def _values(self) -> dict[str, Any]:
        return {**self._fixed, "linewidth": line_width(self._width)}

    def __getitem__(self, key: str) -> Any:
        return self._values()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values())

    def __len__(self) -> int:
        return len(self._values())


#: The ideal (dashed grey) and this machine's limit (dotted vermillion), on every plot.
IDEAL_STYLE = _LineStyle("#555555", "--", 0.8)
LIMIT_STYLE = _LineStyle("#D55E00", ":", 1.07)


@validated
def colour(index: AnyInt) -> str:
    """The ``index``-th colour of the palette (cycling both ways)."""
    return PALETTE[index % len(PALETTE)]


@validated
def new_figure(
    ncols: Count = 1, nrows: Count = 1, width: Inches = 6.0, height: Inches = 3.6
) -> tuple[Figure, list[Axes]]:
    """A figure with ``nrows x ncols`` axes, each ``width`` x ``height`` inches (grown for a
    projector when projector mode is on, see :mod:`helpers.draw.style`), closed for pyplot so
    it is only shown once."""
    size = figure_size(width * ncols, height * nrows)
    fig, axes = plt.subplots(nrows, ncols, figsize=size, squeeze=False, layout="constrained")
    plt.close(fig)
    return fig, [ax for row in axes for ax in row]


@validated
def axes_for(ax: OptionalAxes, *, height: Inches = 3.6) -> tuple[Figure, Axes]:
    """Where a one-panel plot draws: on ``ax``, in its figure, when the caller gives one (a
    panel of a larger figure); else on a new figure of one axes, ``height`` inches tall."""
    if ax is None:
        fig, (ax,) = new_figure(height=height)
        return fig, ax
    return ax.figure, ax  # type: ignore[return-value]


#: Where :func:`finish` may put a legend: matplotlib's names for a place inside the axes.
LEGEND_PLACES = (
    "best",
    "upper left",
    "upper right",
    "lower left",
    "lower right",
    "center left",
    "center right",
    "upper center",
    "lower center",
    "center",
)


@validated
def finish(
    ax: Annotated[Axes, Of(Axes)],
    *,
    xlabel: Text,
    ylabel: Text,
    title: OptionalText = None,
    legend: Annotated[str | None, Choice(LEGEND_PLACES, optional=True)] = None,
    y_from_zero: Bool = False,
) -> Axes:
    """Label the axes (with units, by convention in parentheses) and add a light grid.

    ``legend`` adds the course's small legend at that place; ``y_from_zero`` starts the value
    axis at 0, for quantities (speedup, throughput) a chart must not exaggerate.
    """
    if y_from_zero:
        ax.set_ylim(bottom=0)
    if legend is not None:
        ax.legend(fontsize="small", loc=legend)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title, fontsize="medium")
        fit_title(ax)
    ax.grid(True, alpha=0.3)
    return ax


@validated
def finish_bars(
    ax: Annotated[Axes, Of(Axes)],
    values: Annotated[Sequence[float], Items(Number())],
    *,
    value_format: Text,
    xlabel: Text,
    title: OptionalText = None,
) -> Axes:
    """The end of a horizontal bar chart, one bar per row: each bar's value written at its end
    (``value_format``, e.g. ``"{:.0f} ns"``), the first row on top, the value axis labelled
    (the rows name themselves), and a grid on values only (rows are not a scale)."""
    for y, value in enumerate(values):
        ax.text(value, y, f" {value_format.format(value)}", va="center", fontsize="small")
    ax.invert_yaxis()
    finish(ax, xlabel=xlabel, ylabel="", title=title)
    ax.grid(False, axis="y")
    return ax


@validated
def plot_lines(
    x: Annotated[Sequence[float], Items(Number(), empty_ok=True)],
    series: Annotated[Mapping[str, Sequence[float]], Of(Mapping)],
    *,
    xlabel: Text,
    ylabel: Text,
    title: OptionalText = None,
    ax: OptionalAxes = None,
    logx: Bool = False,
    logy: Bool = False,
) -> Figure:
    """One line with markers per series over a shared x axis (throughput curves and the like)."""
    fig, ax = axes_for(ax)
    for i, (label, ys) in enumerate(series.items()):
        if len(ys) != len(x):
            raise ValueError(f"series {label!r} has {len(ys)} values for {len(x)} x values")
        ax.plot(x, ys, marker=MARKERS[i % len(MARKERS)], color=colour(i), label=label)
    if logx:
        ax.set_xscale("log")
    if logy:
        ax.set_yscale("log")
    legend = "best" if len(series) > 1 else None
    finish(ax, xlabel=xlabel, ylabel=ylabel, title=title, legend=legend)
    return fig


@validated
def plot_speedup(
    series: Mapping[str, Sequence[Measurement]] | Sequence[Measurement],
    *,
    ax: OptionalAxes = None,
    title: OptionalText = None,
    highlight: Annotated[Measurement | None, Of(Measurement, optional=True)] = None,
) -> Figure:
    """Measured speedup against the number of workers, with the ideal line and the core limit.

    ``series`` maps a label (e.g. ``"threads"``) to measurements at several worker counts; a
    plain list is one series labelled by its executor.
    """
    if not isinstance(series, Mapping):
        measurements = list(series)
        label = measurements[0].run.executor if measurements else "measured"
        series = {label: measurements}
    points = [m for ms in series.values() for m in ms]
    if not points:
        raise ValueError("series must hold at least one measurement")
    fig, ax = axes_for(ax)

    top = max(m.run.workers for m in points)
    xs = list(range(1, top + 1))
    sample = points[0]
    ideal = [ideal_speedup(w, sample.run.tasks) for w in xs]
    ax.plot(xs, ideal, label="ideal: every worker in parallel", **IDEAL_STYLE)
    cores = sample.run.cores
    if sample.run.kind != "io" and cores < top:
        limit = [speedup_limit(sample.run.kind, w, sample.run.tasks, cores) for w in xs]
        ax.plot(xs, limit, label=f"limit of this machine ({cores} usable cores)", **LIMIT_STYLE)

    for i, (label, measurements) in enumerate(series.items()):
        ordered = sorted(measurements, key=lambda m: m.run.workers)
        ax.plot(
            [m.run.workers for m in ordered],
            [m.speedup for m in ordered],
            marker=MARKERS[i % len(MARKERS)],
            color=colour(i),
            label=f"measured: {label}",
        )
    if highlight is not None:
        mark_point(ax, highlight.run.workers, highlight.speedup)
    ax.set_xticks(xs if top <= 16 else xs[:: max(1, top // 8)])
    finish(
        ax,
        xlabel="workers",
        ylabel="speedup over serial (×)",
        title=title or f"Speedup, {sample.run.kind}-bound tasks",
        legend="upper left",
        y_from_zero=True,
    )
    return fig


def plain_log_ticks(axis: Any) -> None:
    """Log-scale ticks at 1, 2, 5, 10, 20… written as plain numbers (20, not 2×10¹)."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(FuncFormatter(lambda value, _pos: f"{value:g}"))
    axis.set_minor_formatter(NullFormatter())


@validated
def mark_point(
    ax: Annotated[Axes, Of(Axes)],
    x: Annotated[float, Number()],
    y: Annotated[float, Number()],
    *,
    label: Text = "this run",
) -> Axes:
    """Ring one point (the run just made) so it stands out from the curve it belongs to."""
    ax.plot(
        [x],
        [y],
        marker="o",
        markersize=marker_size(2.0),
        markerfacecolor="none",
        markeredgecolor="#000000",
        linestyle="none",
        label=label,
    )
    return ax


@validated
def alt_text(figure: Annotated[Figure, Of(Figure)]) -> str:
    """The figure in words, from what it already says: its title, each panel's title and axes.

    The course website puts this on the figure's ``<img>`` (screen readers, the accessibility
    check), so every figure drawn here is described without writing a caption by hand.
    """
    suptitle = figure.get_suptitle() if hasattr(figure, "get_suptitle") else ""
    panels = []
    for ax in figure.axes:
        if not ax.get_visible() or not ax.axison:  # colour bars, hidden spacer axes
            continue
        parts = [ax.get_title() or ax.get_title("left")]
        parts += [
            f"{name} axis: {label}"
            for name, label in (("x", ax.get_xlabel()), ("y", ax.get_ylabel()))
            if label
        ]
        panels.append("; ".join(part for part in parts if part))
    described = [p for p in panels if p]
    if len(described) > 1:
        described = [f"panel {n}: {p}" for n, p in enumerate(described, 1)]
    words = ". ".join([t for t in (suptitle, *described) if t])
    return f"Figure: {words}." if words else f"Figure with {len(figure.axes)} panel(s)."


def show_alt_text() -> None:
    """From now on, IPython shows every figure as a PNG whose output metadata holds its
    :func:`alt_text` (``{"image/png": {"alt": ...}}``); the site build calls this in each kernel.

    A mime-bundle formatter, not a PNG one: matplotlib's inline backend re-registers its own PNG
    formatter when pyplot loads, but it never touches this one, which IPython consults first.
    """
    from IPython import get_ipython
    from IPython.core.pylabtools import print_figure

    def png_with_alt(figure: Figure) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
        png = print_figure(figure, "png", bbox_inches="tight", base64=True)
        return {"image/png": png}, {"image/png": {"alt": alt_text(figure)}}

    shell = get_ipython()
    if shell is not None:  # a plain interpreter has no display system to teach
        shell.display_formatter.mimebundle_formatter.for_type(Figure, png_with_alt)


# Inside IPython (a kernel, JupyterLab, nbval, the site build), every figure carries its alt
# text from the start; a plain interpreter never imports IPython for it.
if "IPython" in sys.modules:
    show_alt_text()
