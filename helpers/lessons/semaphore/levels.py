"""Interleaving-lab levels for lesson 06: be the scheduler that loses a permit.

:data:`LOST_PERMIT`: two threads share the syllabus's ``BrokenSemaphore(1)``, each taking a
permit and giving it back. Make the semaphore end with fewer permits than it started with:
``release()`` hands the permit to a waiter without counting it, and the waiter still takes one
off the counter. Fixed: ``threading.Semaphore`` and the course's teaching ``Semaphore``, proven
over every interleaving.
"""

from __future__ import annotations

import threading
from typing import Any

from ...lab.levels import Level, reach_final
from ...sketches.semaphore import BrokenSemaphore
from ...teaching.semaphore import Semaphore as TeachingSemaphore

PERMITS = 1


class Parking:
    """One semaphore guarding ``PERMITS`` places; ``inside`` counts the threads holding one."""

    def __init__(self, make_semaphore: Any = BrokenSemaphore) -> None:
        self.sem = make_semaphore(PERMITS)
        self.inside = 0
        self.most_inside = 0


def park(parking: Parking) -> None:
    if parking.sem.acquire():
        parking.inside += 1
        parking.most_inside = max(parking.most_inside, parking.inside)
        parking.inside -= 1
        parking.sem.release()


def permits(parking: Parking) -> int:
    return parking.sem._value  # every one of the three classes keeps its counter here


def show_parking(parking: Parking) -> dict[str, Any]:
    return {"permits": permits(parking), "inside": parking.inside}


LOST_PERMIT = Level(
    key="lost_permit",
    title="Lose a permit",
    threads={"A": park, "B": park},
    setup=Parking,
    show=show_parking,
    check=lambda parking: permits(parking) == PERMITS and parking.most_inside <= PERMITS,
    invariant=lambda parking: parking.inside <= PERMITS,
    goal=reach_final(
        f"the semaphore ends with fewer than its {PERMITS} permit", lambda p: permits(p) < PERMITS
    ),
    hint=(
        "Let A take the permit, then let B try: it has to wait. Now let A give the permit back "
        "while B waits, and watch the counter when B goes on."
    ),
    granularity="line",
    step=("helpers.sketches.semaphore",),
    fixed_setup=lambda: Parking(threading.Semaphore),
    fixed_step=(),
    fix="A woken waiter re-checks the counter under the lock, and only release() changes it "
    "(`threading.Semaphore`, or the teaching Semaphore).",
    also_fixed=(("teaching", None, lambda: Parking(TeachingSemaphore)),),
)

LEVELS = (LOST_PERMIT,)
