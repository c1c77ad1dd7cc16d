"""Who wakes, and when: waiters queued on one condition, woken by ``notify`` calls (notebook 05).

* :func:`fifo_wake_order` — one ``notify()`` at a time: the order the waiters wake in;
* :func:`run_notify_rounds` — ``notify()``, ``notify(n)`` or ``notify_all()``, one call per
  round, with a :class:`~helpers.core.spans.Span` per waiter (drawn by
  :func:`helpers.lessons.condition.figures.notify_timeline`).

Every wait here is bounded and every thread started is stopped.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

from ...core.domains import Choice, Int, Millis, Progress, validated
from ...core.lifecycle import start_thread, stop, take, wait_until
from ...core.spans import Span, held
from .classes import Implementation, MakeCondition, condition_class

#: How the notifier wakes the waiters in :func:`run_notify_rounds`.
NOTIFY_MODES: dict[str, str] = {
    "notify": "notify(): one waiter per call",
    "notify_n": "notify(n): n waiters per call",
    "notify_all": "notify_all(): every waiter at once",
}

#: How many threads wait on the condition (or are woken by one ``notify(n)`` call).
Waiters = Annotated[int, Int(1, 32)]
#: One of :data:`NOTIFY_MODES`.
NotifyMode = Annotated[str, Choice(NOTIFY_MODES)]
#: How long a woken thread works while it holds the lock again.
WorkMs = Annotated[float, Millis(0, 200)]

_BOUND_S = 10.0  # no wait in this module lasts longer


def _queue_up(
    cond: Any, waiter: Callable[[int, threading.Event], None], count: int, name: str
) -> list[threading.Thread]:
    """Start ``count`` threads running ``waiter(i, ready)``, one at a time: each is inside
    ``cond.wait()`` before the next starts, so the queue order is 0, 1, 2…"""
    threads = []
    for i in range(count):
        ready = threading.Event()
        threads.append(start_thread(lambda i=i, ready=ready: waiter(i, ready), f"{name}-{i}"))
        ready.wait(_BOUND_S)
        take(cond)  # gets the lock only once waiter i is inside wait(): queued in order
        cond.release()
    return threads


@validated
def fifo_wake_order(make_condition: MakeCondition, waiters: Waiters = 3) -> list[int]:
    """Queue ``waiters`` threads in order 0, 1, 2…; wake them one ``notify()`` at a time.

    Returns the order in which they woke up.
    """
    cond = make_condition()
    order: list[int] = []

    def waiter(i: int, ready: threading.Event) -> None:
        cond.acquire()
        ready.set()
        cond.wait(_BOUND_S)
        order.append(i)
        cond.release()

    threads = _queue_up(cond, waiter, waiters, "fifo-waiter")
    for woken in range(1, waiters + 1):
        take(cond)
        cond.notify()
        cond.release()
        wait_until(lambda woken=woken: len(order) >= woken, _BOUND_S)
    stop(threads, _BOUND_S).check("waiters")
    return order


@dataclass(frozen=True)
class Wakeup:
    """One waiting thread of :func:`run_notify_rounds`.

    ``span``: from when it began waiting (``start``), faded while it waited for a notify and
    then for the lock, solid from when it had the lock back to when it released it after its
    work. ``notified``: ``wait()`` returned True (not a timeout). ``round``: which notify call
    woke it (0-based).
    """

    span: Span
    notified: bool
    round: int

    @property
    def woke(self) -> float:
        """When it had the lock back (``time.perf_counter()``)."""
        return self.span.running[0][0]


@dataclass(frozen=True)
class NotifyRun:
    """Outcome of :func:`run_notify_rounds`."""

    mode: str
    n: int
    waiters: int
    work_ms: float
    implementation: str
    t0: float
    records: tuple[Wakeup, ...]  # by waiter index (= the order they started waiting)
    notifications: tuple[float, ...]  # when each notify call was made
    rounds: tuple[tuple[int, ...], ...] = field(default=())  # waiters woken by each call

    @property
    def wake_order(self) -> list[int]:
        return [r.span.index for r in sorted(self.records, key=lambda r: r.woke)]


@validated
def run_notify_rounds(
    waiters: Waiters = 4,
    mode: NotifyMode = "notify",
    n: Waiters = 2,
    work_ms: WorkMs = 20,
    implementation: Implementation = "threading",
    *,
    progress: Progress = None,
) -> NotifyRun:
    """``waiters`` threads wait on one condition, queued in index order; then a notifier
    wakes them with ``notify()``, ``notify(n)`` or ``notify_all()``, one call per round, and
    starts the next round once every thread woken in this one has finished.

    A woken thread holds the lock for ``work_ms`` milliseconds (sleeping, as if updating
    shared state), so threads woken together go through the lock one after another
    (``work_ms=0``: they only take the lock and leave).
    """
    work = work_ms / 1e3
    cond = condition_class(implementation)()
    per_call = {"notify": 1, "notify_n": n, "notify_all": waiters}[mode]

    records: dict[int, Wakeup] = {}
    current_round = [0]
    done = threading.Condition()  # the notifier waits on this for a round to finish

    def waiter(i: int, ready: threading.Event) -> None:
        with cond:
            start = time.perf_counter()
            ready.set()
            notified = cond.wait(_BOUND_S)
            woke = time.perf_counter()
            time.sleep(work)  # work done while holding the lock
            end = time.perf_counter()
            round_number = current_round[0]
        wakeup = Wakeup(held(i, start, woke, end, row=f"waiter {i}"), notified, round_number)
        with done:
            records[i] = wakeup
            done.notify()

    t0 = time.perf_counter()
    threads = _queue_up(cond, waiter, waiters, "waiter")

    notifications = []
    rounds = []
    for number in range(math.ceil(waiters / per_call)):
        woken_before = len(records)
        with cond:
            current_round[0] = number
            notifications.append(time.perf_counter())
            if mode == "notify_all":
                cond.notify_all()
            else:
                cond.notify(per_call)
        target = min(waiters, woken_before + per_call)
        with done:
            done.wait_for(lambda target=target: len(records) >= target, _BOUND_S)
        rounds.append(tuple(sorted(i for i, r in records.items() if r.round == number)))
        if progress is not None:
            progress(len(records), waiters)
    stop(threads, _BOUND_S).check("waiters")
    return NotifyRun(
        mode=mode,
        n=per_call,
        waiters=waiters,
        work_ms=work_ms,
        implementation=implementation,
        t0=t0,
        records=tuple(records[i] for i in sorted(records)),
        notifications=tuple(notifications),
        rounds=tuple(rounds),
    )
