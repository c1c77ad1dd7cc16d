"""Interleaving-lab levels for lesson 03: be the scheduler that loses an update.

* :data:`LOST_UPDATE`: two threads run ``counter.value += 1``; make the final count 1.
  One line, but several instructions: a read, an add, a write. Fixed: ``with counter.lock:``.
* :data:`CHECK_THEN_ACT`: two threads each claim a job with
  ``if "job" not in owners: owners["job"] = me``; make both of them win. Fixed: the check and
  the act under one lock (or one atomic ``dict.setdefault``).

Each level's fixed version is proven over every interleaving (see :mod:`helpers.lab`).
"""

from __future__ import annotations

import functools
import threading
from typing import Any

from ...core.domains import Text, validated
from ...lab.levels import Level, reach_final

# --- Lost update ----------------------------------------------------------------------------


class Counter:
    """The shared state: one number, and the lock the fixed version uses."""

    def __init__(self) -> None:
        self.value = 0
        self.lock = threading.Lock()


def increment(counter: Counter) -> None:
    counter.value += 1  # read, add, write: three steps another thread can come between


def increment_locked(counter: Counter) -> None:
    with counter.lock:
        counter.value += 1  # still three steps, but no other thread's in between


def increment_acquire_release(counter: Counter) -> None:
    counter.lock.acquire()  # what `with` does, written out
    try:
        counter.value += 1
    finally:
        counter.lock.release()


def show_counter(counter: Counter) -> dict[str, Any]:
    return {"value": counter.value, "lock": counter.lock}


LOST_UPDATE = Level(
    key="lost_update",
    title="Lose an update",
    threads={"A": increment, "B": increment},
    setup=Counter,
    show=show_counter,
    check=lambda counter: counter.value == 2,
    goal=reach_final("both threads add 1, yet the final value is 1", lambda c: c.value == 1),
    hint=(
        "Step A until it has *read* the value (LOAD_ATTR value) but not yet written it back "
        "(STORE_ATTR), then let B run all of its line. Who writes last wins."
    ),
    granularity="instruction",
    fixed={"A": increment_locked, "B": increment_locked},
    fix="`with counter.lock:` around the update: the read and the write of one thread can "
    "no longer have the other's in between.",
    also_fixed=(
        ("acquire/release", {"A": increment_acquire_release, "B": increment_acquire_release}, None),
    ),
)

# --- Check, then act ------------------------------------------------------------------------


class Jobs:
    """The shared state: who owns which job, and who believes they won it."""

    def __init__(self) -> None:
        self.owners: dict[str, str] = {}
        self.winners: list[str] = []
        self.lock = threading.Lock()


@validated
def claim(jobs: Jobs, me: Text) -> None:
    if "job" not in jobs.owners:  # check ...
        jobs.owners["job"] = me  # ... then act: another thread may have acted in between
        jobs.winners.append(me)


@validated
def claim_locked(jobs: Jobs, me: Text) -> None:
    with jobs.lock:
        if "job" not in jobs.owners:
            jobs.owners["job"] = me
            jobs.winners.append(me)


@validated
def claim_atomic(jobs: Jobs, me: Text) -> None:
    if jobs.owners.setdefault("job", me) == me:  # one call: check and insert at once
        jobs.winners.append(me)


def show_jobs(jobs: Jobs) -> dict[str, Any]:
    return {"owners": jobs.owners, "winners": jobs.winners}


def _pair(fn: Any) -> dict[str, Any]:
    return {"A": functools.partial(fn, me="A"), "B": functools.partial(fn, me="B")}


CHECK_THEN_ACT = Level(
    key="check_then_act",
    title="Both threads win",
    threads=_pair(claim),
    setup=Jobs,
    show=show_jobs,
    check=lambda jobs: len(jobs.winners) == 1 and jobs.owners["job"] == jobs.winners[0],
    goal=reach_final(
        "both threads believe they won the job (and one insert is lost)",
        lambda jobs: len(jobs.winners) == 2,
    ),
    hint=(
        'Let A pass its check (`"job" not in owners` is true), then switch to B before A '
        "inserts: B's check is still true too."
    ),
    granularity="line",
    fixed=_pair(claim_locked),
    fix="Check and act under one lock (or let one atomic call do both: "
    '`owners.setdefault("job", me) == me`).',
    also_fixed=(("setdefault", _pair(claim_atomic), None),),
)

LEVELS = (LOST_UPDATE, CHECK_THEN_ACT)
