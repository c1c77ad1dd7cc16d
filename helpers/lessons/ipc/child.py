"""What notebook 09's child processes run: producers and consumers, pipe ends, managed and
shared-memory updates, the synchronisation demos, the partners of the round-trip table, the
servers of the IPC measurements, and the fillers that exercise 4's checker injects.

A spawned (or forkserver) child finds its target by importing this module by name, so nothing
here may live in a notebook cell. Every blocking call has a timeout, so a demo that goes wrong
ends instead of hanging.

Child-safe: the standard library and :mod:`helpers.core` only (``tests/course/test_imports.py``
imports it in a fresh interpreter and checks that nothing heavy came along).
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from multiprocessing import shared_memory
from multiprocessing.connection import Connection
from typing import Annotated, Any

from ...core.domains import AnyInt, Bool, Int, Number, Seconds, Text, validated
from ...core.validate import MAX_TIMEOUT_S

#: How long a child waits for its next message before it gives up and exits.
CHILD_TIMEOUT = 30.0
#: A bound on a wait, in a child or in the parent: more than 0, at most a week.
Bound = Annotated[float, Seconds(MAX_TIMEOUT_S)]
#: How long a child holds or works: 0 up to an hour.
Pause = Annotated[float, Number(0, 3600, unit="seconds")]
#: A number of bytes or items, 0 allowed.
Amount = Annotated[int, Int(0)]
#: One byte's value.
Byte = Annotated[int, Int(0, 255)]

_ACK = b"k"

# --- Queues ---------------------------------------------------------------------------------------


@validated
def put_payload(q: Any, size: Amount, put_done: Any = None) -> None:
    """Put one message of ``size`` bytes, then signal ``put_done`` (an Event) and return.

    ``put`` only hands the message to the queue's feeder thread; the process still cannot
    exit until that thread has pushed every byte into the pipe.
    """
    q.put(bytes(size))
    if put_done is not None:
        put_done.set()


@validated
def square_items(tasks: Any, results: Any, timeout: Bound = CHILD_TIMEOUT) -> None:
    """Consume a JoinableQueue until ``None``: put ``x * x`` on ``results``, mark each task done."""
    while True:
        try:
            item = tasks.get(timeout=timeout)
        except queue.Empty:
            return
        try:
            if item is None:
                return
            results.put((item, item * item, os.getpid()))
        finally:
            tasks.task_done()


def put_all(q: Any, items: Iterable[Any]) -> None:
    """Put every item on ``q`` (a SimpleQueue: ``put`` writes straight into the pipe)."""
    for item in items:
        q.put(item)


# --- Pipes ----------------------------------------------------------------------------------------


@validated
def echo(conn: Connection, timeout: Bound = CHILD_TIMEOUT) -> None:
    """Send every message straight back, byte for byte, until an empty message or a timeout.

    Working at the bytes level shows what ``send`` is: ``send(obj)`` pickles ``obj`` and calls
    ``send_bytes``, so echoing the bytes gives the parent's ``recv()`` the object back.
    """
    try:
        while conn.poll(timeout):
            message = conn.recv_bytes()
            if not message:
                return
            conn.send_bytes(message)
    except (EOFError, OSError):
        return
    finally:
        conn.close()


@validated
def count_down(reader: Connection, writer: Connection, start: Amount) -> None:
    """Send ``start, start - 1, …, 1`` on a one-way pipe, then close it.

    ``reader`` is the other end, closed here at once: with ``fork`` the child inherits a copy,
    and an end still open anywhere keeps the other side from ever seeing end-of-file.
    """
    reader.close()
    try:
        for n in range(start, 0, -1):
            writer.send(n)
    finally:
        writer.close()


@validated
def write_messages(
    reader: Connection,
    writer: Connection,
    fill: Byte,
    size: Amount,
    count: Amount,
    start_line: Any,
    guard: Any = None,
    timeout: Bound = CHILD_TIMEOUT,
) -> None:
    """Send ``count`` messages of ``size`` bytes, all equal to ``fill``, on a shared pipe end.

    ``guard`` (a Lock) makes each ``send_bytes`` exclusive. Without it, two writers' large
    messages interleave in the pipe and the reader sees garbage. If the reader gives up and
    closes its end, the writes fail with ``BrokenPipeError``: the demo is over, exit quietly.
    """
    reader.close()  # see count_down: only the parent may hold the reading end
    payload = bytes([fill]) * size
    try:
        _line_up(start_line, timeout)  # all writers start together, or one may finish first
        for _ in range(count):
            if guard is None:
                writer.send_bytes(payload)
            else:
                with guard:
                    writer.send_bytes(payload)
    except (OSError, threading.BrokenBarrierError):
        pass
    finally:
        writer.close()


# --- Managers, Value, Array, shared memory --------------------------------------------------------


@validated
def manager_work(
    counts: Any, log: Any, status: Any, lock: Any, worker: AnyInt, times: Amount
) -> None:
    """Update a managed dict, list and Namespace; every proxy call is a trip to the server."""
    for _ in range(times):
        with lock:  # read-modify-write on the server: two round trips, so it needs the lock
            counts["total"] += 1
    log.append(f"worker {worker} (pid {os.getpid()}) added {times}")
    with lock:
        status.finished += 1


@validated
def add_many(
    counter: Any,
    times: Amount,
    locked: Bool,
    start_line: Any = None,
    timeout: Bound = CHILD_TIMEOUT,
) -> None:
    """``counter.value += 1``, ``times`` times; with ``locked``, under ``counter.get_lock()``.

    ``+=`` on a ``Value`` is a read, then a write: even a ``Value`` with a lock takes it
    separately for each, so another process can write in between and an update is lost.
    ``start_line`` (a Barrier) makes the children start together instead of one after another.
    """
    _line_up(start_line, timeout)
    if locked:
        for _ in range(times):
            with counter.get_lock():
                counter.value += 1
    else:
        for _ in range(times):
            counter.value += 1


@validated
def fill_slice(array: Any, start: Amount, stop: Amount, value: Annotated[float, Number()]) -> None:
    """Write ``value`` into ``array[start:stop]``: each process owns its own slice."""
    for i in range(start, stop):
        array[i] = value


@validated
def fill_shared(name: Text, size: Amount, value: Byte) -> None:
    """Attach to the shared-memory block ``name``, fill its first ``size`` bytes, detach."""
    block = shared_memory.SharedMemory(name=name)
    try:
        block.buf[:size] = bytes([value]) * size
    finally:
        block.close()  # detach only: the creator (the parent) unlinks


@validated
def shared_sum(name: Text, size: Amount) -> int:
    """Sum the first ``size`` bytes of the shared-memory block ``name``."""
    block = shared_memory.SharedMemory(name=name)
    try:
        return sum(block.buf[:size])
    finally:
        block.close()


@validated
def update_shareable(name: Text) -> None:
    """Attach to a ShareableList by name: double the numbers, upper-case the strings."""
    items = shared_memory.ShareableList(name=name)
    try:
        for i, item in enumerate(items):
            if isinstance(item, (int, float)) and not isinstance(item, bool):
                items[i] = item * 2
            elif isinstance(item, str):
                items[i] = item.upper()
    finally:
        items.shm.close()


# --- Synchronisation ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SyncRecord:
    """One child's use of a primitive: when it asked, when it got through, when it was done."""

    index: int
    pid: int
    asked: float
    got: float
    done: float
    ok: bool = True


def _line_up(start_line: Any, timeout: float) -> None:
    """Wait at the start line (a Barrier shared with the parent) so all children begin at once."""
    if start_line is not None:
        start_line.wait(timeout)


@validated
def hold(
    primitive: Any,
    index: AnyInt,
    seconds: Pause,
    out: Any,
    start_line: Any = None,
    timeout: Bound = CHILD_TIMEOUT,
) -> None:
    """Acquire ``primitive`` (a Lock or Semaphore), hold it ``seconds``, release, report.

    ``done`` is read *before* ``release()``: once released, another child may get through
    immediately, and its interval must not seem to overlap ours.
    """
    _line_up(start_line, timeout)
    asked = time.perf_counter()
    ok = primitive.acquire(timeout=timeout)
    got = done = time.perf_counter()
    if ok:
        try:
            time.sleep(seconds)
        finally:
            done = time.perf_counter()
            primitive.release()
    out.put(SyncRecord(index, os.getpid(), asked, got, done, ok))


@validated
def wait_for_event(
    event: Any, index: AnyInt, out: Any, start_line: Any = None, timeout: Bound = CHILD_TIMEOUT
) -> None:
    """Wait for ``event`` (bounded), then report when the wait began and ended."""
    _line_up(start_line, timeout)
    asked = time.perf_counter()
    ok = event.wait(timeout)
    got = time.perf_counter()
    out.put(SyncRecord(index, os.getpid(), asked, got, got, ok))


@validated
def meet_at_barrier(
    barrier: Any, index: AnyInt, delay: Pause, out: Any, timeout: Bound = CHILD_TIMEOUT
) -> None:
    """Work for ``delay`` seconds, then wait at ``barrier`` until every party has arrived."""
    time.sleep(delay)
    asked = time.perf_counter()
    try:
        barrier.wait(timeout)
        ok = True
    except threading.BrokenBarrierError:
        ok = False
    got = time.perf_counter()
    out.put(SyncRecord(index, os.getpid(), asked, got, got, ok))


# --- The servers of the IPC measurements ----------------------------------------------------------


def _serve(
    receive_command: Callable[[], Any],
    receive_message: Callable[[], bytes],
    acknowledge: Callable[[], None],
) -> None:
    """The child's side of every mechanism: run the commands the parent sends.

    A command is ``(mode, count)``: receive ``count`` messages, acknowledging each one
    (``"each"``, to time round trips) or only the last (``"end"``, to time a stream).
    ``None`` ends the session. Every message is copied into this process's memory, as a
    real consumer would.
    """
    while True:
        command = receive_command()
        if command is None:
            return
        mode, count = command
        for _ in range(count):
            message = receive_message()
            if mode == "each":
                acknowledge()
        if mode == "end":
            acknowledge()
        del message


@validated
def serve_queue(inbox: Any, outbox: Any, timeout: Bound = CHILD_TIMEOUT) -> None:
    """Serve on a pair of queues (``multiprocessing.Queue`` or a Manager's queue proxies)."""
    receive = lambda: inbox.get(timeout=timeout)  # noqa: E731 - the same call for both
    _serve(receive, receive, lambda: outbox.put(_ACK))


def _receiver(conn: Connection, timeout: float) -> Callable[[], Any]:
    def receive() -> Any:
        if not conn.poll(timeout):
            raise TimeoutError(f"no message within {timeout:g} s")
        return conn.recv()

    return receive


@validated
def serve_pipe(conn: Connection, timeout: Bound = CHILD_TIMEOUT) -> None:
    """Serve on one end of a duplex Pipe."""
    receive = _receiver(conn, timeout)
    try:
        _serve(receive, receive, lambda: conn.send(_ACK))
    finally:
        conn.close()


@validated
def serve_shared_memory(conn: Connection, name: Text, timeout: Bound = CHILD_TIMEOUT) -> None:
    """Serve with the data in the shared-memory block ``name`` and tiny signals on a Pipe.

    The parent writes a message into the block and sends its length; the child copies the
    bytes out and answers ``b""`` so the parent may reuse the block (one buffer, so the
    writer waits for the reader after every message).
    """
    block = shared_memory.SharedMemory(name=name)
    receive_command = _receiver(conn, timeout)

    def receive_message() -> bytes:
        if not conn.poll(timeout):
            raise TimeoutError(f"no message within {timeout:g} s")
        size = int.from_bytes(conn.recv_bytes(), "little")
        data = bytes(block.buf[:size])
        conn.send_bytes(b"")  # the block is free again
        return data

    try:
        _serve(receive_command, receive_message, lambda: conn.send(_ACK))
    finally:
        block.close()
        conn.close()


# --- Round trips for the cost table: the partner answers each small value -------------------------


def yield_cpu() -> None:
    """Give the CPU away between two polls: on one core the other process must get to run."""
    if hasattr(os, "sched_yield"):
        os.sched_yield()
    else:
        time.sleep(0)


def _echo_polled(
    read: Callable[[], int], write: Callable[[int], None], count: int, timeout: float
) -> None:
    """Wait until the parent's value is ``n`` (polling: nothing tells us it changed), answer
    ``n``, for ``n`` in 1 … ``count``. Give up after ``timeout`` seconds without news."""
    for n in range(1, count + 1):
        deadline = time.monotonic() + timeout
        while read() != n:
            if time.monotonic() > deadline:
                return
            yield_cpu()
        write(n)


@validated
def echo_pipe(conn: Connection, count: Amount, timeout: Bound = CHILD_TIMEOUT) -> None:
    """Send back each of ``count`` small messages received on ``conn``."""
    try:
        for _ in range(count):
            if not conn.poll(timeout):
                return
            conn.send(conn.recv())
    except (EOFError, OSError):
        return
    finally:
        conn.close()


@validated
def echo_queue(inbox: Any, outbox: Any, count: Amount, timeout: Bound = CHILD_TIMEOUT) -> None:
    """Put back on ``outbox`` each of ``count`` items taken from ``inbox``."""
    try:
        for _ in range(count):
            outbox.put(inbox.get(timeout=timeout))
    except queue.Empty:
        return


@validated
def echo_managed_dict(shared: Any, count: Amount, timeout: Bound = CHILD_TIMEOUT) -> None:
    """Answer ``shared["ping"]`` in ``shared["pong"]``: every read and write is a trip to the
    manager's server process."""

    def write(n: int) -> None:
        shared["pong"] = n

    _echo_polled(lambda: shared["ping"], write, count, timeout)


@validated
def echo_value(ping: Any, pong: Any, count: Amount, timeout: Bound = CHILD_TIMEOUT) -> None:
    """Answer ``ping.value`` in ``pong.value`` (two ``Value`` objects, each read and write under
    its lock)."""

    def write(n: int) -> None:
        pong.value = n

    _echo_polled(lambda: ping.value, write, count, timeout)


#: Where the ping and the pong live in the block of :func:`echo_shared_memory`.
PING, PONG = slice(0, 8), slice(8, 16)


@validated
def echo_shared_memory(name: Text, count: Amount, timeout: Bound = CHILD_TIMEOUT) -> None:
    """Answer the ping (bytes 0-7 of the block ``name``) in the pong (bytes 8-15): plain memory,
    no lock, no system call."""
    block = shared_memory.SharedMemory(name=name)

    def write(n: int) -> None:
        block.buf[PONG] = n.to_bytes(8, "little")

    try:
        _echo_polled(lambda: int.from_bytes(block.buf[PING], "little"), write, count, timeout)
    finally:
        block.close()


# --- Exercise 4: a child that fills a block, or fails to ----------------------------------------


@validated
def fill_shared_slowly(name: Text, size: Amount, value: Byte, seconds: Pause = 1.5) -> None:
    """:func:`fill_shared`, after ``seconds`` of other work: the parent must wait for it."""
    time.sleep(seconds)
    fill_shared(name, size, value)


@validated
def fill_half_then_die(name: Text, size: Amount, value: Byte) -> None:
    """Fill the first half of the block, then vanish (``os._exit``): the data is incomplete."""
    fill_shared(name, size // 2, value)
    os._exit(70)


@validated
def fill_too_late(name: Text, size: Amount, value: Byte, seconds: Pause = 60) -> None:
    """Take far longer than any parent will wait (``seconds``), then fill."""
    time.sleep(seconds)
    fill_shared(name, size, value)
