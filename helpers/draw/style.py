"""Figure style in one place: normal (a laptop screen) or projector (the back of a room).

Projector mode makes every course figure and explorer readable on a projector: larger fonts,
thicker lines and markers, and figures that fit a 1280×720 slide. It is one switch:

- ``LAB_PROJECTOR=1`` in the environment before the kernel starts (``make lab`` passes it on),
- or :func:`set_projector` at the top of a notebook (the toggle every lesson offers).

Figure code never sets absolute font sizes: it uses matplotlib's relative sizes (``"small"``,
``"medium"``), which follow ``font.size`` here, and :func:`figure_size` for its dimensions.
"""

from __future__ import annotations

import os
from typing import Annotated

import matplotlib as mpl

from ..core.domains import Bool, Number, validated

PROJECTOR_ENV = "LAB_PROJECTOR"

#: A slide is 1280×720 pixels; at the 100 dpi figures are drawn with, 12.8×7.2 inches.
SLIDE_INCHES = (12.8, 7.2)

_NORMAL = {
    "font.size": 10.0,
    "lines.linewidth": 1.5,
    "lines.markersize": 6.0,
    "axes.linewidth": 0.8,
    "figure.dpi": 100.0,
}
_PROJECTOR = {
    "font.size": 16.0,
    "lines.linewidth": 3.0,
    "lines.markersize": 10.0,
    "axes.linewidth": 1.5,
    "figure.dpi": 100.0,
}
_state = {"projector": False}


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


@validated
def figure_size(width: Inches, height: Inches) -> tuple[float, float]:
    """The size to draw a ``width`` × ``height`` inch figure at, in the current mode.

    In projector mode fonts are 1.6 times larger, so figures grow with them, but never beyond
    a 1280×720 slide: the figure is scaled down as a whole to fit, keeping its proportions.
    """
    if not projector():
        return width, height
    scale = min(1.6, SLIDE_INCHES[0] / width, SLIDE_INCHES[1] / height)
    return width * scale, height * scale


set_projector(os.environ.get(PROJECTOR_ENV, "").strip() not in ("", "0"))
