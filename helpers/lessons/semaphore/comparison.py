"""One set of facts checked on several Semaphore classes: notebook 06's comparison table.

Each fact is a small bounded experiment that takes a Semaphore class and returns True or False;
:func:`compare_semaphores` runs them all on ``threading.Semaphore``, the teaching class and the
syllabus's sketch, and shows ✔/✘ in one :class:`~helpers.core.facts.FactTable`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...core.domains import validated
from ...core.facts import Classes, FactTable, fact_table
from .classes import MakeSemaphore
from .failures import article_semaphore_example, lost_permit_deadlock


def _with_takes_and_gives_back(make: MakeSemaphore) -> bool:
    sem = make(1)
    with sem:
        inside = sem.acquire(False)
    after = sem.acquire(False)
    return inside is False and after is True


def _non_blocking_returns_false(make: MakeSemaphore) -> bool:
    sem = make(1)
    return sem.acquire(False) is True and sem.acquire(False) is False


def _timeout_returns_false(make: MakeSemaphore) -> bool:
    return make(0).acquire(timeout=0.01) is False


def _release_n(make: MakeSemaphore) -> bool:
    sem = make(2)
    sem.acquire()
    sem.acquire()
    sem.release(2)
    return sem.acquire(False) and sem.acquire(False) and not sem.acquire(False)


def _negative_start_refused(make: MakeSemaphore) -> bool:
    try:
        make(-1)
    except ValueError:
        return True
    return False


SEMAPHORE_FACTS: tuple[tuple[str, Callable[[Any], bool]], ...] = (
    ("`with sem:` takes a permit and gives it back", _with_takes_and_gives_back),
    ("acquire(blocking=False) returns False when none is free", _non_blocking_returns_false),
    ("acquire(timeout=…) returns False when the time runs out", _timeout_returns_false),
    ("release(n) gives back n permits at once", _release_n),
    ("a negative start value raises ValueError", _negative_start_refused),
    (
        "the 5-thread example ends with all 3 permits",
        lambda make: article_semaphore_example(make).final_value == 3,
    ),
    (
        "after a hand-over, a newcomer gets the free permit",
        lambda make: lost_permit_deadlock(make, patience=0.2).acquire_succeeded,
    ),
)


@validated
def compare_semaphores(classes: Classes) -> FactTable:
    """Check :data:`SEMAPHORE_FACTS` on each Semaphore class."""
    return fact_table(SEMAPHORE_FACTS, classes)
