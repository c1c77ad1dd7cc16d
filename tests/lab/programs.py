"""The small programs several lab tests step: a lost update and a two-lock deadlock.

The lab steps the files of the threads' own functions, so these live in a module of their
own, imported by the tests (tests/lab/conftest.py puts this folder on the path).
"""

from __future__ import annotations

import threading


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
