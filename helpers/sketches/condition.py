"""BROKEN ON PURPOSE: the syllabus's Condition sketch, kept to show how it fails.

Never use this class for real work. What goes wrong: no ``with`` support; ``wait()`` returns
nothing, so a timeout cannot be told from a notify; a waiter that timed out stays queued and
later swallows a ``notify()`` (a lost wakeup); ``wait()`` releases only one level of an
``RLock`` (nobody else can get in to notify); ``notify()`` never checks that the caller holds
the lock; no ``wait_for``.

The one change from the syllabus: a wait without a timeout is capped at :data:`SAFETY_CAP_S`
seconds, so even a careless experiment with this class cannot hang a notebook.
"""

from __future__ import annotations

import threading
from typing import Any

from . import SAFETY_CAP_S


class BrokenCondition:
    """BROKEN: a hand-made Condition of the kind tutorials show, not CPython's. A demo only."""

    def __init__(self, lock: Any = None) -> None:
        if lock is None:
            lock = threading.RLock()
        self._lock = lock
        self._waiters: list[Any] = []  # no __enter__/__exit__ below: `with cond:` fails

    def acquire(self, *args: Any) -> bool:
        return self._lock.acquire(*args)

    def release(self) -> None:
        self._lock.release()

    def wait(self, timeout: float | None = None) -> None:  # BUG: returns nothing
        # BUG: no check that the caller holds the lock.
        waiter = threading.Lock()
        waiter.acquire()
        self._waiters.append(waiter)
        self.release()  # BUG: releases ONE level; an RLock taken twice stays held
        try:
            # BUG: the result is dropped, and a timed-out waiter is never removed from the list.
            waiter.acquire(timeout=SAFETY_CAP_S if timeout is None else timeout)
        finally:
            self.acquire()

    def notify(self, n: int = 1) -> None:
        # BUG: no check that the caller holds the lock.
        all_waiters = self._waiters
        for waiter in all_waiters[:n]:
            waiter.release()  # a stale (timed-out) waiter "uses up" the notification
            all_waiters.remove(waiter)

    def notify_all(self) -> None:
        self.notify(len(self._waiters))
