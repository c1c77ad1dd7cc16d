"""One set of facts checked on several Condition classes: notebook 05's comparison table.

Each fact is a small bounded experiment that takes a Condition class and returns True or False;
:func:`compare_conditions` runs them all on ``threading.Condition``, the teaching class and the
simplified sketch, and shows ✔/✘ in one :class:`~helpers.core.facts.FactTable`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from ...core.domains import validated
from ...core.facts import Classes, FactTable, fact_table
from .classes import MakeCondition
from .failures import lost_wakeup, wait_holding_rlock_twice
from .notify import fifo_wake_order


def _supports_with(make: MakeCondition) -> bool:
    cond = make()
    try:
        with cond:
            return True
    except (TypeError, AttributeError):  # "does not support the context manager protocol"
        return False


def _wait_returns_false_on_timeout(make: MakeCondition) -> bool:
    cond = make()
    cond.acquire()
    try:
        return cond.wait(0.01) is False
    finally:
        cond.release()


def _notify_needs_the_lock(make: MakeCondition) -> bool:
    try:
        make().notify()
    except RuntimeError:
        return True
    return False


def _returns_true_when_notified(make: MakeCondition) -> bool:
    return lost_wakeup(make).wait_result is True


def _timed_out_waiter_cannot_swallow_notify(make: MakeCondition) -> bool:
    return lost_wakeup(make).first_notify_woke_waiter


def _releases_rlock_fully(make: MakeCondition) -> bool:
    # A correct class lets the notifier in at once; only a broken one uses up the patience.
    return wait_holding_rlock_twice(make, patience=1.0).notifier_got_lock


def _wait_for_returns_the_predicate(make: MakeCondition) -> bool:
    cond = make(threading.Lock())
    cond.acquire()
    try:
        return cond.wait_for(lambda: 42) == 42 and cond.wait_for(lambda: 0, 0.01) == 0
    finally:
        cond.release()


CONDITION_FACTS: tuple[tuple[str, Callable[[Any], bool]], ...] = (
    ("`with cond:` takes and releases the lock", _supports_with),
    ("wait(timeout) returns False when the time runs out", _wait_returns_false_on_timeout),
    ("wait() returns True when notified", _returns_true_when_notified),
    ("notify() without the lock raises RuntimeError", _notify_needs_the_lock),
    ("wait() fully releases an RLock held twice", _releases_rlock_fully),
    ("a timed-out waiter cannot swallow a later notify()", _timed_out_waiter_cannot_swallow_notify),
    ("notify() wakes waiters first come, first served", lambda m: fifo_wake_order(m) == [0, 1, 2]),
    ("wait_for(predicate, timeout) returns the predicate's value", _wait_for_returns_the_predicate),
)


@validated
def compare_conditions(classes: Classes) -> FactTable:
    """Check :data:`CONDITION_FACTS` on each Condition class (a broken one takes ~1.5 s)."""
    return fact_table(CONDITION_FACTS, classes)
