"""Semaphores built on the course's Condition: readable copies of ``threading.Semaphore``.

A semaphore is a counter of free permits, guarded by a condition variable:

* ``acquire`` waits while the counter is 0, then takes one permit (counter - 1);
* ``release(n)`` puts ``n`` permits back (counter + n) and wakes up to ``n`` waiters.

The counter is the only truth. A woken thread does not *receive* a permit; it re-checks the
counter with the lock held and takes one only if one is there. That is what the syllabus's
sketch gets wrong (see ``helpers.sketches``). ``BoundedSemaphore`` also refuses to grow the
counter past its initial value, which turns a double release into a ``ValueError``.
"""

from __future__ import annotations

import threading

from .condition import Condition


class Semaphore:
    """A counting semaphore with ``value`` permits (default 1)."""

    def __init__(self, value: int = 1) -> None:
        if value < 0:
            raise ValueError("semaphore initial value must be >= 0")
        self._cond = Condition(threading.Lock())  # a plain Lock: nobody re-enters it
        self._value = value

    def __repr__(self) -> str:
        # threading's form, "<threading.Semaphore at 0x...: value=2>", saying where it is from.
        return f"<teaching.{type(self).__qualname__} at {id(self):#x}: value={self._value}>"

    def acquire(self, blocking: bool = True, timeout: float | None = None) -> bool:
        """Take one permit. Returns ``True`` if taken, ``False`` if not (no wait or time up).

        ``blocking=False`` never waits; ``timeout`` (seconds) bounds the wait.
        """
        if not blocking and timeout is not None:
            raise ValueError("can't specify timeout for non-blocking acquire")
        with self._cond:
            # wait_for is a loop, not an if (someone may take the permit first), with CPython's
            # deadline: the first wait gets the whole timeout (0 or less just looks, but still
            # lets a releaser in); later waits, what is left.
            if blocking:
                free = self._cond.wait_for(self._has_permit, timeout)
            else:
                free = self._has_permit()
            if not free:
                return False
            self._value -= 1
            return True

    def _has_permit(self) -> bool:
        return self._value > 0

    __enter__ = acquire  # ``with sem:`` takes a permit ...

    def __exit__(self, *exc_info: object) -> None:
        self.release()  # ... and always gives it back, even if the block raised

    def release(self, n: int = 1) -> None:
        """Give back ``n`` permits and wake up to ``n`` waiting threads."""
        if n < 1:
            raise ValueError("n must be one or more")
        with self._cond:
            self._check_release(n)
            self._value += n
            self._cond.notify(n)

    def _check_release(self, n: int) -> None:
        """A plain semaphore accepts any release: its counter may grow past the start value."""


class BoundedSemaphore(Semaphore):
    """A semaphore whose counter may never exceed its initial value."""

    def __init__(self, value: int = 1) -> None:
        super().__init__(value)
        self._initial_value = value

    def __repr__(self) -> str:
        return (
            f"<teaching.{type(self).__qualname__} at {id(self):#x}:"
            f" value={self._value}/{self._initial_value}>"
        )

    def _check_release(self, n: int) -> None:
        # More releases than acquires is a bug in the caller: say so instead of growing.
        if self._value + n > self._initial_value:
            raise ValueError("Semaphore released too many times")
