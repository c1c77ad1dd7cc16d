"""The spans the figure tests draw: six tasks on two rows, overlapping like a lesson's run."""

from __future__ import annotations

from helpers.core.spans import Span


def two_rows_of_spans(row: str) -> list[Span]:
    """Six 30 ms spans, 20 ms apart, on rows ``f"{row} 1"`` and ``f"{row} 2"``; each runs for
    its first 10 ms."""
    return [
        Span(
            index=i,
            start=i * 0.02,
            end=i * 0.02 + 0.03,
            running=((i * 0.02, i * 0.02 + 0.01),),
            row=f"{row} {i % 2 + 1}",
        )
        for i in range(6)
    ]
