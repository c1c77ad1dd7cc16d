"""The interleaving lab: run real threads under a deterministic scheduler.

A learner *is* the scheduler (``Scheduler(level)``: a button per thread, one instruction or
one line per step); a checker *proves* a property over every interleaving within a bound, or
gets the shortest counterexample (``prove(...)``). See ``CONTRIBUTING.md`` for the layers:
the lab may use core, draw, teaching and sketches; none of them uses the lab.

Nothing imported here pulls in matplotlib or ipywidgets: the drawing (:mod:`.draw`) and the
widget (:mod:`.widget`) are imported when used.
"""

from __future__ import annotations

from .levels import Goal, Level, reach_deadlock, reach_exception, reach_final
from .primitives import LabError, LabLock, patched_now
from .prove import (
    answer_modules,
    feedback,
    judge_answer,
    locks_from_outside,
    program,
    prove,
    require,
)
from .records import GRANULARITIES, Outcome, Program, ThreadError
from .run import BlockedOn, Replay, Run, Snapshot, Step, ThreadView, replay
from .search import Counterexample, Verdict, explore
from .session import Support, support

__all__ = [
    "GRANULARITIES",
    "BlockedOn",
    "Counterexample",
    "Goal",
    "LabError",
    "LabLock",
    "Level",
    "Outcome",
    "Program",
    "Replay",
    "Run",
    "Snapshot",
    "Step",
    "Support",
    "ThreadError",
    "ThreadView",
    "Verdict",
    "answer_modules",
    "explore",
    "feedback",
    "judge_answer",
    "locks_from_outside",
    "patched_now",
    "program",
    "prove",
    "reach_deadlock",
    "reach_exception",
    "reach_final",
    "replay",
    "require",
    "support",
]
