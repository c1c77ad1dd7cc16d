"""The one record shape drawn on a timeline: a :class:`Span`.

Every picture of "who did what, when" in the course (tasks on a pool, waiters on a condition,
holders of a semaphore, requests of a crawler, items in a pipeline) is a list of spans drawn by
:func:`helpers.draw.timeline.draw_spans`. A span is faded from ``start`` to ``end`` and solid
in its ``running`` intervals: running Python, holding a lock, using a connection.

It lives in the child-safe core because worker processes create spans too (a task records
when it ran); drawing them is the only part that needs matplotlib.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from .domains import AnyInt, Number, Text, validated

Interval = tuple[float, float]


@dataclass(frozen=True)
class Span:
    """One bar. Times are ``time.perf_counter()`` values, system-wide on Linux, macOS and
    Windows, so spans recorded in worker processes line up with the parent's.

    ``index`` picks the colour (a task's number, or a worker's, so each keeps its colour);
    ``row`` names the timeline row the bar goes in (a worker, a stage). ``note`` is a short
    word for a tooltip or a table (``"timed out"``, a page's URL).
    """

    index: int
    start: float
    end: float
    running: tuple[Interval, ...] = ()
    row: str = ""
    note: str = ""

    @property
    def duration(self) -> float:
        return self.end - self.start


Time = Annotated[float, Number()]


@validated
def held(
    index: AnyInt, start: Time, got: Time, end: Time, *, row: Text = "", note: Text = ""
) -> Span:
    """A span that waited from ``start``, then held something (a lock, a permit, a
    connection) from ``got`` to ``end``: faded while it waited, solid while it held."""
    return Span(index, start, end, ((got, end),), row, note)


def rows(spans: list[Span] | tuple[Span, ...]) -> list[tuple[str, list[Span]]]:
    """Group spans by ``row``, rows in the order they first appear."""
    grouped: dict[str, list[Span]] = {}
    for span in spans:
        grouped.setdefault(span.row, []).append(span)
    return list(grouped.items())
