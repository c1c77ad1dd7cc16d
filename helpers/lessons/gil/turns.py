"""Who held the interpreter when: the turns threads take under the GIL, read off a run.

Each CPU-bound task records the intervals in which it was really running (see
:func:`helpers.core.workloads.cpu_with_running_intervals`). Put in time order across all the
workers of a run, those intervals become *turns*: stretches in which one worker ran Python
without a pause. Each time the turn passes to another worker, the GIL changed hands.

No drawing here: :mod:`.figures` draws a run, :mod:`.scaling` and :mod:`.switch` measure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Annotated

from ...core.domains import Int
from ...core.timing import RunResult

#: The most threads a turn-taking demo starts: more rows than that cannot be told apart.
MAX_TURN_THREADS = 8
Threads = Annotated[int, Int(1, MAX_TURN_THREADS)]


@dataclass(frozen=True)
class Turn:
    """A stretch of time in which one worker ran Python without a pause (it held the GIL)."""

    worker: int  # 0 for the first worker to start a task, 1 for the next, ...
    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start


def worker_numbers(result: RunResult) -> dict[tuple[int, int], int]:
    """Each worker's number (0, 1, ...), in the order the workers first started a task."""
    return {key: n for n, key in enumerate(result.worker_labels())}


def turns_of(result: RunResult) -> list[Turn]:
    """All running intervals of a run, in time order, merged per worker into turns.

    Two consecutive intervals of the same worker (for example the end of one task and the start
    of its next) form one turn: nobody else ran in between.
    """
    numbers = worker_numbers(result)
    pieces = sorted(
        (start, end, numbers[record.worker_key])
        for record in result.records
        for start, end in record.running
    )
    turns: list[Turn] = []
    for start, end, worker in pieces:
        if turns and turns[-1].worker == worker:
            turns[-1] = Turn(worker, turns[-1].start, max(end, turns[-1].end))
        else:
            turns.append(Turn(worker, start, end))
    return turns


def handoffs(turns: Sequence[Turn]) -> int:
    """How many times the interpreter passed from one worker to another."""
    return sum(1 for a, b in pairwise(turns) if a.worker != b.worker)


@dataclass(frozen=True)
class ThreadsRun:
    """One batch of equal tasks on a thread pool, one task per thread."""

    run: RunResult
    turns: tuple[Turn, ...]

    @property
    def handoffs(self) -> int:
        return handoffs(self.turns)

    def pauses(self) -> list[int]:
        """For each task, how many times it was paused while it ran (running pieces - 1)."""
        return [max(len(r.running) - 1, 0) for r in self.run.records]
