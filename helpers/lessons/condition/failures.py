"""The simplified Condition sketch failing, shown safely: a lost wakeup, an RLock held twice.

Each scenario runs on any condition class, broken or correct, has a time limit and joins every
thread it starts, so a notebook can run the same steps on ``BrokenCondition``, the teaching
class and ``threading.Condition`` side by side.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Annotated

from ...core.domains import Seconds, validated
from ...core.lifecycle import start_thread, stop, take, waiting_count
from ...sketches import SAFETY_CAP_S
from .classes import MakeCondition

#: A short wait of a demo: more than 0, at most the sketches' cap.
Patience = Annotated[float, Seconds(SAFETY_CAP_S)]


@dataclass(frozen=True)
class LostWakeup:
    """Outcome of :func:`lost_wakeup`."""

    queued_after_notify: int  # threads still queued right after one notify() for one waiter
    first_notify_woke_waiter: bool
    wait_result: object  # what the woken waiter's wait() returned


@validated
def lost_wakeup(make_condition: MakeCondition, short_wait: Patience = 0.02) -> LostWakeup:
    """A waiter times out; then another waits and gets exactly one ``notify()``.

    A correct condition removes the timed-out waiter, so the notify wakes the real one.
    The sketch keeps the stale waiter at the head of its list: the notify goes there and the
    real waiter sleeps on. (We then notify a second time so the demo ends at once.)
    """
    cond = make_condition()
    cond.acquire()
    cond.wait(short_wait)  # times out: nobody notifies
    cond.release()

    ready = threading.Event()
    outcome: dict[str, object] = {}

    def waiter() -> None:
        cond.acquire()
        ready.set()
        outcome["result"] = cond.wait(SAFETY_CAP_S)
        cond.release()

    thread = start_thread(waiter, "lost-wakeup-waiter")
    ready.wait(SAFETY_CAP_S)
    take(cond)  # succeeds only once the waiter is inside wait(), queued
    cond.notify()
    queued = waiting_count(cond)
    woke = queued == 0
    if not woke:
        cond.notify()  # the wakeup was lost; send another so the waiter can finish
    cond.release()
    stop([thread], SAFETY_CAP_S).check("threads")
    return LostWakeup(queued, woke, outcome.get("result"))


@dataclass(frozen=True)
class RLockWait:
    """Outcome of :func:`wait_holding_rlock_twice`."""

    notifier_got_lock: bool
    waiter_notified: bool  # the waiter left wait() because of the notify, not a timeout
    levels_after_wait: int  # how many times the waiter could release the RLock afterwards


@validated
def wait_holding_rlock_twice(make_condition: MakeCondition, patience: Patience = 1.0) -> RLockWait:
    """A thread takes the condition's ``RLock`` twice, then waits. Can anyone notify it?

    ``wait()`` must release the lock completely, or the notifier can never get in.
    The notifier tries for ``patience`` seconds; the waiter gives up a little later.
    """
    cond = make_condition()  # default lock: an RLock
    ready = threading.Event()
    notified: list[bool] = []
    levels: list[int] = []

    def waiter() -> None:
        cond.acquire()
        cond.acquire()  # e.g. a method that holds the lock calls another that takes it too
        ready.set()
        notified.append(cond.wait(patience + 0.2) is True)  # the sketch returns None
        count = 0
        while count < 5:
            try:
                cond.release()
            except RuntimeError:  # released more times than it was held
                break
            count += 1
        levels.append(count)

    thread = start_thread(waiter, "rlock-waiter")
    ready.wait(SAFETY_CAP_S)
    got = cond.acquire(True, patience)
    if got:
        cond.notify()
        cond.release()
    stop([thread], patience + SAFETY_CAP_S).check("threads")
    return RLockWait(got, notified == [True], levels[0] if levels else 0)
