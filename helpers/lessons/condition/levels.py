"""Interleaving-lab levels for lesson 05: be the scheduler that breaks a condition variable.

* :data:`IF_NOT_WAIT`: a common consumer checks ``if not buffer:`` once, waits, then
  pops. With two consumers, make one of them pop from an empty list (``IndexError``). Fixed:
  ``while not buffer: cond.wait()`` (or ``cond.wait_for(lambda: buffer)``).
* :data:`LOST_WAKEUP`: the simplified sketch ``BrokenCondition`` leaves a waiter that timed
  out in its queue; make it swallow a later ``notify()`` so a thread that really waits is
  never woken. Fixed: ``threading.Condition`` and the teaching ``Condition``.
* :data:`NOTIFY_FIRST`: a waiter that calls ``wait()`` without looking at the state first.
  Let the notifier set the flag and notify before the waiter waits: a condition has no memory,
  so the waiter sleeps until its timeout. Fixed: ``cond.wait_for(lambda: flag.ready)``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from ...lab.levels import Level, ThreadsLike, reach_exception, reach_final
from ...sketches.condition import BrokenCondition
from ...teaching.condition import Condition as TeachingCondition


def _condition_level(
    state: Callable[..., Any],
    *,
    also_fixed: tuple[tuple[str, ThreadsLike | None, Callable[[], Any] | None], ...] = (),
    **declared: Any,
) -> Level:
    """A level of this lesson: ``state(make_condition)`` builds its shared state, it is played
    line by line, and its fix is proven on the course's teaching Condition too.

    One preemption: IF_NOT_WAIT needs one (C2 comes in before C1 gets the lock back), the
    other two none (W's own waits make the switches); more would only slow the search.
    """
    teaching = ("teaching Condition", None, lambda: state(TeachingCondition))
    return Level(
        setup=state,
        granularity="line",
        preemptions=1,
        also_fixed=(*also_fixed, teaching),
        **declared,
    )


# --- If, not while --------------------------------------------------------------------------


class Buffer:
    """A list of items and the condition consumers wait on; producers add two items."""

    def __init__(self, make_condition: Any = threading.Condition) -> None:
        self.items: list[str] = []
        self.cond = make_condition()
        self.got: list[str] = []


def consume_with_if(buffer: Buffer) -> None:
    with buffer.cond:
        if not buffer.items:  # checked once ...
            buffer.cond.wait()
        buffer.got.append(buffer.items.pop())  # ... but another consumer may have emptied it


def consume_with_while(buffer: Buffer) -> None:
    with buffer.cond:
        while not buffer.items:  # checked again after every wakeup
            buffer.cond.wait()
        buffer.got.append(buffer.items.pop())


def consume_with_wait_for(buffer: Buffer) -> None:
    with buffer.cond:
        buffer.cond.wait_for(lambda: buffer.items)
        buffer.got.append(buffer.items.pop())


def produce_two(buffer: Buffer) -> None:
    with buffer.cond:
        buffer.items.append("item 1")
        buffer.cond.notify()
    with buffer.cond:
        buffer.items.append("item 2")
        buffer.cond.notify()


def show_buffer(buffer: Buffer) -> dict[str, Any]:
    return {"items": buffer.items, "got": buffer.got}


IF_NOT_WAIT = _condition_level(
    Buffer,
    key="if_not_wait",
    title="Pop from an empty list",
    threads={"C1": consume_with_if, "C2": consume_with_if, "P": produce_two},
    show=show_buffer,
    check=lambda buffer: sorted(buffer.got) == ["item 1", "item 2"],
    goal=reach_exception("a consumer pops from an empty list (IndexError)", "IndexError"),
    hint=(
        "Let C1 wait on the empty buffer. Let P add an item and notify. Before C1 gets the "
        "lock back, let C2 come in: its `if` sees an item."
    ),
    fixed={"C1": consume_with_while, "C2": consume_with_while, "P": produce_two},
    fix="Re-check after every wakeup: `while not buffer.items: cond.wait()`, or "
    "`cond.wait_for(lambda: buffer.items)`.",
    also_fixed=(
        (
            "wait_for",
            {"C1": consume_with_wait_for, "C2": consume_with_wait_for, "P": produce_two},
            None,
        ),
    ),
)

# --- A lost wakeup --------------------------------------------------------------------------

SHORT_WAIT = 0.01  # the first wait: nobody notifies, it times out
LONG_WAIT = 0.2  # the second wait: a notify must end it before this


class Signal:
    """A condition, the flag it guards, and the times that tell a lost wakeup."""

    def __init__(self, make_condition: Any = BrokenCondition) -> None:
        self.cond = make_condition()
        self.ready = False
        self.deadline: float | None = None  # set when W starts its second wait
        self.notified_at: float | None = None
        self.woke_at: float | None = None


def waiter(signal: Signal) -> None:
    signal.cond.acquire()
    signal.cond.wait(SHORT_WAIT)  # times out, unless N's notify comes first
    signal.cond.release()
    signal.cond.acquire()
    if not signal.ready:  # not yet: wait for N's notify
        signal.deadline = time.monotonic() + LONG_WAIT
        signal.cond.wait(LONG_WAIT)
        signal.woke_at = time.monotonic()
    signal.cond.release()


def notifier(signal: Signal) -> None:
    signal.cond.acquire()
    signal.ready = True
    signal.cond.notify()
    signal.notified_at = time.monotonic()
    signal.cond.release()


def lost(signal: Signal) -> bool:
    """W waited (N's notify came after W's check, under the lock), N notified before W's
    deadline, and yet W slept until the deadline: the notify was lost.

    A notify *after* the deadline may find W timed out but not yet back: a late notify, not a
    lost one. The lab's clock is virtual (it moves only when a wait times out), so "before
    the deadline" is exact; on real threads it is a real clock.
    """
    return (
        signal.deadline is not None
        and signal.notified_at is not None
        and signal.woke_at is not None
        and signal.notified_at < signal.deadline <= signal.woke_at
    )


def show_signal(signal: Signal) -> dict[str, Any]:
    queued = len(getattr(signal.cond, "_waiters", ()))
    return {"ready": signal.ready, "queued waiters": queued, "deadline": signal.deadline}


LOST_WAKEUP = _condition_level(
    Signal,
    key="lost_wakeup",
    title="Lose a wakeup",
    threads={"W": waiter, "N": notifier},
    show=show_signal,
    check=lambda signal: not lost(signal),
    goal=reach_final(
        "W waits for a notify that N sends, and is never woken: its wait times out", lost
    ),
    hint=(
        "Let W's first wait time out (step W while it waits: its step is the timeout). Then "
        "let W wait again, and only then let N notify. Whose lock does notify() release?"
    ),
    step=("helpers.sketches.condition",),
    fixed_setup=lambda: Signal(threading.Condition),
    fixed_step=(),
    fix="A waiter that times out takes itself off the queue before wait() returns, so a later "
    "notify() goes to a thread that really waits (`threading.Condition`, the teaching "
    "Condition).",
)

# --- Notify before anyone waits -----------------------------------------------------------


class Flag:
    """A flag, its condition, and what the waiter saw."""

    def __init__(self, make_condition: Any = threading.Condition) -> None:
        self.cond = make_condition()
        self.ready = False
        self.notified = False  # N has notified
        self.notified_first: bool | None = None  # N had notified when W took the lock
        self.woken: object = None  # what W's wait returned


def wait_blindly(flag: Flag) -> None:
    with flag.cond:
        flag.notified_first = flag.notified
        flag.woken = flag.cond.wait(LONG_WAIT)  # waits for a notify, whatever the flag says


def wait_for_flag(flag: Flag) -> None:
    with flag.cond:
        flag.notified_first = flag.notified
        flag.woken = flag.cond.wait_for(lambda: flag.ready, LONG_WAIT)  # the state decides


def set_and_notify(flag: Flag) -> None:
    with flag.cond:
        flag.ready = True
        flag.cond.notify()
        flag.notified = True


def slept_through(flag: Flag) -> bool:
    """The flag was set and notified before W waited, and W still slept until its timeout."""
    return bool(flag.notified_first) and flag.woken is False


def show_flag(flag: Flag) -> dict[str, Any]:
    return {"ready": flag.ready, "notified": flag.notified, "W's wait returned": flag.woken}


NOTIFY_FIRST = _condition_level(
    Flag,
    key="notify_first",
    title="Notify before anyone waits",
    threads={"W": wait_blindly, "N": set_and_notify},
    show=show_flag,
    check=lambda flag: not slept_through(flag),
    goal=reach_final(
        "N sets the flag and notifies first; W then waits, and sleeps until its timeout",
        slept_through,
    ),
    hint="Run N to the end before W takes a single step. Who is waiting when N notifies?",
    fixed={"W": wait_for_flag, "N": set_and_notify},
    fix="Look at the state before waiting: `cond.wait_for(lambda: flag.ready, timeout)` "
    "returns at once when the flag is already set.",
)


LEVELS = (IF_NOT_WAIT, LOST_WAKEUP, NOTIFY_FIRST)
