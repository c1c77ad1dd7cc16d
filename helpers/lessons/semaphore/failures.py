"""The syllabus's Semaphore sketch failing, shown safely: lost permits, then a deadlock.

Each scenario runs on any semaphore class, broken or correct, has a time limit and joins every
thread it starts, so a notebook can run the same steps on ``BrokenSemaphore``, the teaching
class and ``threading.Semaphore`` side by side.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Annotated

from ...core.domains import Int, Seconds, validated
from ...core.lifecycle import start_thread, stop, wait_until, waiting_count
from ...sketches import SAFETY_CAP_S
from .classes import MakeSemaphore, Permits


@dataclass(frozen=True)
class SemaphoreCount:
    """Outcome of :func:`article_semaphore_example`."""

    permits: int
    threads: int
    final_value: int  # the counter once every thread has acquired and released once


@validated
def article_semaphore_example(
    make_semaphore: MakeSemaphore,
    permits: Permits = 3,
    threads: Annotated[int, Int(1, 64)] = 5,
) -> SemaphoreCount:
    """The syllabus's own example: ``permits`` permits, ``threads`` threads, each takes one.

    The first ``permits`` threads hold their permit until the others are queued, so the
    releases really hand permits over (the syllabus relied on ``sleep(2)`` for that).
    A correct semaphore ends with all its permits; the sketch loses one per hand-over.
    """
    if threads < permits:  # at least one thread per permit
        raise ValueError(f"threads must be between permits ({permits}) and 64; got {threads}")
    sem = make_semaphore(permits)
    holding = threading.Barrier(permits + 1)
    let_go = threading.Event()

    def worker(i: int) -> None:
        if not sem.acquire(timeout=SAFETY_CAP_S):
            return
        if i < permits:
            holding.wait(SAFETY_CAP_S)
            let_go.wait(SAFETY_CAP_S)  # keep the permit until the others are waiting
        sem.release()

    pool = []
    for i in range(permits):
        pool.append(start_thread(lambda i=i: worker(i), f"article-{i}"))
    holding.wait(SAFETY_CAP_S)  # every permit is taken
    for i in range(permits, threads):
        pool.append(start_thread(lambda i=i: worker(i), f"article-{i}"))
    wait_until(lambda: waiting_count(sem) == threads - permits, SAFETY_CAP_S)
    let_go.set()
    stop(pool, 2 * SAFETY_CAP_S).check("threads")
    return SemaphoreCount(permits, threads, sem._value)


@dataclass(frozen=True)
class PermitDeadlock:
    """Outcome of :func:`lost_permit_deadlock`."""

    value_after: int  # the counter after one hand-over, with nobody holding a permit
    acquire_succeeded: bool  # can a newcomer take the (only) permit now?


@validated
def lost_permit_deadlock(
    make_semaphore: MakeSemaphore,
    patience: Annotated[float, Seconds(SAFETY_CAP_S)] = 0.3,
) -> PermitDeadlock:
    """One permit, handed from thread A to a waiting thread B; then both are done.

    Nobody holds the permit any more, so a newcomer must get it at once. With the sketch the
    counter ends at 0: the newcomer waits for a permit that no longer exists (bounded here by
    ``patience`` seconds; in real code, forever).
    """
    sem = make_semaphore(1)
    sem.acquire()  # thread A (the main thread) holds the only permit

    def thread_b() -> None:
        if sem.acquire(timeout=SAFETY_CAP_S):
            sem.release()

    b = start_thread(thread_b, "permit-b")
    wait_until(lambda: waiting_count(sem) == 1, SAFETY_CAP_S)
    sem.release()  # hands the permit to B
    stop([b], SAFETY_CAP_S).check("threads")
    value = sem._value
    got = sem.acquire(timeout=patience)
    if got:
        sem.release()
    return PermitDeadlock(value, got)
