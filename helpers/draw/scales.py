"""Log scales that read as plain numbers: the course's sweeps over sizes, counts and times.

A log axis in matplotlib is ticked 10⁰, 10¹, …; the course's plots want 1, 2, 5, 10, 20, … so a
learner reads the values off directly. Setting the scale and its ticks together keeps every
log axis of the course alike.
"""

from __future__ import annotations

from typing import Annotated

from matplotlib.axes import Axes

from ..core.domains import Bool, Of, validated
from .plots import plain_log_ticks


@validated
def plain_log_scale(ax: Annotated[Axes, Of(Axes)], *, x: Bool = False, y: Bool = False) -> Axes:
    """Put the ``x`` and/or ``y`` axis of ``ax`` on a log scale with plain-number ticks."""
    if x:
        ax.set_xscale("log")
        plain_log_ticks(ax.xaxis)
    if y:
        ax.set_yscale("log")
        plain_log_ticks(ax.yaxis)
    return ax
