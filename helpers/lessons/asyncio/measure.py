"""Threads and tasks side by side: N concurrent waits, their wall time, memory and start-up cost.

One *unit* is one concurrent wait: a thread that sleeps or waits for a socket reply, or an
asyncio task that does the same with ``await``. Each measurement runs twice:

* a **timed run**: wall time from the first unit created to the last one finished, and the
  start-up cost per unit (time until every unit is waiting, divided by N);
* a **memory run**: every unit stops at a gate once it is waiting, so all N are alive at the
  same moment; then the memory they hold is read, per unit, two ways: ``tracemalloc`` (the
  Python objects: frames, tasks, thread objects, locks, sockets) and the resident set size
  (RSS: what the operating system gives the process, thread stacks included).

The socket server runs in its own process (:mod:`server`), so its memory and its sockets are
not counted. Threads are only started up to :func:`limits.thread_limit`, a bound derived from this
machine's facts; tasks go up to 10,000.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import socket
import threading
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from ...core.domains import Choice, Int, Millis, Progress, validated
from ...core.lifecycle import stop
from ...core.progress import step_counter
from . import child, limits, runner
from .limits import MAX_TASKS, ThreadLimit
from .server import local_server

#: The kinds of wait a unit can do, with the words the explorer uses.
WAITS: dict[str, str] = {
    "sleep": "a plain sleep",
    "socket": "a reply from a local server",
}
Wait = Annotated[str, Choice(WAITS)]

#: The most tasks one run starts.

Units = Annotated[int, Int(1, MAX_TASKS)]
WaitMs = Annotated[float, Millis(1, 1_000)]
#: How long any one wait inside a measurement may take before the run is abandoned.
BOUND_S = 60.0

# --- Memory of this process -------------------------------------------------------------------


def rss_bytes() -> int | None:
    """The resident set size of this process now, or None where it cannot be read."""
    statm = Path("/proc/self/statm")
    if statm.exists():
        with contextlib.suppress(OSError, ValueError, IndexError):
            return int(statm.read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    try:
        import psutil  # optional: macOS and Windows
    except ImportError:
        return None
    return int(psutil.Process().memory_info().rss)


# --- One run of N units -----------------------------------------------------------------------


@dataclass
class _Arrivals:
    """Counts units as they start waiting; notes the moment the last one does."""

    expected: int
    count: int = 0
    last: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)
    all_in: threading.Event = field(default_factory=threading.Event)

    def arrive(self) -> None:
        with self.lock:
            self.count += 1
            if self.count == self.expected:
                self.last = time.perf_counter()
                self.all_in.set()


@dataclass(frozen=True)
class UnitRun:
    """N units of one kind (threads or tasks) doing one kind of wait: what it cost."""

    mode: str  # "threads" or "tasks"
    wait: str
    units: int
    wait_ms: float
    wall_s: float
    startup_s: float  # per unit
    traced_bytes: float  # per unit, tracemalloc
    rss_bytes: float | None  # per unit, resident set size; None where unknown
    completed: int  # units whose wait ended as it should

    @property
    def startup_us(self) -> float:
        return self.startup_s * 1e6


@dataclass(frozen=True)
class _Raw:
    wall_s: float
    startup_s: float
    completed: int
    traced: float = 0.0
    rss: float | None = None


class _Memory:
    """Python memory (tracemalloc) and RSS, read before the units start and while they wait."""

    def __init__(self) -> None:
        gc.collect()
        self.ours = not tracemalloc.is_tracing()
        if self.ours:
            tracemalloc.start()
        self.traced0 = tracemalloc.get_traced_memory()[0]
        self.rss0 = rss_bytes()
        self.traced = 0
        self.rss: int | None = None

    def read(self) -> None:
        self.traced = tracemalloc.get_traced_memory()[0] - self.traced0
        rss = rss_bytes()
        self.rss = None if rss is None or self.rss0 is None else rss - self.rss0

    def close(self) -> None:
        if self.ours:
            tracemalloc.stop()


def _read_reply(sock: socket.socket) -> bytes:
    data = b""
    while not data.endswith(b"\n"):
        piece = sock.recv(64)
        if not piece:
            break
        data += piece
    return data


def _run_threads(wait: str, units: int, wait_s: float, port: int, gated: bool) -> _Raw:
    arrivals = _Arrivals(units)
    gate = threading.Event()
    if not gated:
        gate.set()
    done = [False] * units

    def body(i: int) -> None:
        arrived = False
        try:
            if wait == "sleep":
                arrivals.arrive()
                arrived = True
                gate.wait(BOUND_S)
                time.sleep(wait_s)
                done[i] = True
            else:
                with socket.create_connection((child.HOST, port), timeout=BOUND_S) as sock:
                    sock.sendall(child.REQUEST)
                    arrivals.arrive()
                    arrived = True
                    gate.wait(BOUND_S)
                    done[i] = _read_reply(sock) == child.REPLY
        except OSError:
            pass
        finally:
            if not arrived:
                arrivals.arrive()

    memory = _Memory() if gated else None
    threads = [
        threading.Thread(target=body, args=(i,), name=f"lab-unit-{i}", daemon=True)
        for i in range(units)
    ]
    t0 = time.perf_counter()
    try:
        for thread in threads:
            thread.start()
        arrivals.all_in.wait(BOUND_S)
        if memory is not None:
            memory.read()
    finally:
        gate.set()
        stopped = stop(threads, BOUND_S)
        if memory is not None:
            memory.close()
    wall = time.perf_counter() - t0
    stopped.check("unit threads")
    return _Raw(
        wall,
        (arrivals.last - t0) / units,
        sum(done),
        memory.traced / units if memory else 0.0,
        None if memory is None or memory.rss is None else memory.rss / units,
    )


async def _run_tasks(wait: str, units: int, wait_s: float, port: int, gated: bool) -> _Raw:
    arrivals = _Arrivals(units)
    all_in = asyncio.Event()
    gate = asyncio.Event()
    if not gated:
        gate.set()

    def arrive() -> None:
        arrivals.arrive()
        if arrivals.count == units:
            all_in.set()

    async def body() -> bool:
        if wait == "sleep":
            arrive()
            await gate.wait()
            await asyncio.sleep(wait_s)
            return True
        try:
            reader, writer = await asyncio.open_connection(child.HOST, port)
        except OSError:
            arrive()
            return False
        try:
            writer.write(child.REQUEST)
            await writer.drain()
            arrive()
            await gate.wait()
            return await reader.readline() == child.REPLY
        finally:
            writer.close()

    memory = _Memory() if gated else None
    t0 = time.perf_counter()
    tasks = [asyncio.create_task(body()) for _ in range(units)]
    try:
        await asyncio.wait_for(all_in.wait(), BOUND_S)
        if memory is not None:
            memory.read()
        gate.set()
        results = await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), BOUND_S)
    finally:
        for task in tasks:
            task.cancel()
        if memory is not None:
            memory.close()
    wall = time.perf_counter() - t0
    return _Raw(
        wall,
        (arrivals.last - t0) / units,
        sum(r is True for r in results),
        memory.traced / units if memory else 0.0,
        None if memory is None or memory.rss is None else memory.rss / units,
    )


def _unit_run(mode: str, wait: str, units: int, wait_ms: float, timed: _Raw, mem: _Raw) -> UnitRun:
    return UnitRun(
        mode,
        wait,
        units,
        wait_ms,
        timed.wall_s,
        timed.startup_s,
        mem.traced,
        mem.rss,
        min(timed.completed, mem.completed),
    )


@dataclass(frozen=True)
class Comparison:
    """The same N waits as threads and as tasks. ``threads`` is None above the limit."""

    units: int
    wait: str
    wait_ms: float
    tasks: UnitRun
    threads: UnitRun | None
    limit: ThreadLimit

    def table(self) -> str:
        rows = [("", "threads", "tasks")]
        runs = [self.threads, self.tasks]

        def cell(run: UnitRun | None, show: Callable[[UnitRun], str]) -> str:
            return "not run" if run is None else show(run)

        rows.append(("wall time", *(cell(r, lambda r: f"{r.wall_s * 1e3:,.0f} ms") for r in runs)))
        rows.append(
            ("start-up per unit", *(cell(r, lambda r: f"{r.startup_us:,.1f} µs") for r in runs))
        )
        rows.append(
            (
                "Python memory per unit (tracemalloc)",
                *(cell(r, lambda r: f"{r.traced_bytes / 1024:,.1f} KiB") for r in runs),
            )
        )
        rows.append(
            (
                "resident memory per unit (RSS)",
                *(cell(r, lambda r: _kib(r.rss_bytes)) for r in runs),
            )
        )
        width = max(len(r[0]) for r in rows)
        lines = [f"{a:<{width}}  {b:>14}  {c:>14}" for a, b, c in rows]
        header = f"{self.units:,} units, each waiting for {WAITS[self.wait]} of {self.wait_ms:g} ms"
        return "\n".join([header, *lines])


def _kib(value: float | None) -> str:
    return "not known" if value is None else f"{max(value, 0.0) / 1024:,.1f} KiB"


@validated
def compare(
    units: Units = 1_000,
    wait: Wait = "sleep",
    wait_ms: WaitMs = 50,
    *,
    progress: Progress = None,
) -> Comparison:
    """Run ``units`` concurrent waits as threads (up to :func:`thread_limit`) and as tasks."""
    limit = limits.thread_limit()
    if wait == "socket" and units > limit.socket_units:
        raise ValueError(
            f"units must be at most {limit.socket_units:,} for socket waits here: each holds an "
            "open file, and this process may open only so many"
        )
    with_threads = units <= limit.chosen
    advance = step_counter(progress, 4 if with_threads else 2)

    wait_s = wait_ms / 1e3
    with contextlib.ExitStack() as stack:
        port = 0
        if wait == "socket":
            port = stack.enter_context(local_server(wait_ms)).port
        threads = None
        if with_threads:
            timed = _run_threads(wait, units, wait_s, port, gated=False)
            advance()
            mem = _run_threads(wait, units, wait_s, port, gated=True)
            advance()
            threads = _unit_run("threads", wait, units, wait_ms, timed, mem)
        timed = runner.run(_run_tasks(wait, units, wait_s, port, False), timeout=2 * BOUND_S)
        advance()
        mem = runner.run(_run_tasks(wait, units, wait_s, port, True), timeout=2 * BOUND_S)
        advance()
        tasks = _unit_run("tasks", wait, units, wait_ms, timed, mem)
    return Comparison(units, wait, wait_ms, tasks, threads, limit)
