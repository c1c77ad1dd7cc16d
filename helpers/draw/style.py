"""Figure style in one place: normal (a laptop screen) or projector (the back of a room).

Projector mode makes every course figure and explorer readable on a projector: larger fonts,
thicker lines and markers, and figures that fit a 1280×720 slide. It is one switch:

- ``LAB_PROJECTOR=1`` in the environment before the kernel starts (``make lab PROJECTOR=1``),
- or :func:`projector_toggle` at the top of a notebook (the toggle every lesson offers), or
  :func:`set_projector` in code.

Figure code never sets absolute sizes, so that one switch reaches every figure:

- text: matplotlib's relative sizes (``fontsize="small"``, ``"medium"``, ``"large"``), which
  scale with ``font.size`` here; titles, legends and suptitles already default to the sizes
  the course uses, so ``ax.set_title(t)`` and ``ax.legend()`` need no size at all;
- lines and markers: :func:`line_width` and :func:`marker_size`, multiples of the current
  default (``linewidth=line_width(0.5)``: half as thick as a plotted line);
- figures: :func:`figure_size` (``plots.new_figure`` uses it) for their dimensions.
"""

from __future__ import annotations

import os
import textwrap
from typing import TYPE_CHECKING, Annotated, Any

import matplotlib as mpl
from matplotlib.axes import Axes

from ..core.domains import Bool, Number, Of, validated

if TYPE_CHECKING:  # ipywidgets is imported by the toggle only, when a notebook asks for it
    import ipywidgets

PROJECTOR_ENV = "LAB_PROJECTOR"

#: A slide is 1280×720 pixels; at the 100 dpi figures are drawn with, 12.8×7.2 inches.
SLIDE_INCHES = (12.8, 7.2)

# Sizes by role, relative to font.size, so the mode's font.size moves every text together:
# titles as large as the body text (panels are small), legends a step below, suptitles above.
_RELATIVE = {
    "axes.titlesize": "medium",
    "axes.labelsize": "medium",
    "xtick.labelsize": "medium",
    "ytick.labelsize": "medium",
    "legend.fontsize": "small",
    "legend.title_fontsize": "small",
    "figure.titlesize": "large",
}
_NORMAL = {
    **_RELATIVE,
    "font.size": 10.0,
    "lines.linewidth": 1.5,
    "lines.markersize": 6.0,
    "lines.markeredgewidth": 1.0,
    "axes.linewidth": 0.8,
    "grid.linewidth": 0.8,
    "patch.linewidth": 1.0,
    "hatch.linewidth": 1.0,
    "xtick.major.width": 0.8,
    "ytick.major.width": 0.8,
    "xtick.major.size": 3.5,
    "ytick.major.size": 3.5,
    "figure.dpi": 100.0,
}
#: Everything 1.6 to 2 times larger: 16 pt text on a 1280×720 slide is about the body text of
#: a presentation, readable from 10 m on a 3 m screen; lines double so colours stay visible.
_PROJECTOR = {
    **_RELATIVE,
    "font.size": 16.0,
    "lines.linewidth": 3.0,
    "lines.markersize": 10.0,
    "lines.markeredgewidth": 1.6,
    "axes.linewidth": 1.5,
    "grid.linewidth": 1.3,
    "patch.linewidth": 1.6,
    "hatch.linewidth": 1.6,
    "xtick.major.width": 1.5,
    "ytick.major.width": 1.5,
    "xtick.major.size": 6.0,
    "ytick.major.size": 6.0,
    "figure.dpi": 100.0,
}
_state = {"projector": False}

#: What an explorer's controls look like in projector mode: JupyterLab's widget sizes are CSS
#: variables, so one rule on the explorer's box grows its labels, sliders and buttons (and
#: nothing outside it). Widths are forced because the controls set theirs inline.
EXPLORER_CSS = """
<style>
.lab-explorer.lab-projector {
  --jp-widgets-font-size: 20px;
  --jp-widgets-inline-height: 40px;
  --jp-widgets-slider-handle-size: 24px;
  --jp-widgets-slider-track-thickness: 8px;
  font-size: 20px;
}
.lab-explorer.lab-projector .widget-inline-hbox { width: 640px !important; }
.lab-explorer.lab-projector .widget-label { width: 220px !important; font-size: 20px; }
.lab-explorer.lab-projector .widget-button { height: 40px; font-size: 20px; }
</style>
"""


@validated
def set_projector(on: Bool) -> bool:
    """Switch projector mode on or off for every figure drawn from now on; returns ``on``."""
    mpl.rcParams.update(_PROJECTOR if on else _NORMAL)
    _state["projector"] = on
    return on


def projector() -> bool:
    """Whether projector mode is on."""
    return _state["projector"]


Inches = Annotated[float, Number(0, 100, above=True, unit="inches")]
Scale = Annotated[float, Number(0, 20, above=True)]


@validated
def figure_size(width: Inches, height: Inches) -> tuple[float, float]:
    """The size to draw a ``width`` × ``height`` inch figure at, in the current mode.

    In projector mode fonts are 1.6 times larger, so figures grow with them, but never beyond
    a 1280×720 slide. Each side grows on its own: a two-panel figure is already as wide as a
    slide, and scaling it as a whole would leave 1.6 times the text in the same height, with
    the axes squeezed to a strip; growing its height keeps room for the text.
    """
    if not projector():
        return width, height
    return min(1.6 * width, SLIDE_INCHES[0]), min(1.6 * height, SLIDE_INCHES[1])


@validated
def line_width(scale: Scale = 1.0) -> float:
    """``scale`` times the width of a plotted line in the current mode (points)."""
    return scale * float(mpl.rcParams["lines.linewidth"])


@validated
def marker_size(scale: Scale = 1.0) -> float:
    """``scale`` times the size of a plotted marker in the current mode (points)."""
    return scale * float(mpl.rcParams["lines.markersize"])


@validated
def fit_title(ax: Annotated[Axes, Of(Axes)]) -> None:
    """In projector mode, wrap the axes' title onto as many lines as it needs to stay within
    the axes: at 1.6 times the size, a panel's one-line title would run into its neighbour's.
    Normal mode keeps titles as written."""
    title = ax.title
    if not projector() or not title.get_text():
        return
    # A renderer of our own to measure with: the figure is closed for pyplot (no canvas to ask).
    from matplotlib.backends.backend_agg import RendererAgg

    fig = ax.figure
    width_in, height_in = fig.get_size_inches()
    renderer = RendererAgg(int(width_in * fig.dpi), int(height_in * fig.dpi), fig.dpi)
    room, width = ax.get_window_extent(renderer).width, title.get_window_extent(renderer).width
    if width <= room:
        return
    lines = title.get_text().split("\n")
    per_line = max(12, int(max(map(len, lines)) * room / width))
    title.set_text("\n".join(textwrap.fill(line, per_line) for line in lines))


def _toggle_note(on: bool) -> str:
    if on:
        return (
            "<b>Projector mode is on</b>: large fonts and thick lines in every figure drawn "
            "from now on. Run a cell again to redraw its figure."
        )
    return "Projector mode is off: figures are drawn for a laptop screen."


def projector_toggle() -> ipywidgets.HBox:
    """A toggle for the top of a notebook: it switches projector mode and says what it did.

    It shows the mode the kernel is in (``LAB_PROJECTOR=1`` starts it on) and changes nothing
    until it is clicked, so running the notebook top to bottom keeps the mode as it was.
    """
    import ipywidgets as widgets

    button = widgets.ToggleButton(
        value=projector(),
        description="Projector mode",
        icon="desktop",
        tooltip="Large fonts and thick lines for a projector (LAB_PROJECTOR=1 at start-up)",
    )
    note = widgets.HTML(_toggle_note(projector()))

    def flip(change: dict[str, Any]) -> None:
        note.value = _toggle_note(set_projector(bool(change["new"])))

    button.observe(flip, names="value")
    box = widgets.HBox([button, note])
    box.add_class("lab-projector-toggle")  # a stable hook for the browser test
    return box


set_projector(os.environ.get(PROJECTOR_ENV, "").strip() not in ("", "0"))
