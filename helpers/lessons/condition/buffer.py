"""A bounded buffer: two conditions over one lock (notebook 05).

:class:`BoundedBuffer` is the design of ``queue.Queue`` in a few lines, and
:func:`run_bounded_buffer` pushes items through it with producers and consumers. Every wait is
bounded and every thread started is stopped.
"""

from __future__ import annotations

import queue
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Annotated, Any

from ...core.domains import Count, Millis, Seconds, validated
from ...core.lifecycle import start_thread, stop
from ...core.validate import MAX_TIMEOUT_S
from .classes import MakeCondition


class BoundedBuffer:
    """A first-in first-out buffer of at most ``capacity`` items, for many threads.

    ``put`` waits while the buffer is full, ``get`` while it is empty. Both conditions share
    one lock, so there is one critical section, but two queues of waiters: a put only ever
    wakes a getter, and a get only ever wakes a putter.
    """

    @validated
    def __init__(self, capacity: Count, make_condition: MakeCondition = threading.Condition):
        self.capacity = capacity
        self._items: deque[Any] = deque()
        lock = threading.Lock()
        self.not_full = make_condition(lock)  # producers wait here
        self.not_empty = make_condition(lock)  # consumers wait here
        self.max_fill = 0  # the most items ever held at once
        self.full_waits = 0  # puts that found the buffer full
        self.empty_waits = 0  # gets that found it empty

    def put(self, item: Any, timeout: float | None = None) -> None:
        """Add ``item``, waiting while the buffer is full; ``queue.Full`` if time runs out."""
        with self.not_full:
            if len(self._items) >= self.capacity:
                self.full_waits += 1
            if not self.not_full.wait_for(lambda: len(self._items) < self.capacity, timeout):
                raise queue.Full
            self._items.append(item)
            self.max_fill = max(self.max_fill, len(self._items))
            self.not_empty.notify()  # one item more: one consumer may go on

    def get(self, timeout: float | None = None) -> Any:
        """Remove the oldest item, waiting while empty; ``queue.Empty`` if time runs out."""
        with self.not_empty:
            if not self._items:
                self.empty_waits += 1
            if not self.not_empty.wait_for(lambda: len(self._items) > 0, timeout):
                raise queue.Empty
            item = self._items.popleft()
            self.not_full.notify()  # one slot free: one producer may go on
            return item

    def __len__(self) -> int:
        with self.not_full:
            return len(self._items)


@dataclass(frozen=True)
class BufferRun:
    """Outcome of :func:`run_bounded_buffer`."""

    capacity: int
    delivered: tuple[int, ...]  # every item the consumers got, sorted
    max_fill: int
    full_waits: int
    empty_waits: int


@validated
def run_bounded_buffer(
    producers: Count = 2,
    consumers: Count = 2,
    items: Count = 40,
    capacity: Count = 3,
    *,
    consume_ms: Annotated[float, Millis(0, 1_000)] = 1.0,
    make_condition: MakeCondition = threading.Condition,
    timeout: Annotated[float, Seconds(MAX_TIMEOUT_S)] = 5.0,
) -> BufferRun:
    """Producers put ``items`` numbered items through a :class:`BoundedBuffer`; consumers take
    them until each receives a ``None`` sentinel. Consumers are a little slower
    (``consume_ms`` per item), so the buffer fills up and producers have to wait;
    ``consume_ms=0`` makes them as fast as they can be.
    """
    buffer = BoundedBuffer(capacity, make_condition)
    delivered: list[int] = []
    delivered_lock = threading.Lock()

    def produce(p: int) -> None:
        for item in range(p, items, producers):  # producer p sends p, p + P, p + 2P, ...
            buffer.put(item, timeout)

    def consume() -> None:
        while (item := buffer.get(timeout)) is not None:  # None: no more items
            time.sleep(consume_ms / 1e3)
            with delivered_lock:
                delivered.append(item)

    making = [start_thread(lambda p=p: produce(p), f"producer-{p}") for p in range(producers)]
    taking = [start_thread(consume, f"consumer-{c}") for c in range(consumers)]
    stop(making, min(timeout + items * consume_ms / 1e3 + 1, MAX_TIMEOUT_S)).check("producers")
    for _ in taking:
        buffer.put(None, timeout)  # one sentinel per consumer
    stop(taking, min(timeout + 1, MAX_TIMEOUT_S)).check("consumers")
    return BufferRun(
        capacity, tuple(sorted(delivered)), buffer.max_fill, buffer.full_waits, buffer.empty_waits
    )
