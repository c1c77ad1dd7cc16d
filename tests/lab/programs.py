"""The small programs lab tests step: a lost update, a two-lock deadlock, a collection.

The lab steps the files of the threads' own functions, so these live in a module of their
own, imported by the tests (tests/lab/conftest.py puts this folder on the path).
"""

from __future__ import annotations

import gc
import threading
import weakref
from collections.abc import Callable


class Counter:
    def __init__(self) -> None:
        self.value = 0
        self.lock = threading.Lock()


def increment(c: Counter) -> None:
    c.value += 1


def increment_locked(c: Counter) -> None:
    with c.lock:
        c.value += 1


class Two:
    def __init__(self) -> None:
        self.a = threading.Lock()
        self.b = threading.Lock()


def ab(s: Two) -> None:
    with s.a:  # noqa: SIM117  -- at one line per step, each lock is its own step
        with s.b:
            pass


def ba(s: Two) -> None:
    with s.b:  # noqa: SIM117
        with s.a:
            pass


class Collecting:
    """A thread of the lab stuck in a callback from C when its run is abandoned: one of the
    collector's callbacks, or ``finalizer``, run by the weakref machinery."""

    def __init__(self, finalizer: Callable[[], None] | None = None) -> None:
        self.carrier: int | None = None
        self.finalizer = finalizer


class Garbage:
    pass


def collect(c: Collecting) -> None:
    c.carrier = threading.get_ident()
    if c.finalizer is None:
        gc.collect()  # runs gc.callbacks on this thread (a test adds a slow one)
    else:
        garbage = Garbage()  # made here, so free-threaded Python frees it here too
        weakref.finalize(garbage, c.finalizer)
        del garbage  # the last reference: the finalizer runs now, on this thread
    c.carrier = None
