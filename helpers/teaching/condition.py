"""A condition variable built from plain locks: the course's readable ``threading.Condition``.

A condition variable is a lock plus a queue of waiting threads. Each waiter brings its own
tiny lock, already locked, and then blocks trying to lock it a second time; ``notify`` wakes
a waiter simply by unlocking that waiter's lock. The design, and every behaviour a standard-
library test checks, follow CPython's ``Lib/threading.py`` (3.10-3.14):

* the lock's ``acquire``/``release`` are exported (and ``locked``, where Python 3.14's
  ``Condition`` exports it too), and ``with cond:`` takes the lock;
* ``wait`` and ``notify`` raise ``RuntimeError`` unless the lock is held. An ``RLock`` (the
  default) knows *which* thread holds it, so the caller must be that thread. A plain ``Lock``
  only knows *whether* it is held: then any thread passes the check while anyone holds it;
* ``wait`` releases the lock *fully*, even an ``RLock`` taken several times, and restores it;
* ``wait`` returns ``False`` on timeout and removes the timed-out waiter from the queue, so it
  cannot swallow a later ``notify`` (a lost wakeup);
* ``notify(n)`` wakes the ``n`` oldest waiters, first come first woken;
* ``wait_for(predicate, timeout)`` loops until the predicate holds or the time is up.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from contextlib import suppress
from typing import Any, TypeVar

T = TypeVar("T")

# Python 3.14 made Condition export its lock's locked() (gh-115942); earlier versions do not.
_EXPORTS_LOCKED = hasattr(threading.Condition(threading.Lock()), "locked")


class Condition:
    """A condition variable over ``lock`` (a new ``RLock`` if none is given)."""

    def __init__(self, lock: Any = None) -> None:
        if lock is None:
            lock = threading.RLock()
        self._lock = lock
        # The condition *is* its lock for acquire/release: export the lock's own methods.
        self.acquire = lock.acquire
        self.release = lock.release
        if _EXPORTS_LOCKED:  # 3.14+: a lock without locked() is refused, as by CPython
            self.locked = lock.locked
        # An RLock knows its owner and its recursion level. When it offers these internal
        # methods, use them instead of the plain fallbacks defined below.
        if hasattr(lock, "_is_owned"):
            self._is_owned = lock._is_owned
        if hasattr(lock, "_release_save"):
            self._release_save = lock._release_save
        if hasattr(lock, "_acquire_restore"):
            self._acquire_restore = lock._acquire_restore
        # One locked lock per waiting thread, oldest first.
        self._waiters: deque[Any] = deque()

    def __enter__(self) -> Any:
        return self._lock.__enter__()

    def __exit__(self, *exc_info: object) -> Any:
        return self._lock.__exit__(*exc_info)

    def __repr__(self) -> str:
        return f"<Condition({self._lock}, {len(self._waiters)})>"

    # Fallbacks for a lock without the RLock internals (a plain Lock).

    def _is_owned(self) -> bool:
        # A plain Lock does not record its owner. If we can take it, nobody held it (we did
        # not either): give it back and say no. If we cannot, *someone* holds it, and we can
        # only assume it is the caller. So with a Lock, a thread that does not hold it may
        # notify() (or even wait()) while another thread holds it, exactly as in CPython.
        if self._lock.acquire(False):
            self._lock.release()
            return False
        return True

    def _release_save(self) -> Any:
        self._lock.release()  # a plain Lock has no recursion level to remember
        return None

    def _acquire_restore(self, saved: Any) -> None:
        self._lock.acquire()

    def wait(self, timeout: float | None = None) -> bool:
        """Release the lock, sleep until notified or ``timeout`` seconds pass, retake the lock.

        Returns ``True`` if notified, ``False`` if the time ran out.
        """
        if not self._is_owned():
            raise RuntimeError("cannot wait on un-acquired lock")
        waiter = threading.Lock()
        waiter.acquire()  # locked: acquiring it again blocks until notify() releases it
        self._waiters.append(waiter)  # join the queue *before* letting others in
        saved = self._release_save()  # release fully, even an RLock held 3 levels deep
        notified = False
        try:
            if timeout is None:
                notified = waiter.acquire()
            elif timeout > 0:
                notified = waiter.acquire(True, timeout)
            else:
                notified = waiter.acquire(False)  # zero or negative: just look, never block
            return notified
        finally:
            # Always retake the lock (even on KeyboardInterrupt): the caller expects to hold it.
            self._acquire_restore(saved)
            if not notified:
                # Timed out: leave the queue, or a later notify() would wake this stale lock
                # instead of a thread that is really waiting.
                # (ValueError: a notify() took it out after the timeout, before we got the lock.)
                with suppress(ValueError):
                    self._waiters.remove(waiter)

    def wait_for(self, predicate: Callable[[], T], timeout: float | None = None) -> T:
        """Wait until ``predicate()`` is true, or until ``timeout`` seconds have passed.

        Returns the last value of ``predicate()``: truthy on success, falsy on timeout.
        """
        deadline = None
        remaining = timeout
        result = predicate()
        while not result:
            if remaining is not None:
                if deadline is None:
                    deadline = time.monotonic() + remaining
                else:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        break
            self.wait(remaining)
            result = predicate()  # woken is not enough: check again, with the lock held
        return result

    def notify(self, n: int = 1) -> None:
        """Wake up to ``n`` waiting threads, oldest first. Does nothing if nobody waits."""
        if not self._is_owned():
            raise RuntimeError("cannot notify on un-acquired lock")
        waiters = self._waiters
        while waiters and n > 0:
            waiter = waiters[0]
            try:
                waiter.release()  # the waiter's blocked acquire() now succeeds
            except RuntimeError:
                pass  # released by a notify() interrupted before it could dequeue (gh-92530)
            else:
                n -= 1
            # Remove this waiter, not whatever is first now: with a plain Lock the queue may
            # change under us (see _is_owned), and a timed-out waiter may have left already.
            with suppress(ValueError):
                waiters.remove(waiter)

    def notify_all(self) -> None:
        """Wake every waiting thread."""
        self.notify(len(self._waiters))
