"""Notebook 09: what each mechanism costs between two processes. One small round trip of each
kind, measured the same way (:func:`round_trip_costs`), and the latency and throughput of
Queue, Pipe, Manager and shared memory by message size (:func:`measure_ipc`, which the course
benchmark ``tools/bench.py`` runs too). Plain data; :mod:`.figures` draws it.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing import shared_memory
from multiprocessing.connection import Connection
from typing import Annotated, Any

from ...core import machine
from ...core.domains import Choice, Count, Int, Items, Progress, Seconds, validated
from ...core.lifecycle import stop
from ...core.machine import StartMethod
from .child import (
    PING,
    PONG,
    Amount,
    echo_managed_dict,
    echo_pipe,
    echo_queue,
    echo_shared_memory,
    echo_value,
    serve_pipe,
    serve_queue,
    serve_shared_memory,
    yield_cpu,
)
from .parent import close_queue

#: Mechanisms :func:`measure_ipc` compares, with the words the plots use for them.
MECHANISMS: dict[str, str] = {
    "queue": "multiprocessing.Queue",
    "pipe": "Pipe",
    "manager": "Manager().Queue()",
    "shared_memory": "SharedMemory + Pipe signal",
}
#: Message sizes the explorer offers, in bytes.
MESSAGE_SIZES: tuple[int, ...] = tuple(2**k for k in range(4, 23, 2))  # 16 B … 4 MiB
DEFAULT_SIZES: tuple[int, ...] = (64, 1024, 16 * 1024, 256 * 1024, 1024 * 1024)

_SIZE = Int(1, 64 * 1024 * 1024)

#: A message size in bytes, from 1 byte to 64 MiB.
Size = Annotated[int, _SIZE]
#: Messages per measurement.
Messages = Annotated[int, Int(1, 100_000)]


@validated
def size_label(size: Amount) -> str:
    """``1024`` → ``'1 KiB'``, ``0`` → ``'0 B'``; sizes are powers of two in the plots."""
    for unit, scale in (("MiB", 1024**2), ("KiB", 1024)):
        if size >= scale:
            return f"{size / scale:g} {unit}"
    return f"{size} B"


# --- The cost of one small round trip, mechanism by mechanism -------------------------------------


@dataclass(frozen=True)
class OperationCost:
    """Median seconds for one round trip (a small int to a child process, its answer back),
    over ``repeats`` round trips."""

    name: str
    seconds: float
    repeats: int
    group: str = ""


class _Partner:
    """A child that answers every value the parent hands it, by one mechanism.

    ``trip(n)`` hands over ``n`` and waits, within ``timeout``, for the answer ``n``.
    ``close(clean)`` ends the child (a clean run expects it to have finished on its own) and
    releases every resource, always.
    """

    def __init__(
        self,
        process: Any,
        trip: Callable[[int], None],
        release: Callable[[], None] = lambda: None,
    ) -> None:
        self.process = process
        self.trip = trip
        self._release = release

    def close(self, clean: bool, timeout: float) -> None:
        try:
            stopped = stop([self.process], timeout if clean else 0)
        finally:
            self._release()
        if clean and (not stopped.clean or stopped.exitcodes != (0,)):
            raise RuntimeError(f"the partner ended badly: {stopped}, exit {stopped.exitcodes}")


def _wait_for(read: Callable[[], int], n: int, timeout: float, what: str) -> None:
    """Poll ``read()`` until it gives ``n`` (yielding the CPU between polls), within ``timeout``."""
    deadline = time.monotonic() + timeout
    while read() != n:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: no answer within {timeout:g} s")
        yield_cpu()


def _pipe_partner(context: Any, count: int, timeout: float, _manager: Any) -> _Partner:
    here, there = context.Pipe()
    process = context.Process(target=echo_pipe, args=(there, count, timeout), name="pipe-partner")
    process.start()
    there.close()  # the child has its own copy

    def trip(n: int) -> None:
        here.send(n)
        if not here.poll(timeout):
            raise TimeoutError(f"Pipe: no answer within {timeout:g} s")
        here.recv()

    return _Partner(process, trip, here.close)


def _queue_partner(context: Any, count: int, timeout: float, _manager: Any) -> _Partner:
    inbox, outbox = context.Queue(), context.Queue()
    args = (inbox, outbox, count, timeout)
    process = context.Process(target=echo_queue, args=args, name="queue-partner")
    process.start()

    def trip(n: int) -> None:
        inbox.put(n)
        outbox.get(timeout=timeout)

    def release() -> None:
        for q in (inbox, outbox):
            q.cancel_join_thread()  # after a failure nobody reads: do not wait to flush
            close_queue(q)

    return _Partner(process, trip, release)


def _manager_dict_partner(context: Any, count: int, timeout: float, manager: Any) -> _Partner:
    shared = manager.dict({"ping": 0, "pong": 0})
    args = (shared, count, timeout)
    process = context.Process(target=echo_managed_dict, args=args, name="manager-partner")
    process.start()

    def trip(n: int) -> None:
        shared["ping"] = n
        _wait_for(lambda: shared["pong"], n, timeout, "Manager dict")

    return _Partner(process, trip)


def _value_partner(context: Any, count: int, timeout: float, _manager: Any) -> _Partner:
    ping, pong = context.Value("q", 0), context.Value("q", 0)
    process = context.Process(
        target=echo_value, args=(ping, pong, count, timeout), name="value-partner"
    )
    process.start()

    def trip(n: int) -> None:
        ping.value = n
        _wait_for(lambda: pong.value, n, timeout, "Value")

    return _Partner(process, trip)


def _shared_memory_partner(context: Any, count: int, timeout: float, _manager: Any) -> _Partner:
    block = shared_memory.SharedMemory(create=True, size=16)
    block.buf[:16] = bytes(16)
    args = (block.name, count, timeout)
    process = context.Process(target=echo_shared_memory, args=args, name="shm-partner")
    process.start()

    def trip(n: int) -> None:
        block.buf[PING] = n.to_bytes(8, "little")
        _wait_for(lambda: int.from_bytes(block.buf[PONG], "little"), n, timeout, "SharedMemory")

    def release() -> None:
        block.close()
        block.unlink()

    return _Partner(process, trip, release)


#: The round trips of the cost table: (label, family, how to build the partner), cheapest
#: kind first. Messages wake the receiver up; shared state must be polled.
ROUND_TRIPS: tuple[tuple[str, str, Callable[..., _Partner]], ...] = (
    ("SharedMemory: write, poll for the answer", "shared memory", _shared_memory_partner),
    ("Value (with its lock): set, poll", "shared memory", _value_partner),
    ("Pipe: send, recv", "messages", _pipe_partner),
    ("Queue: put, get", "messages", _queue_partner),
    ("Manager dict: d[k] = n, poll d[k2]", "server process", _manager_dict_partner),
)


@validated
def round_trip_costs(
    repeats: Annotated[int, Int(1, 100_000)] = 1_000,
    *,
    start_method: StartMethod = None,
    progress: Progress = None,
    timeout: Annotated[float, Seconds(600)] = 30.0,
) -> list[OperationCost]:
    """One small round trip per mechanism, all measured the same way: the notebook hands a
    child process an int, the child hands it back; the median of ``repeats`` round trips.

    Each child is started, and has answered once, before the timing starts. With a Pipe or a
    Queue the receiver sleeps until the message arrives; a shared dict or shared memory tells
    nobody that it changed, so both sides poll (yielding the CPU between polls) and the time
    includes the polling. A Manager's round trips are a quarter as many (each poll is itself a
    trip to the server process).
    """
    context = machine.mp_context(start_method)
    costs = []
    with context.Manager() as manager:
        for step, (name, group, build) in enumerate(ROUND_TRIPS, start=1):
            times = max(20, repeats // 4) if group == "server process" else repeats
            partner = build(context, times + 1, timeout, manager)
            clean = False
            try:
                partner.trip(1)  # untimed: the child is up and answering
                trips = []
                for n in range(2, times + 2):
                    started = time.perf_counter()
                    partner.trip(n)
                    trips.append(time.perf_counter() - started)
                clean = True
            finally:
                partner.close(clean, timeout)
            costs.append(OperationCost(name, statistics.median(trips), times, group))
            if progress is not None:
                progress(step, len(ROUND_TRIPS))
    return costs


# --- Throughput and latency by mechanism and message size -----------------------------------------


class _Channel:
    """The parent's end of one mechanism: a child that serves, and how to talk to it."""

    def __init__(self, mechanism: str, context: Any, largest: int, timeout: float) -> None:
        self.mechanism = mechanism
        self.timeout = timeout
        self._queues: list[Any] = []
        self._manager: Any = None
        self._block: shared_memory.SharedMemory | None = None
        self._conn: Connection | None = None
        name = f"{mechanism}-server"
        if mechanism in ("queue", "manager"):
            if mechanism == "queue":
                inbox, outbox = context.Queue(), context.Queue()
                self._queues = [inbox, outbox]
            else:
                self._manager = context.Manager()
                inbox, outbox = self._manager.Queue(), self._manager.Queue()
            args: tuple[Any, ...] = (inbox, outbox, timeout)
            self.process = context.Process(target=serve_queue, args=args, name=name)
            self._put = inbox.put
            self._ack = lambda: outbox.get(timeout=timeout)
            self.send = inbox.put
        else:
            self._conn, child_end = context.Pipe()
            if mechanism == "pipe":
                args = (child_end, timeout)
                self.process = context.Process(target=serve_pipe, args=args, name=name)
                self.send = self._conn.send
            else:
                self._block = shared_memory.SharedMemory(create=True, size=max(1, largest))
                args = (child_end, self._block.name, timeout)
                self.process = context.Process(target=serve_shared_memory, args=args, name=name)
                self.send = self._send_shared
            self._put = self._conn.send
            self._ack = self._recv
        self.process.start()
        if self._conn is not None:
            child_end.close()  # the child has its own copy; ours would hide end-of-file
        # One round trip before any timing, so that no measurement includes the child's start.
        self.command("each", 1)
        self.send(b"")
        self.ack()

    def _recv(self) -> Any:
        assert self._conn is not None
        if not self._conn.poll(self.timeout):
            raise TimeoutError(f"{self.mechanism}: no answer within {self.timeout:g} s")
        return self._conn.recv()

    def _send_shared(self, payload: bytes) -> None:
        assert self._conn is not None and self._block is not None
        size = len(payload)
        self._block.buf[:size] = payload
        self._conn.send_bytes(size.to_bytes(8, "little"))
        if not self._conn.poll(self.timeout):
            raise TimeoutError(f"shared memory: the block was not read within {self.timeout:g} s")
        self._conn.recv_bytes()

    def command(self, mode: str | None, count: int = 0) -> None:
        self._put(None if mode is None else (mode, count))

    def ack(self) -> None:
        self._ack()

    def close(self, clean: bool) -> None:
        """End the child (politely when ``clean``) and release every resource, always.

        After a clean run the child was told to stop, and must have: a server that had to be
        terminated raises ``TimeoutError`` (once everything is released). After a failure the
        child is terminated at once; the failure on its way out is the report.
        """
        try:
            if clean:
                self.command(None)
        finally:
            stopped = stop([self.process], self.timeout if clean else 0)
            for q in self._queues:
                if not clean:
                    q.cancel_join_thread()  # the reader is gone: do not wait to flush
                close_queue(q)
            if self._conn is not None:
                self._conn.close()
            if self._block is not None:
                self._block.close()
                self._block.unlink()
            if self._manager is not None:
                self._manager.shutdown()
        if clean:
            stopped.check(f"the {self.mechanism} server")


@dataclass(frozen=True)
class IpcResult:
    """One mechanism at one message size: round-trip latency and streaming throughput."""

    mechanism: str
    size: int
    count: int
    round_trips: tuple[float, ...]
    stream_seconds: float
    start_method: str

    @property
    def latency(self) -> float:
        """Median round trip in seconds: the message there, a 1-byte answer back."""
        return statistics.median(self.round_trips)

    @property
    def throughput(self) -> float:
        """Bytes per second while streaming ``count`` messages."""
        return self.size * self.count / self.stream_seconds


@validated
def messages_for(size: Count, count: Count, budget_bytes: Count) -> int:
    """``count`` messages, fewer for big ones so that at most ``budget_bytes`` move (at least 3)."""
    return max(3, min(count, budget_bytes // size))


@validated
def measure_ipc(
    mechanisms: Annotated[Sequence[str], Items(Choice(MECHANISMS), what="mechanism")] = tuple(
        MECHANISMS
    ),
    sizes: Annotated[Sequence[int], Items(_SIZE, what="message size")] = DEFAULT_SIZES,
    count: Messages = 100,
    *,
    budget_bytes: Count = 16 * 1024 * 1024,
    start_method: StartMethod = None,
    progress: Progress = None,
    timeout: Annotated[float, Seconds(3600)] = 30.0,
) -> list[IpcResult]:
    """Latency and throughput of each mechanism at each message size, between two processes.

    For each mechanism one child serves every size. Latency: ``count`` round trips (message
    there, 1-byte answer back), median. Throughput: ``count`` messages streamed, one answer at
    the end. Big messages use fewer repetitions (``budget_bytes`` per measurement). Returns
    plain data; :func:`helpers.lessons.ipc.figures.plot_ipc` draws it.
    """
    context = machine.mp_context(start_method)
    method = context.get_start_method()
    results = []
    total = len(mechanisms) * len(sizes)
    for mechanism in mechanisms:
        channel = _Channel(mechanism, context, max(sizes), timeout)
        clean = False
        try:
            for size in sizes:
                n = messages_for(size, count, budget_bytes)
                payload = bytes(size)
                channel.command("each", n)
                trips = []
                for _ in range(n):
                    started = time.perf_counter()
                    channel.send(payload)
                    channel.ack()
                    trips.append(time.perf_counter() - started)
                channel.command("end", n)
                started = time.perf_counter()
                for _ in range(n):
                    channel.send(payload)
                channel.ack()
                stream = time.perf_counter() - started
                results.append(IpcResult(mechanism, size, n, tuple(trips), stream, method))
                if progress is not None:
                    progress(len(results), total)
            clean = True
        finally:
            channel.close(clean)
    return results
