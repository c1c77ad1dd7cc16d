"""BROKEN ON PURPOSE: the syllabus's Semaphore sketch, kept to show how it fails.

Never use this class for real work. ``release()`` hands a permit to a waiter *without*
counting it, yet the waiter takes one off the counter: every hand-over loses a permit, and once
the counter is stuck at zero, ``acquire`` waits although nobody holds a permit (a deadlock).

The one change from the syllabus: a wait without a timeout is capped at :data:`SAFETY_CAP_S`
seconds, so even a careless experiment with this class cannot hang a notebook.
"""

from __future__ import annotations

import threading

from . import SAFETY_CAP_S


class BrokenSemaphore:
    """BROKEN: a hand-made Semaphore of the kind tutorials show, not CPython's. A demo only."""

    def __init__(self, value: int = 1) -> None:
        if value < 0:
            raise ValueError("semaphore initial value must be >= 0")
        self._value = value
        self._lock = threading.Lock()
        self._waiters: list[threading.Condition] = []

    def acquire(self, blocking: bool = True, timeout: float | None = None) -> bool:
        with self._lock:
            if self._value > 0:
                self._value -= 1
                return True
            if not blocking:
                return False
            waiter = threading.Condition(self._lock)
            self._waiters.append(waiter)
            waiter.wait(SAFETY_CAP_S if timeout is None else timeout)
            if waiter in self._waiters:  # nobody handed us a permit: timed out
                self._waiters.remove(waiter)
                return False
            self._value -= 1  # BUG: release() never added the permit it handed over
            return True

    def release(self) -> None:
        with self._lock:
            if self._waiters:
                waiter = self._waiters.pop(0)
                waiter.notify()  # BUG: a hand-over without `self._value += 1`
            else:
                self._value += 1
