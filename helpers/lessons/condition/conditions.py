"""Condition-variable demos for notebook 05, and the compute function of its explorer.

* :func:`two_consumers_one_item` — the race that makes ``if`` wrong and ``while`` right;
* :class:`BoundedBuffer` and :func:`run_bounded_buffer` — two conditions over one lock;
* :func:`compare_conditions` — the same facts checked on several Condition classes;
* :func:`notify_timeline` — N waiters, ``notify`` / ``notify(n)`` / ``notify_all``: who wakes,
  and when (the explorer's figure).

Every function here bounds every wait and joins every thread it starts.
"""

from __future__ import annotations

import math
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ...core.facts import FactTable, fact_table, validate_classes
from ...core.lifecycle import take, wait_until, waiting_count
from ...core.timing import Progress
from ...core.validate import (
    MAX_TIMEOUT_S,
    validate_callable,
    validate_choice,
    validate_int,
    validate_ms,
    validate_positive_int,
    validate_seconds,
)
from ...draw.plots import finish, new_figure
from ...draw.timeline import draw_rows
from ...teaching.condition import Condition as TeachingCondition
from .failures import lost_wakeup, wait_holding_rlock_twice

#: Condition classes the demos and the explorer can run on.
IMPLEMENTATIONS: dict[str, str] = {
    "threading": "threading.Condition (standard library)",
    "teaching": "helpers.teaching Condition (the course's)",
}

#: How the notifier wakes the waiters in :func:`notify_timeline`.
NOTIFY_MODES: dict[str, str] = {
    "notify": "notify(): one waiter per call",
    "notify_n": "notify(n): n waiters per call",
    "notify_all": "notify_all(): every waiter at once",
}

MakeCondition = Callable[..., Any]
_BOUND_S = 10.0  # no wait in this module lasts longer


def condition_class(implementation: object) -> MakeCondition:
    """The Condition class behind an :data:`IMPLEMENTATIONS` key."""
    validate_choice(implementation, "implementation", IMPLEMENTATIONS)
    return threading.Condition if implementation == "threading" else TeachingCondition


def _join(threads: Sequence[threading.Thread], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    stuck = [t.name for t in threads if t.is_alive()]
    if stuck:
        raise TimeoutError(f"threads still running after {timeout:g} s: {stuck}")


# --- Two consumers, one item --------------------------------------------------------------

Consume = Callable[[list[Any], Any, float], Any]
"""``consume(buffer, cond, timeout)``: take one item from ``buffer``, waiting on ``cond``."""


@dataclass(frozen=True)
class ConsumerRace:
    """What happened when two waiting consumers were woken for a single item."""

    received: tuple[Any, ...]  # what the consumers returned, in the order they returned
    errors: tuple[str, ...]  # exceptions raised inside the consumers
    left_in_buffer: tuple[Any, ...]
    second_item_needed: bool  # a consumer went back to waiting, so a second item was sent


def two_consumers_one_item(
    consume: Consume, *, make_condition: MakeCondition = threading.Condition, timeout: float = 2.0
) -> ConsumerRace:
    """Two consumers wait on an empty buffer; one item arrives and *both* are woken.

    1. Both consumers call ``consume(buffer, cond, timeout)`` and end up waiting.
    2. The producer appends one item and calls ``notify_all()``.
    3. Once each consumer has either returned or gone back to waiting, a second item is sent
       if someone is still waiting, so the demo always ends.
    """
    validate_callable(consume, "consume")
    validate_callable(make_condition, "make_condition")
    validate_seconds(timeout, "timeout", maximum=MAX_TIMEOUT_S)
    buffer: list[Any] = []
    cond = make_condition()
    received: list[Any] = []
    errors: list[str] = []
    finished: list[int] = []

    def consumer() -> None:
        try:
            received.append(consume(buffer, cond, timeout))
        except Exception as error:  # shown as a result, not a crash
            errors.append(f"{type(error).__name__}: {error}")
        finally:
            finished.append(1)

    threads = [
        threading.Thread(target=consumer, name=f"consumer-{i}", daemon=True) for i in range(2)
    ]
    for thread in threads:
        thread.start()
    wait_until(lambda: waiting_count(cond) == 2 or len(finished) == 2, timeout)
    with cond:
        buffer.append("item 1")
        cond.notify_all()
    wait_until(lambda: finished and len(finished) + waiting_count(cond) == 2, timeout)
    with cond:
        second = waiting_count(cond) > 0
        if second:
            buffer.append("item 2")
            cond.notify_all()
    _join(threads, 2 * timeout + 1)
    return ConsumerRace(tuple(received), tuple(errors), tuple(buffer), second)


# --- A bounded buffer: two conditions, one lock -------------------------------------------


class BoundedBuffer:
    """A first-in first-out buffer of at most ``capacity`` items, for many threads.

    ``put`` waits while the buffer is full, ``get`` while it is empty. Both conditions share
    one lock, so there is one critical section, but two queues of waiters: a put only ever
    wakes a getter, and a get only ever wakes a putter.
    """

    def __init__(self, capacity: int, make_condition: MakeCondition = threading.Condition):
        self.capacity = validate_positive_int(capacity, "capacity")
        validate_callable(make_condition, "make_condition")
        self._items: deque[Any] = deque()
        lock = threading.Lock()
        self.not_full = make_condition(lock)  # producers wait here
        self.not_empty = make_condition(lock)  # consumers wait here
        self.max_fill = 0  # the most items ever held at once
        self.full_waits = 0  # puts that found the buffer full
        self.empty_waits = 0  # gets that found it empty

    def put(self, item: Any, timeout: float | None = None) -> None:
        """Add ``item``, waiting while the buffer is full; ``queue.Full`` if time runs out."""
        with self.not_full:
            if len(self._items) >= self.capacity:
                self.full_waits += 1
            if not self.not_full.wait_for(lambda: len(self._items) < self.capacity, timeout):
                raise queue.Full
            self._items.append(item)
            self.max_fill = max(self.max_fill, len(self._items))
            self.not_empty.notify()  # one item more: one consumer may go on

    def get(self, timeout: float | None = None) -> Any:
        """Remove the oldest item, waiting while empty; ``queue.Empty`` if time runs out."""
        with self.not_empty:
            if not self._items:
                self.empty_waits += 1
            if not self.not_empty.wait_for(lambda: len(self._items) > 0, timeout):
                raise queue.Empty
            item = self._items.popleft()
            self.not_full.notify()  # one slot free: one producer may go on
            return item

    def __len__(self) -> int:
        with self.not_full:
            return len(self._items)


@dataclass(frozen=True)
class BufferRun:
    """Outcome of :func:`run_bounded_buffer`."""

    capacity: int
    delivered: tuple[int, ...]  # every item the consumers got, sorted
    max_fill: int
    full_waits: int
    empty_waits: int


def run_bounded_buffer(
    producers: int = 2,
    consumers: int = 2,
    items: int = 40,
    capacity: int = 3,
    *,
    consume_ms: float = 1.0,
    make_condition: MakeCondition = threading.Condition,
    timeout: float = 5.0,
) -> BufferRun:
    """Producers put ``items`` numbered items through a :class:`BoundedBuffer`; consumers take
    them until each receives a ``None`` sentinel. Consumers are a little slower
    (``consume_ms`` per item), so the buffer fills up and producers have to wait;
    ``consume_ms=0`` makes them as fast as they can be.
    """
    for value, name in ((producers, "producers"), (consumers, "consumers"), (items, "items")):
        validate_positive_int(value, name)
    validate_positive_int(capacity, "capacity")
    validate_ms(consume_ms, "consume_ms", 0, 1_000)
    validate_callable(make_condition, "make_condition")
    validate_seconds(timeout, "timeout", maximum=MAX_TIMEOUT_S)
    buffer = BoundedBuffer(capacity, make_condition)
    delivered: list[int] = []
    delivered_lock = threading.Lock()

    def produce(p: int) -> None:
        for item in range(p, items, producers):  # producer p sends p, p + P, p + 2P, ...
            buffer.put(item, timeout)

    def consume() -> None:
        while (item := buffer.get(timeout)) is not None:  # None: no more items
            time.sleep(consume_ms / 1e3)
            with delivered_lock:
                delivered.append(item)

    making = [threading.Thread(target=produce, args=(p,), daemon=True) for p in range(producers)]
    taking = [threading.Thread(target=consume, daemon=True) for _ in range(consumers)]
    for thread in making + taking:
        thread.start()
    _join(making, timeout + items * consume_ms / 1e3 + 1)
    for _ in taking:
        buffer.put(None, timeout)  # one sentinel per consumer
    _join(taking, timeout + 1)
    return BufferRun(
        capacity, tuple(sorted(delivered)), buffer.max_fill, buffer.full_waits, buffer.empty_waits
    )


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


def fifo_wake_order(make_condition: MakeCondition, waiters: int = 3) -> list[int]:
    """Queue ``waiters`` threads in order 0, 1, 2…; wake them one ``notify()`` at a time.

    Returns the order in which they woke up.
    """
    validate_callable(make_condition, "make_condition")
    validate_int(waiters, "waiters", 1, 32)
    cond = make_condition()
    order: list[int] = []
    threads = []

    def waiter(i: int, ready: threading.Event) -> None:
        cond.acquire()
        ready.set()
        cond.wait(_BOUND_S)
        order.append(i)
        cond.release()

    for i in range(waiters):
        ready = threading.Event()
        thread = threading.Thread(target=waiter, args=(i, ready), daemon=True)
        thread.start()
        ready.wait(_BOUND_S)
        take(cond)  # gets the lock only once waiter i is inside wait(): queued in order
        cond.release()
    for woken in range(1, waiters + 1):
        take(cond)
        cond.notify()
        cond.release()
        wait_until(lambda woken=woken: len(order) >= woken, _BOUND_S)
    _join(threads, _BOUND_S)
    return order


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


def compare_conditions(classes: Mapping[str, MakeCondition]) -> FactTable:
    """Check :data:`CONDITION_FACTS` on each Condition class (a broken one takes ~1.5 s)."""
    validate_classes(classes)
    return fact_table(CONDITION_FACTS, classes)


# --- Explorer: who wakes, and when ---------------------------------------------------------


@dataclass(frozen=True)
class WaiterRecord:
    """One waiting thread. ``start``: began waiting; ``woke``: had the lock back; ``end``:
    released it after its work. Drawn by :func:`helpers.timeline.draw_rows`."""

    index: int
    start: float
    woke: float
    end: float
    notified: bool  # wait() returned True (not a timeout)
    round: int  # which notification woke it (0-based)

    @property
    def running(self) -> tuple[tuple[float, float], ...]:
        return ((self.woke, self.end),)

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class NotifyRun:
    """Outcome of :func:`run_notify_rounds`."""

    mode: str
    n: int
    t0: float
    records: tuple[WaiterRecord, ...]  # by waiter index (= the order they started waiting)
    notifications: tuple[float, ...]  # when each notify call was made
    rounds: tuple[tuple[int, ...], ...] = field(default=())  # waiters woken by each call

    @property
    def wake_order(self) -> list[int]:
        return [r.index for r in sorted(self.records, key=lambda r: r.woke)]


def run_notify_rounds(
    waiters: int = 4,
    mode: str = "notify",
    n: int = 2,
    work_ms: float = 20,
    implementation: str = "threading",
    *,
    progress: Progress | None = None,
) -> NotifyRun:
    """``waiters`` threads wait on one condition, queued in index order; then a notifier
    wakes them with ``notify()``, ``notify(n)`` or ``notify_all()``, one call per round, and
    starts the next round once every thread woken in this one has finished.

    A woken thread holds the lock for ``work_ms`` milliseconds (sleeping, as if updating
    shared state), so threads woken together go through the lock one after another
    (``work_ms=0``: they only take the lock and leave).
    """
    validate_int(waiters, "waiters", 1, 32)
    validate_choice(mode, "mode", NOTIFY_MODES)
    validate_int(n, "n", 1, 32)
    work = validate_ms(work_ms, "work_ms", 0, 200) / 1e3
    make_condition = condition_class(implementation)
    validate_callable(progress, "progress", optional=True)
    cond = make_condition()
    per_call = {"notify": 1, "notify_n": n, "notify_all": waiters}[mode]

    records: dict[int, WaiterRecord] = {}
    current_round = [0]
    done = threading.Condition()  # the notifier waits on this for a round to finish
    threads = []

    def waiter(i: int, ready: threading.Event) -> None:
        with cond:
            start = time.perf_counter()
            ready.set()
            notified = cond.wait(_BOUND_S)
            woke = time.perf_counter()
            time.sleep(work)  # work done while holding the lock
            end = time.perf_counter()
            round_number = current_round[0]
        with done:
            records[i] = WaiterRecord(i, start, woke, end, notified, round_number)
            done.notify()

    t0 = time.perf_counter()
    for i in range(waiters):
        ready = threading.Event()
        thread = threading.Thread(target=waiter, args=(i, ready), name=f"waiter-{i}", daemon=True)
        thread.start()
        threads.append(thread)
        ready.wait(_BOUND_S)
        take(cond)  # only possible once waiter i is inside wait(): the queue order is 0, 1, 2…
        cond.release()

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
        rounds.append(tuple(sorted(r.index for r in records.values() if r.round == number)))
        if progress is not None:
            progress(len(records), waiters)
    _join(threads, _BOUND_S)
    return NotifyRun(
        mode=mode,
        n=per_call,
        t0=t0,
        records=tuple(records[i] for i in sorted(records)),
        notifications=tuple(notifications),
        rounds=tuple(rounds),
    )


def _call_label(run: NotifyRun) -> str:
    return {"notify": "notify()", "notify_n": f"notify({run.n})", "notify_all": "notify_all()"}[
        run.mode
    ]


def notify_timeline(
    waiters: int = 4,
    mode: str = "notify",
    n: int = 2,
    work_ms: float = 20,
    implementation: str = "threading",
    *,
    progress: Progress | None = None,
) -> tuple[Figure, NotifyRun]:
    """Draw :func:`run_notify_rounds`: one row per waiter, a dashed line per notify call.

    Faded: the thread is waiting (first to be notified, then to get the lock back).
    Solid: it holds the lock again and works. Returns the figure and the run.
    """
    run = run_notify_rounds(waiters, mode, n, work_ms, implementation, progress=progress)
    fig, (ax,) = new_figure(width=9.5, height=1.5 + 0.42 * max(2, waiters))
    rows = [(f"waiter {r.index}", [r]) for r in run.records]
    draw_rows(
        ax,
        rows,
        run.t0,
        legend=("woken: holds the lock\nand works", "waiting: for a notify,\nthen for the lock"),
    )
    xs = [(moment - run.t0) * 1e3 for moment in run.notifications]
    for x in xs:
        ax.axvline(x, color="#000000", linestyle="--", linewidth=1)
    # Number the calls along the top edge; the legend says which call it is.
    top = ax.secondary_xaxis("top")
    top.set_xticks(xs, labels=[str(k) for k in range(1, len(xs) + 1)], fontsize=7)
    top.tick_params(length=2, pad=1)
    legend = ax.get_legend()
    call = Line2D([], [], color="#000000", linestyle="--", linewidth=1)
    ax.legend(
        handles=[*legend.legend_handles, call],
        labels=[
            *(t.get_text() for t in legend.get_texts()),
            f"{_call_label(run)} call,\nnumbered on top",
        ],
        fontsize=8,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        frameon=False,
    )
    end = max((r.end for r in run.records), default=run.t0)
    ax.set_xlim(0, max((end - run.t0) * 1e3 * 1.03, 1.0))
    finish(
        ax,
        xlabel="time since the first waiter started (ms)",
        ylabel="waiting thread",
        title=(
            f"{NOTIFY_MODES[mode]} — {waiters} waiters, each works {work_ms:g} ms "
            f"holding the lock\non {IMPLEMENTATIONS[implementation]}; "
            f"wake order {run.wake_order}"
        ),
    )
    ax.grid(False, axis="y")
    return fig, run
