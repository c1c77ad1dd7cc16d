# ruff: noqa: SIM117  -- nested `with` on purpose: at one line per step, each lock is its own step
"""Every primitive the course uses works under the engine: a blocked wait is "blocked on X"
for the scheduler, and over every interleaving (within the bound) nothing deadlocks or raises.
"""

from __future__ import annotations

import concurrent.futures
import queue
import threading
from collections.abc import Callable
from typing import Any

import pytest

from helpers.lab import Run, program, prove
from helpers.teaching.condition import Condition as TeachingCondition
from helpers.teaching.executor import ThreadPoolExecutor as TeachingExecutor
from helpers.teaching.rlock import RLock as TeachingRLock
from helpers.teaching.semaphore import BoundedSemaphore as TeachingBounded
from helpers.teaching.semaphore import Semaphore as TeachingSemaphore


class Box:
    """Shared state: one primitive (made during the run, so the lab's version) and a log."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self.p = make()
        self.log: list[str] = []


# Mutual exclusion: Lock, RLock (re-entered), Semaphore(1), BoundedSemaphore(1), teaching ones.
def use_mutex(box: Box) -> None:
    with box.p:
        box.log.append("in")
        box.log.append("out")


def use_rlock_twice(box: Box) -> None:
    with box.p:
        with box.p:
            box.log.append("in")
            box.log.append("out")


def mutual_exclusion(box: Box) -> bool:
    """Never two threads inside: the log alternates in, out, in, out ..."""
    return all(entry == ("in", "out")[i % 2] for i, entry in enumerate(box.log))


MUTEXES = {  # called during the run: threading.Lock looked up then is the lab's
    "Lock": lambda: threading.Lock(),
    "RLock": lambda: threading.RLock(),
    "Semaphore": lambda: threading.Semaphore(1),
    "BoundedSemaphore": lambda: threading.BoundedSemaphore(1),
    "teaching RLock": TeachingRLock,
    "teaching Semaphore": lambda: TeachingSemaphore(1),
    "teaching BoundedSemaphore": lambda: TeachingBounded(1),
}


@pytest.mark.parametrize("kind", list(MUTEXES))
def test_mutual_exclusion_holds_and_the_second_thread_blocks(kind: str) -> None:
    make = MUTEXES[kind]
    body = use_rlock_twice if "RLock" in kind else use_mutex
    verdict = prove(
        {"A": body, "B": body},
        setup=lambda: Box(make),
        invariant=mutual_exclusion,
        check=lambda box: len(box.log) == 4,
        granularity="line",
    )
    assert verdict.ok and verdict.exhausted, str(verdict)
    with Run(program({"A": body, "B": body}, setup=lambda: Box(make), granularity="line")) as run:
        run.step("A")
        while run.snapshot().thread("B").status != "blocked":
            run.step("B")
        blocked = run.snapshot().thread("B").blocked
    assert blocked is not None
    assert blocked.name == "p"


# Waiting for a signal: Condition (standard, teaching), Event, Queue, SimpleQueue.
def waiter_condition(box: Box) -> None:
    with box.p:
        box.p.wait_for(lambda: box.log)
        box.log.append("woken")


def notifier_condition(box: Box) -> None:
    with box.p:
        box.log.append("ready")
        box.p.notify_all()


def waiter_event(box: Box) -> None:
    box.p.wait()
    box.log.append("woken")


def setter_event(box: Box) -> None:
    box.log.append("ready")
    box.p.set()


def getter_queue(box: Box) -> None:
    box.log.append(box.p.get())


def putter_queue(box: Box) -> None:
    box.p.put("item")


SIGNALS = {
    "Condition": (lambda: threading.Condition(), waiter_condition, notifier_condition, "Condition"),
    "teaching Condition": (TeachingCondition, waiter_condition, notifier_condition, "Condition"),
    "Event": (lambda: threading.Event(), waiter_event, setter_event, "Event"),
    "Queue": (lambda: queue.Queue(), getter_queue, putter_queue, "Queue"),
    "SimpleQueue": (lambda: queue.SimpleQueue(), getter_queue, putter_queue, "SimpleQueue"),
}


@pytest.mark.parametrize("kind", list(SIGNALS))
def test_a_waiter_blocks_until_signalled_and_never_deadlocks(kind: str) -> None:
    make, wait, signal, shown = SIGNALS[kind]
    verdict = prove(
        {"W": wait, "S": signal},
        setup=lambda: Box(make),
        check=lambda box: box.log in (["ready", "woken"], ["item"]),
    )
    assert verdict.ok and verdict.exhausted, str(verdict)
    with Run(program({"W": wait, "S": signal}, setup=lambda: Box(make), granularity="line")) as run:
        while run.snapshot().thread("W").status != "blocked":
            run.step("W")
        blocked = run.snapshot().thread("W").blocked
        assert not run.snapshot().thread("W").can_step
    assert blocked is not None
    assert (blocked.kind, blocked.name) == (shown, "p")


# Pools: the standard and the teaching ThreadPoolExecutor start threads the lab adopts.
class Pool:
    def __init__(self, make: Callable[..., Any]) -> None:
        self.pool = make(max_workers=2)
        self.results: list[int] = []


def square(x: int) -> int:
    return x * x


def use_pool(state: Pool) -> None:
    futures = [state.pool.submit(square, n) for n in (2, 3)]
    state.results = [f.result() for f in futures]
    state.pool.shutdown(wait=True)


@pytest.mark.parametrize(
    "make", [concurrent.futures.ThreadPoolExecutor, TeachingExecutor], ids=["standard", "teaching"]
)
def test_a_pool_runs_under_the_engine_and_its_workers_join_the_run(make: Any) -> None:
    verdict = prove(
        {"main": use_pool}, setup=lambda: Pool(make), check=lambda s: s.results == [4, 9]
    )
    assert verdict.ok and verdict.exhausted, str(verdict)
    assert verdict.runs > 1  # the workers' steps interleave with main's
    with Run(program({"main": use_pool}, setup=lambda: Pool(make), granularity="line")) as run:
        while run.outcome is None:
            run.step(run.snapshot().runnable[0])
        names = [view.name for view in run.snapshot().threads]
    assert names[0] == "main" and names[1:] and all(n.startswith("W") for n in names[1:])


# Threads the code under test starts and joins.
def start_and_join(box: Box) -> None:
    helper = threading.Thread(target=box.log.append, args=("helper",))
    helper.start()
    helper.join()
    box.log.append("joined")


def test_a_thread_started_by_the_code_under_test_is_adopted_and_joined() -> None:
    verdict = prove(
        {"A": start_and_join},
        setup=lambda: Box(list),
        check=lambda b: b.log == ["helper", "joined"],
    )
    assert verdict.ok, str(verdict)
    with Run(program({"A": start_and_join}, setup=lambda: Box(list), granularity="line")) as run:
        while "W1" not in [v.name for v in run.snapshot().threads]:
            run.step("A")
        while run.snapshot().thread("A").status != "blocked":
            run.step("A")
        blocked = run.snapshot().thread("A").blocked
    assert blocked is not None and (blocked.kind, blocked.name) == ("Thread", "W1")


# The course's broken sketches run too (their failures are the levels' business).
def test_the_broken_sketches_run_under_the_engine() -> None:
    from helpers.sketches.condition import BrokenCondition
    from helpers.sketches.semaphore import BrokenSemaphore

    def take(box: Box) -> None:
        if box.p.acquire():
            box.log.append("in")
            box.p.release()

    verdict = prove(
        {"A": take, "B": take},
        setup=lambda: Box(lambda: BrokenSemaphore(1)),
        step=["helpers.sketches.semaphore"],
        granularity="line",
    )
    assert verdict.runs > 1

    def wait_once(box: Box) -> None:
        box.p.acquire()
        box.p.wait(0.5)
        box.p.release()

    verdict = prove(
        {"A": wait_once},
        setup=lambda: Box(BrokenCondition),
        step=["helpers.sketches.condition"],
        granularity="line",
    )
    assert verdict.ok, str(verdict)  # alone, its wait simply times out
