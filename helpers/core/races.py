"""The counter race every lesson comes back to: one shared counter, three ways to add to it.

Adding 1 is a *read-modify-write*: read the value, add 1, write it back. If another thread
writes between our read and our write, one of the two updates is lost.

On CPython 3.10+ with the GIL, a thread is not switched out between the read and the write of
``counter.value += 1``: the interpreter looks for a switch request only at a function's start,
a backward jump and after a call, and none falls inside that statement. So a demo of it loses
nothing (lesson 03 measures it on the build it runs on). That does not make it safe: any call
in the window (a property, ``__iadd__``, I/O, logging) opens it, and a free-threaded build has
no GIL to keep the other threads out.
The demos widen the window *honestly and visibly*: :func:`pause` (``time.sleep`` for 0.1 ms)
between the read and the write, standing for a small I/O call. While a thread sleeps, the
others run, so updates are lost on every run, on every Python version and platform. (A bare
``time.sleep(0)`` is not enough: on some versions it returns at once, and no other thread
gets in.)

Lessons 03 (the race), 04 (the fix) and 10 (free-threading) share it. Child-safe.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Annotated

from .domains import Choice, Count, Has, Of, Seconds, Workers, validated
from .lifecycle import run_threads
from .validate import MAX_TIMEOUT_S

#: Anything with ``acquire`` and ``release``: a lock.
Lock = Annotated[threading.Lock, Has(("acquire", "release"), "a lock")]

_DEFAULT_TIMEOUT = 60.0

#: The ways the demo threads add 1 to the shared counter.
MODES: dict[str, str] = {
    "plain": "counter += 1",
    "pause": "read; pause(); write",
    "locked": "read; pause(); write, under a Lock",
}

_DEFAULT_TIMEOUT = 60.0

#: How long :func:`pause` sleeps: long enough for every other thread to run meanwhile.
PAUSE_SECONDS = 0.0001


def pause() -> None:
    """The widened window: sleep 0.1 ms, as a tiny I/O call would, letting other threads run."""
    time.sleep(PAUSE_SECONDS)


#: One of :data:`MODES`.
Mode = Annotated[str, Choice(MODES)]


class Counter:
    """A shared counter: one attribute, ``value``, that every thread reads and writes."""

    def __init__(self) -> None:
        self.value = 0


@validated
def add_plain(counter: Annotated[Counter, Of(Counter)], increments: Count) -> None:
    for _ in range(increments):
        counter.value += 1  # read, add, write: three steps (not switched between them with the GIL)


@validated
def add_with_pause(counter: Annotated[Counter, Of(Counter)], increments: Count) -> None:
    for _ in range(increments):
        value = counter.value  # read
        pause()  # the widened window: other threads run here, as during any I/O call
        counter.value = value + 1  # write back a value that may be stale by now


@validated
def add_locked(counter: Annotated[Counter, Of(Counter)], increments: Count, lock: Lock) -> None:
    for _ in range(increments):
        with lock:  # the whole read-modify-write is one step for every other thread
            value = counter.value
            pause()
            counter.value = value + 1


@dataclass(frozen=True)
class CounterRace:
    """One run of the counter race."""

    mode: str
    threads: int
    increments: int
    final: int

    @property
    def expected(self) -> int:
        return self.threads * self.increments

    @property
    def lost(self) -> int:
        return self.expected - self.final

    @property
    def lost_percent(self) -> float:
        return 100.0 * self.lost / self.expected

    def __str__(self) -> str:
        return (
            f"{self.threads} thread(s) x {self.increments} increments, {MODES[self.mode]!r}: "
            f"counter = {self.final} (expected {self.expected}, lost {self.lost})"
        )


@validated
def race_counter(
    threads: Workers = 4,
    increments: Count = 200,
    mode: Mode = "pause",
    *,
    timeout: Annotated[float, Seconds(MAX_TIMEOUT_S)] = _DEFAULT_TIMEOUT,
) -> CounterRace:
    """Let ``threads`` threads each add 1 to a shared counter ``increments`` times.

    ``mode`` is ``"plain"`` (``counter += 1``), ``"pause"`` (read, :func:`pause`, write: the
    widened window) or ``"locked"`` (the same, under one shared ``Lock``).
    """
    counter = Counter()
    if mode == "locked":
        lock = threading.Lock()
        run_threads(add_locked, [(counter, increments, lock)] * threads, timeout=timeout)
    else:
        adder = add_plain if mode == "plain" else add_with_pause
        run_threads(adder, [(counter, increments)] * threads, timeout=timeout)
    return CounterRace(mode, threads, increments, counter.value)
