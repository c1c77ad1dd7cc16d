"""Notebook 09: what each mechanism costs. The cost of one small operation of each kind
(:func:`operation_costs`), and the latency and throughput of Queue, Pipe, Manager and shared
memory between two processes by message size (:func:`measure_ipc`, which the course benchmark
``tools/bench.py`` runs too). Plain data; :mod:`.figures` draws it.
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
from .child import Amount, serve_pipe, serve_queue, serve_shared_memory
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


# --- The cost of one operation --------------------------------------------------------------------


@dataclass(frozen=True)
class OperationCost:
    """Median seconds for one operation, measured ``repeats`` times in the notebook's process."""

    name: str
    seconds: float
    repeats: int
    group: str = ""


def _time_op(op: Callable[[], object], repeats: int) -> float:
    """Median of ``repeats`` batches of 20 calls, per call (batches smooth the clock's grain)."""
    batch = 20
    samples = []
    for _ in range(max(1, repeats // batch)):
        started = time.perf_counter()
        for _ in range(batch):
            op()
        samples.append((time.perf_counter() - started) / batch)
    return statistics.median(samples)


@validated
def operation_costs(
    repeats: Annotated[int, Int(1, 100_000)] = 1_000,
    *,
    start_method: StartMethod = None,
    progress: Progress = None,
) -> list[OperationCost]:
    """Time one small operation of each kind, from the cheapest to the dearest mechanism.

    Everything runs in this process, so the numbers are the cost of the mechanism itself:
    a Queue round trip goes through the feeder thread and the pipe and back; a Manager call
    goes to the manager's server process and back.
    """
    context = machine.mp_context(start_method)
    plain: dict[str, int] = {}
    counter = context.Value("i", 0)
    raw = context.RawValue("i", 0)
    array = context.Array("i", 8)
    block = shared_memory.SharedMemory(create=True, size=8)
    left, right = context.Pipe()
    q = context.Queue()
    manager = context.Manager()
    try:
        managed = manager.dict()
        managed_list = manager.list()

        def locked_add() -> None:
            with counter.get_lock():
                counter.value += 1

        def raw_add() -> None:
            raw.value += 1

        def array_set() -> None:
            array[3] = 7

        def shm_set() -> None:
            block.buf[3] = 7

        def pipe_trip() -> None:
            left.send(1)
            right.recv()

        def queue_trip() -> None:
            q.put(1)
            q.get(timeout=10)

        def manager_set() -> None:
            managed["key"] = 1

        def managed_list_append() -> None:
            managed_list.append(1)

        def plain_set() -> None:
            plain["key"] = 1

        few = max(20, repeats // 4)  # each Manager call is a round trip: fewer of them
        ops: list[tuple[str, str, Callable[[], object], int]] = [
            ("dict[key] = 1 (plain dict, one process)", "no sharing", plain_set, repeats),
            ("SharedMemory: buf[i] = 7", "shared memory", shm_set, repeats),
            ("RawValue: value += 1 (no lock)", "shared memory", raw_add, repeats),
            ("Array: a[i] = 7 (with its lock)", "shared memory", array_set, repeats),
            ("Value: value += 1 under get_lock()", "shared memory", locked_add, repeats),
            ("Pipe: send(1) + recv()", "messages", pipe_trip, repeats),
            ("Queue: put(1) + get()", "messages", queue_trip, repeats),
            ("Manager dict: d[key] = 1", "server process", manager_set, few),
            ("Manager list: append(1)", "server process", managed_list_append, few),
        ]
        costs = []
        for step, (name, group, op, times) in enumerate(ops, start=1):
            costs.append(OperationCost(name, _time_op(op, times), times, group))
            if progress is not None:
                progress(step, len(ops))
    finally:
        manager.shutdown()
        close_queue(q)
        left.close()
        right.close()
        block.close()
        block.unlink()
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
