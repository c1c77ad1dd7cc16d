"""Counting a measurement's steps for its ``progress(done, total)`` callback.

A measurement that runs several phases (warm-up, then one run per size, ...) reports each
finished phase to the explorer's progress bar; this keeps the count in one place instead of a
``nonlocal`` counter in every measurement.
"""

from __future__ import annotations

from collections.abc import Callable

from .domains import Count, Progress, validated


@validated
def step_counter(progress: Progress, total: Count) -> Callable[[], None]:
    """A function that counts one more finished step and reports it as ``progress(done, total)``
    (and does nothing but count when ``progress`` is None)."""
    done = 0

    def advance() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total)

    return advance
