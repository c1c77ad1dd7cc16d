"""A teaching re-entrant lock: a plain lock, plus who owns it, plus how many times.

It behaves like ``threading.RLock`` (the tests run one suite against both): the owner may
acquire it again without blocking, must release it as many times as it acquired it, and
nobody else may release it. CPython's own pure-Python version is ``threading._PyRLock``;
the one you normally get is written in C, with the same design.

Why it is safe to read ``_owner`` without holding the inner lock: only the owner thread ever
sets ``_owner`` to its own id, and thread ids of living threads are unique. So a thread that
reads its own id there really is the owner, and any other thread reads something else (None
or another id), whatever the timing.
"""

from __future__ import annotations

import math
import operator
import threading
from _thread import allocate_lock, get_ident


def _check_arguments(blocking: bool, timeout: float) -> None:
    """Reject the same arguments ``threading.RLock.acquire`` rejects, even when re-entering.

    The C lock reads a timeout as a float, or else as an integer (``True`` counts as 1; a
    string or ``Decimal`` does not), then checks its value, in this order.
    """
    if not isinstance(timeout, float):
        timeout = operator.index(timeout)  # TypeError: "... cannot be interpreted as an integer"
    if math.isnan(timeout):
        raise ValueError("Invalid value NaN (not a number)")
    if not blocking and timeout != -1:
        raise ValueError("can't specify a timeout for a non-blocking call")
    if timeout < 0 and timeout != -1:
        raise ValueError("timeout value must be a non-negative number")
    if timeout > threading.TIMEOUT_MAX:
        raise OverflowError("timeout value is too large")


class RLock:
    """A re-entrant lock: ``_block`` (a plain lock) + ``_owner`` (a thread id) + ``_count``."""

    def __init__(self) -> None:
        self._block = allocate_lock()  # the real mutual exclusion
        self._owner: int | None = None  # who holds _block, if anyone
        self._count = 0  # how many times the owner has acquired without releasing

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        """Take the lock; if this thread already owns it, just count one more level.

        Returns True once held. With ``blocking=False`` or a ``timeout``, returns False if
        another thread kept it the whole time.
        """
        _check_arguments(blocking, timeout)
        me = get_ident()
        if self._owner == me:  # re-entry: we hold _block already; taking it again would hang
            self._count += 1
            return True
        if not self._block.acquire(blocking, timeout):
            return False
        self._owner = me  # set only after _block is ours...
        self._count = 1
        return True

    def release(self) -> None:
        """Drop one level; the last release lets another thread in.

        Raises ``RuntimeError`` if this thread does not own the lock: unlike a ``Lock``, an
        ``RLock`` must be released by the thread that acquired it.
        """
        if self._owner != get_ident():
            raise RuntimeError("cannot release un-acquired lock")
        self._count -= 1
        if self._count == 0:
            self._owner = None  # ...and cleared before _block is given back
            self._block.release()

    __enter__ = acquire  # ``with lock:`` acquires ...

    def __exit__(self, *exc_info: object) -> None:
        self.release()  # ... and releases, also when the block raised

    def locked(self) -> bool:
        """Whether any thread holds the lock (``threading.RLock`` has this from 3.14)."""
        return self._block.locked()  # the lock itself, not _count (see CPython gh-134323)

    @property
    def owner(self) -> int | None:
        """The id (``threading.get_ident()``) of the owning thread, or None."""
        return self._owner

    @property
    def count(self) -> int:
        """How many releases the owner still owes (0 when unlocked)."""
        return self._count

    def __repr__(self) -> str:
        state = "locked" if self._block.locked() else "unlocked"
        return (
            f"<{state} {type(self).__module__}.{type(self).__qualname__} object "
            f"owner={self._owner!r} count={self._count} at {hex(id(self))}>"
        )

    # What threading.Condition uses when its lock has them: wait() must release *every*
    # level of an RLock, then restore them all, or a waiter holding it twice would deadlock.

    def _is_owned(self) -> bool:
        return self._owner == get_ident()

    def _release_save(self) -> tuple[int, int | None]:
        if self._count == 0:
            raise RuntimeError("cannot release un-acquired lock")
        state = (self._count, self._owner)
        self._count = 0
        self._owner = None
        self._block.release()
        return state

    def _acquire_restore(self, state: tuple[int, int | None]) -> None:
        self._block.acquire()
        self._count, self._owner = state

    def _recursion_count(self) -> int:
        """The count if this thread owns the lock, else 0 (``threading.RLock`` has it from 3.11)."""
        return self._count if self._owner == get_ident() else 0
