"""Notebook 09 (inter-process communication): what children run, and the IPC measurements.

Two halves:

* **Run in a child.** Module-level functions that a ``Process`` can find under every start
  method (a spawned child imports this module by name). Every blocking call in them has a
  timeout, so a demo that goes wrong ends instead of hanging.
* **Run in the parent.** Measurements that return plain data: the cost of one operation per
  mechanism, and the throughput and latency of Queue, Pipe, Manager and shared memory by
  message size (:func:`measure_ipc`, reused by the course benchmark), plus the figures.

Kept import-light: matplotlib is imported only inside the drawing functions.
"""

from __future__ import annotations

import os
import queue
import statistics
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from multiprocessing import shared_memory
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...core import machine
from ...core.lifecycle import stop
from ...core.timing import Progress
from ...core.validate import (
    MAX_TIMEOUT_S,
    validate_callable,
    validate_choice,
    validate_flag,
    validate_has,
    validate_instance,
    validate_items,
    validate_non_negative_int,
    validate_positive_int,
    validate_seconds,
    validate_timeout,
)
from ...draw.plots import plain_log_ticks

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: How long a child waits for its next message before it gives up and exits.
CHILD_TIMEOUT = 30.0

# --------------------------------------------------------------------------------------------
# Run in a child process: queues
# --------------------------------------------------------------------------------------------


def put_payload(q: Any, size: int, put_done: Any = None) -> None:
    """Put one message of ``size`` bytes, then signal ``put_done`` (an Event) and return.

    ``put`` only hands the message to the queue's feeder thread; the process still cannot
    exit until that thread has pushed every byte into the pipe.
    """
    q.put(bytes(size))
    if put_done is not None:
        put_done.set()


def square_items(tasks: Any, results: Any, timeout: float = CHILD_TIMEOUT) -> None:
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


# --------------------------------------------------------------------------------------------
# Run in a child process: pipes
# --------------------------------------------------------------------------------------------


def echo(conn: Connection, timeout: float = CHILD_TIMEOUT) -> None:
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


def count_down(reader: Connection, writer: Connection, start: int) -> None:
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


def write_messages(
    reader: Connection,
    writer: Connection,
    fill: int,
    size: int,
    count: int,
    start_line: Any,
    guard: Any = None,
    timeout: float = CHILD_TIMEOUT,
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


# --------------------------------------------------------------------------------------------
# Run in a child process: managers, Value, Array, shared memory
# --------------------------------------------------------------------------------------------


def manager_work(counts: Any, log: Any, status: Any, lock: Any, worker: int, times: int) -> None:
    """Update a managed dict, list and Namespace; every proxy call is a trip to the server."""
    for _ in range(times):
        with lock:  # read-modify-write on the server: two round trips, so it needs the lock
            counts["total"] += 1
    log.append(f"worker {worker} (pid {os.getpid()}) added {times}")
    with lock:
        status.finished += 1


def add_many(
    counter: Any, times: int, locked: bool, start_line: Any = None, timeout: float = CHILD_TIMEOUT
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


def fill_slice(array: Any, start: int, stop: int, value: float) -> None:
    """Write ``value`` into ``array[start:stop]``: each process owns its own slice."""
    for i in range(start, stop):
        array[i] = value


def fill_shared(name: str, size: int, value: int) -> None:
    """Attach to the shared-memory block ``name``, fill its first ``size`` bytes, detach."""
    block = shared_memory.SharedMemory(name=name)
    try:
        block.buf[:size] = bytes([value]) * size
    finally:
        block.close()  # detach only: the creator (the parent) unlinks


def shared_sum(name: str, size: int) -> int:
    """Sum the first ``size`` bytes of the shared-memory block ``name``."""
    block = shared_memory.SharedMemory(name=name)
    try:
        return sum(block.buf[:size])
    finally:
        block.close()


def update_shareable(name: str) -> None:
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


# --------------------------------------------------------------------------------------------
# Run in a child process: synchronisation
# --------------------------------------------------------------------------------------------


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


def hold(
    primitive: Any,
    index: int,
    seconds: float,
    out: Any,
    start_line: Any = None,
    timeout: float = CHILD_TIMEOUT,
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


def wait_for_event(
    event: Any, index: int, out: Any, start_line: Any = None, timeout: float = CHILD_TIMEOUT
) -> None:
    """Wait for ``event`` (bounded), then report when the wait began and ended."""
    _line_up(start_line, timeout)
    asked = time.perf_counter()
    ok = event.wait(timeout)
    got = time.perf_counter()
    out.put(SyncRecord(index, os.getpid(), asked, got, got, ok))


def meet_at_barrier(
    barrier: Any, index: int, delay: float, out: Any, timeout: float = CHILD_TIMEOUT
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


# --------------------------------------------------------------------------------------------
# Parent side: bounded waiting and cleanup
# --------------------------------------------------------------------------------------------


def collect(q: Any, count: int, timeout: float = 30.0) -> list[Any]:
    """Take ``count`` items from ``q``, waiting at most ``timeout`` seconds in total.

    ``count=0`` takes nothing and returns ``[]`` at once.
    """
    validate_has(q, "q", ("get",), "a queue")
    validate_non_negative_int(count, "count")
    validate_seconds(timeout, "timeout", maximum=MAX_TIMEOUT_S)
    deadline = time.monotonic() + timeout
    items = []
    for _ in range(count):
        items.append(q.get(timeout=max(0.01, deadline - time.monotonic())))
    return items


def join_all(processes: Sequence[Any], timeout: float = 30.0) -> list[int | None]:
    """Join every process within ``timeout`` seconds in total; stop any still running.

    Returns the exit codes. A process that had to be stopped shows a negative one (a signal).
    ``timeout=0`` does not wait: whatever is still running is stopped at once.
    """
    processes = validate_items(processes, "processes")
    for process in processes:
        validate_instance(process, "processes", BaseProcess)
    validate_timeout(timeout)
    deadline = time.monotonic() + timeout
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
    stop(processes, 0)
    return [process.exitcode for process in processes]


def close_queue(q: Any) -> None:
    """Close a multiprocessing Queue and wait for its feeder thread (bounded by its pipe).

    Call it once nothing will be put any more and what was put has been read: the feeder
    thread then has nothing left to write and exits at once.
    """
    validate_has(q, "q", ("close", "join_thread"), "a multiprocessing Queue")
    q.close()
    q.join_thread()


def join_within(q: Any, timeout: float = 30.0) -> bool:
    """``JoinableQueue.join()`` has no timeout; wait for it in a helper thread, at most ``timeout``.

    Returns True when every task was marked done in time.
    """
    validate_has(q, "q", ("join",), "a JoinableQueue")
    validate_seconds(timeout, "timeout", maximum=MAX_TIMEOUT_S)
    waiter = threading.Thread(target=q.join, name="joinable-queue-join", daemon=True)
    waiter.start()
    waiter.join(timeout)
    return not waiter.is_alive()


def thread_names() -> list[str]:
    """Names of the threads running in this process now."""
    return [thread.name for thread in threading.enumerate()]


def semaphore_files() -> list[str]:
    """Named POSIX semaphores of multiprocessing in /dev/shm (Linux; empty elsewhere)."""
    folder = Path("/dev/shm")
    try:
        return sorted(entry.name for entry in folder.iterdir() if entry.name.startswith("sem."))
    except OSError:
        return []


@dataclass(frozen=True)
class _Bar:
    """A :class:`SyncRecord` as :func:`helpers.timeline.draw_rows` draws it."""

    index: int
    start: float
    end: float
    running: tuple[tuple[float, float], ...]

    @property
    def duration(self) -> float:
        return self.end - self.start


def plot_sync(
    panels: dict[str, Sequence[SyncRecord]], marks: dict[str, float] | None = None
) -> Figure:
    """One timeline per primitive: a row per child, faded while it waits, solid once through.

    ``marks`` puts a vertical line in a panel (e.g. when the parent set an Event).
    """
    from ...draw.plots import finish, new_figure
    from ...draw.timeline import draw_rows

    if not panels:
        raise ValueError("panels must name at least one primitive")
    rows = max(len(records) for records in panels.values())
    fig, axes = new_figure(ncols=2, nrows=(len(panels) + 1) // 2, height=1.2 + 0.4 * rows)
    fig.set_size_inches(12.5, fig.get_size_inches()[1])
    for ax, (title, records) in zip(axes, panels.items(), strict=False):
        t0 = min(r.asked for r in records)
        span = max(r.done for r in records) - t0
        tick = max(span * 0.015, 1e-4)  # a visible mark where a wait ended
        bars = [
            (
                f"child {r.index}",
                [
                    _Bar(
                        r.index,
                        r.asked,
                        max(r.done, r.got + tick),
                        ((r.got, max(r.done, r.got + tick)),),
                    )
                ],
            )
            for r in sorted(records, key=lambda r: r.index)
        ]
        draw_rows(ax, bars, t0, legend=("through: holding it, or released", "waiting"))
        if marks and title in marks:
            ax.axvline((marks[title] - t0) * 1e3, color="#000000", linewidth=1, linestyle="--")
        finish(ax, xlabel="time (ms)", ylabel="", title=title)
        ax.grid(False, axis="y")
    for ax in axes[len(panels) :]:
        ax.set_visible(False)
    return fig


# --------------------------------------------------------------------------------------------
# Parent side: one pipe end shared by two writers
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SharingResult:
    """What the reader saw when several processes wrote to one end of a pipe."""

    writers: int
    sent: int
    intact: int
    corrupted: int
    error: str | None
    guarded: bool


def share_one_pipe_end(
    writers: int = 2,
    messages: int = 40,
    size: int = 256 * 1024,
    *,
    guarded: bool = False,
    start_method: str | None = None,
    timeout: float = 30.0,
) -> SharingResult:
    """Several processes send on the same pipe end at once; count what arrives intact.

    A message larger than the pipe's buffer (64 KiB on Linux) is written in pieces, and the
    pieces of two writers interleave. With ``guarded``, a Lock makes each send exclusive.
    """
    validate_positive_int(writers, "writers")
    validate_positive_int(messages, "messages")
    validate_size(size)
    if writers > 8:
        raise ValueError(f"writers must be <= 8; got {writers}")
    validate_flag(guarded, "guarded")
    validate_seconds(timeout, "timeout", maximum=MAX_TIMEOUT_S)
    context = machine.mp_context(start_method)
    reader, writer = context.Pipe(duplex=False)
    start_line = context.Barrier(writers + 1)  # the writers and this process
    guard = context.Lock() if guarded else None
    children = [
        context.Process(
            target=write_messages,
            args=(reader, writer, 65 + i, size, messages, start_line, guard, timeout),
        )
        for i in range(writers)
    ]
    intact = corrupted = 0
    error = None
    try:
        for child in children:
            child.start()
        writer.close()  # only the children write; now end-of-file comes when they are done
        start_line.wait(timeout)
        while reader.poll(timeout):
            # maxlength: a garbled length header must not make us wait for a gigabyte
            message = reader.recv_bytes(maxlength=size)
            if len(message) == size and message.count(message[:1]) == size:
                intact += 1
            else:
                corrupted += 1
    except EOFError:
        pass  # every writer closed its end: the normal way the stream ends
    except (OSError, threading.BrokenBarrierError) as problem:
        error = f"{type(problem).__name__}: {problem}"
    finally:
        reader.close()  # unblocks writers still sending: they get BrokenPipeError and exit
        writer.close()
        join_all(children, timeout)
    return SharingResult(writers, writers * messages, intact, corrupted, error, guarded)


# --------------------------------------------------------------------------------------------
# Parent side: the cost of one operation
# --------------------------------------------------------------------------------------------


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


def operation_costs(
    repeats: int = 1_000,
    *,
    start_method: str | None = None,
    progress: Progress | None = None,
) -> list[OperationCost]:
    """Time one small operation of each kind, from the cheapest to the dearest mechanism.

    Everything runs in this process, so the numbers are the cost of the mechanism itself:
    a Queue round trip goes through the feeder thread and the pipe and back; a Manager call
    goes to the manager's server process and back.
    """
    validate_positive_int(repeats, "repeats")
    if repeats > 100_000:
        raise ValueError(f"repeats must be <= 100000; got {repeats}")
    validate_callable(progress, "progress", optional=True)
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


def plot_operation_costs(costs: Sequence[OperationCost]) -> Figure:
    """One horizontal bar per operation, on a log scale (the costs span orders of magnitude)."""
    from ...draw.plots import colour, finish, new_figure

    if not costs:
        raise ValueError("costs must not be empty")
    fig, (ax,) = new_figure(width=8.0, height=0.45 * len(costs) + 1.2)
    names = [c.name for c in costs]
    values = [c.seconds * 1e6 for c in costs]
    groups = list(dict.fromkeys(c.group for c in costs))
    for i, group in enumerate(groups):
        mine = [(c.name, c.seconds * 1e6) for c in costs if c.group == group]
        ax.barh([n for n, _ in mine], [v for _, v in mine], color=colour(i), label=group or None)
    for y, value in enumerate(values):
        ax.text(value, y, f" {value:.2g} µs", va="center", fontsize=8)
    if len(groups) > 1:
        ax.legend(fontsize=8, loc="upper right")  # the cheap operations on top leave room
    ax.set_yticks(range(len(names)), names)
    ax.set_xscale("log")
    ax.set_xlim(min(values) / 2, max(values) * 6)
    plain_log_ticks(ax.xaxis)
    ax.invert_yaxis()  # cheapest on top
    finish(
        ax,
        xlabel="time for one operation (µs, log scale)",
        ylabel="",
        title="One small operation, median, measured in this notebook's process",
    )
    ax.grid(False, axis="y")
    return fig


# --------------------------------------------------------------------------------------------
# Throughput and latency by mechanism and message size
# --------------------------------------------------------------------------------------------

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

_ACK = b"k"
_EXPLORER_BUDGET = 256 * 1024 * 1024  # bytes per measurement, whatever the sliders say
_MAX_SIZE = 64 * 1024 * 1024


def size_label(size: int) -> str:
    """``1024`` → ``'1 KiB'``, ``0`` → ``'0 B'``; sizes are powers of two in the plots."""
    validate_non_negative_int(size, "size")
    for unit, scale in (("MiB", 1024**2), ("KiB", 1024)):
        if size >= scale:
            return f"{size / scale:g} {unit}"
    return f"{size} B"


def validate_mechanism(mechanism: object, argument: str = "mechanism") -> str:
    """Return ``mechanism`` if it is one of :data:`MECHANISMS`, else raise naming them."""
    validate_choice(mechanism, argument, MECHANISMS)
    assert isinstance(mechanism, str)
    return mechanism


def validate_size(size: object, argument: str = "size") -> int:
    """Return ``size`` if it is a message size in bytes, from 1 to 64 MiB."""
    validate_positive_int(size, argument)
    assert isinstance(size, int)
    if size > _MAX_SIZE:
        raise ValueError(f"{argument} must be <= {_MAX_SIZE} bytes (64 MiB); got {size}")
    return size


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


def serve_queue(inbox: Any, outbox: Any, timeout: float = CHILD_TIMEOUT) -> None:
    """Serve on a pair of queues (``multiprocessing.Queue`` or a Manager's queue proxies)."""
    receive = lambda: inbox.get(timeout=timeout)  # noqa: E731 - the same call for both
    _serve(receive, receive, lambda: outbox.put(_ACK))


def _receiver(conn: Connection, timeout: float) -> Callable[[], Any]:
    def receive() -> Any:
        if not conn.poll(timeout):
            raise TimeoutError(f"no message within {timeout:g} s")
        return conn.recv()

    return receive


def serve_pipe(conn: Connection, timeout: float = CHILD_TIMEOUT) -> None:
    """Serve on one end of a duplex Pipe."""
    receive = _receiver(conn, timeout)
    try:
        _serve(receive, receive, lambda: conn.send(_ACK))
    finally:
        conn.close()


def serve_shared_memory(conn: Connection, name: str, timeout: float = CHILD_TIMEOUT) -> None:
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


class _Channel:
    """The parent's end of one mechanism: a child that serves, and how to talk to it."""

    def __init__(self, mechanism: str, context: Any, largest: int, timeout: float) -> None:
        self.mechanism = mechanism
        self.timeout = timeout
        self._queues: list[Any] = []
        self._manager: Any = None
        self._block: shared_memory.SharedMemory | None = None
        self._conn: Connection | None = None
        if mechanism in ("queue", "manager"):
            if mechanism == "queue":
                inbox, outbox = context.Queue(), context.Queue()
                self._queues = [inbox, outbox]
            else:
                self._manager = context.Manager()
                inbox, outbox = self._manager.Queue(), self._manager.Queue()
            self.process = context.Process(target=serve_queue, args=(inbox, outbox, timeout))
            self._put = inbox.put
            self._ack = lambda: outbox.get(timeout=timeout)
            self.send = inbox.put
        else:
            self._conn, child_end = context.Pipe()
            if mechanism == "pipe":
                args: tuple[Any, ...] = (child_end, timeout)
                self.process = context.Process(target=serve_pipe, args=args)
                self.send = self._conn.send
            else:
                self._block = shared_memory.SharedMemory(create=True, size=max(1, largest))
                args = (child_end, self._block.name, timeout)
                self.process = context.Process(target=serve_shared_memory, args=args)
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
        """End the child (politely when ``clean``) and release every resource, always."""
        try:
            if clean:
                self.command(None)
                self.process.join(self.timeout)
        finally:
            stop([self.process], 0)
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


def messages_for(size: int, count: int, budget_bytes: int) -> int:
    """``count`` messages, fewer for big ones so that at most ``budget_bytes`` move (at least 3)."""
    validate_positive_int(size, "size")
    validate_positive_int(count, "count")
    validate_positive_int(budget_bytes, "budget_bytes")
    return max(3, min(count, budget_bytes // size))


def measure_ipc(
    mechanisms: Sequence[str] = tuple(MECHANISMS),
    sizes: Sequence[int] = DEFAULT_SIZES,
    count: int = 100,
    *,
    budget_bytes: int = 16 * 1024 * 1024,
    start_method: str | None = None,
    progress: Progress | None = None,
    timeout: float = 30.0,
) -> list[IpcResult]:
    """Latency and throughput of each mechanism at each message size, between two processes.

    For each mechanism one child serves every size. Latency: ``count`` round trips (message
    there, 1-byte answer back), median. Throughput: ``count`` messages streamed, one answer at
    the end. Big messages use fewer repetitions (``budget_bytes`` per measurement). Returns
    plain data; :func:`plot_ipc` draws it.
    """
    chosen = [validate_mechanism(m, "mechanisms") for m in validate_items(mechanisms, "mechanisms")]
    if not chosen:
        raise ValueError("mechanisms must name at least one mechanism")
    sizes = [validate_size(s, "sizes") for s in validate_items(sizes, "sizes")]
    if not sizes:
        raise ValueError("sizes must list at least one message size")
    validate_positive_int(count, "count")
    if count > 100_000:
        raise ValueError(f"count must be <= 100000; got {count}")
    validate_positive_int(budget_bytes, "budget_bytes")
    validate_seconds(timeout, "timeout", maximum=3600)
    machine.validate_start_method(start_method, optional=True)
    validate_callable(progress, "progress", optional=True)
    context = machine.mp_context(start_method)
    method = context.get_start_method()
    results = []
    total = len(chosen) * len(sizes)
    for mechanism in chosen:
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


def plot_ipc(results: Sequence[IpcResult]) -> Figure:
    """The headline plot: throughput (left) and latency (right) against message size."""
    from ...draw.plots import MARKERS, colour, finish, new_figure

    if not results:
        raise ValueError("results must not be empty")
    fig, (left, right) = new_figure(ncols=2, width=6.2, height=3.8)
    mechanisms = list(dict.fromkeys(r.mechanism for r in results))
    for i, mechanism in enumerate(mechanisms):
        mine = sorted((r for r in results if r.mechanism == mechanism), key=lambda r: r.size)
        style = {"marker": MARKERS[i], "color": colour(i), "label": MECHANISMS[mechanism]}
        left.plot([r.size for r in mine], [r.throughput / 1e6 for r in mine], **style)
        right.plot([r.size for r in mine], [r.latency * 1e6 for r in mine], **style)
    sizes = sorted({r.size for r in results})
    for ax in (left, right):
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xticks(sizes, [size_label(s) for s in sizes], rotation=30)
        plain_log_ticks(ax.yaxis)
    left.legend(fontsize=8, loc="upper left")
    method = results[0].start_method
    finish(
        left,
        xlabel="message size",
        ylabel="throughput (MB/s, log scale)",
        title="Throughput: messages streamed one way",
    )
    finish(
        right,
        xlabel="message size",
        ylabel="round trip (µs, log scale)",
        title="Latency: message there, 1-byte answer back (median)",
    )
    fig.suptitle(f"Between two processes on this machine (start method: {method})", fontsize=11)
    return fig


def explore_ipc(
    size: int = 64 * 1024,
    count: int = 100,
    mechanism: str = "all",
    *,
    start_method: str | None = None,
    progress: Progress | None = None,
) -> tuple[Figure, list[IpcResult]]:
    """The explorer's compute: one message size, ``count`` messages, one or all mechanisms.

    Left: every round trip as a box plot (the spread matters as much as the median).
    Right: streaming throughput.
    """
    from ...draw.plots import colour, finish, new_figure

    validate_size(size)
    validate_positive_int(count, "count")
    validate_choice(mechanism, "mechanism", ["all", *MECHANISMS])
    chosen = list(MECHANISMS) if mechanism == "all" else [mechanism]
    results = measure_ipc(
        chosen,
        [size],
        count,
        budget_bytes=min(size * count, _EXPLORER_BUDGET),
        start_method=start_method,
        progress=progress,
    )
    fig, (left, right) = new_figure(ncols=2, width=6.2, height=3.6)
    labels = [MECHANISMS[r.mechanism].replace(" + ", "\n+ ") for r in results]
    boxes = left.boxplot(
        [[t * 1e6 for t in r.round_trips] for r in results],
        showfliers=True,
        patch_artist=True,
        widths=0.6,
    )
    for i, box in enumerate(boxes["boxes"]):
        box.set(facecolor=colour(list(MECHANISMS).index(results[i].mechanism)), alpha=0.6)
    left.set_xticks(range(1, len(results) + 1), labels, fontsize=8)
    left.set_yscale("log")
    plain_log_ticks(left.yaxis)
    finish(
        left, xlabel="", ylabel="round trip (µs, log scale)", title="Latency of every round trip"
    )
    bars = right.bar(
        labels,
        [r.throughput / 1e6 for r in results],
        color=[colour(list(MECHANISMS).index(r.mechanism)) for r in results],
    )
    right.bar_label(bars, labels=[f"{r.throughput / 1e6:,.0f}" for r in results], fontsize=8)
    right.tick_params(axis="x", labelsize=8)
    finish(right, xlabel="", ylabel="throughput (MB/s)", title="Throughput, streaming")
    right.set_ylim(0, max(r.throughput for r in results) / 1e6 * 1.2)
    fig.suptitle(
        f"{results[0].count} messages of {size_label(size)} "
        f"(start method: {results[0].start_method})",
        fontsize=11,
    )
    return fig, results


def ipc_explorer(size: int = 64 * 1024, count: int = 100) -> Any:
    """Sliders and dropdowns over :func:`explore_ipc` (imports ipywidgets only when called).

    ``size`` must be one of :data:`MESSAGE_SIZES` (the dropdown's values); a ``count`` outside
    the slider's range is moved to its nearest end.
    """
    from ...draw.widgets import Explorer, dropdown, int_slider

    validate_choice(size, "size", MESSAGE_SIZES)
    validate_positive_int(count, "count")

    controls = {
        "size": dropdown("Message size", {str(s): size_label(s) for s in MESSAGE_SIZES}, str(size)),
        "count": int_slider("Messages", count, 10, 1_000, step=10),
        "mechanism": dropdown("Mechanism", {"all": "all four", **MECHANISMS}, "all"),
        "start_method": dropdown(
            "Start method",
            {m: m for m in machine.available_start_methods()},
            machine.start_method(),
        ),
    }

    def compute(size: str, **values: Any) -> tuple[Figure, list[IpcResult]]:
        return explore_ipc(size=int(size), **values)

    return Explorer(compute, controls, title="IPC explorer: message size, count, mechanism")
