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
not counted. Threads are only started up to :func:`thread_limit`, a bound derived from this
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

from matplotlib.figure import Figure

try:  # POSIX only
    import resource
except ImportError:  # Windows: no such limits to read
    resource = None  # type: ignore[assignment]

from ...core import machine
from ...core.domains import Choice, Int, Millis, Of, Progress, validated
from ...core.lifecycle import stop
from ...core.spans import Span
from ...core.timing import max_overlap
from ...core.workloads import calibrate, spin
from ...draw.plots import MARKERS, colour, finish, new_figure, plain_log_ticks
from ...draw.timeline import draw_spans
from . import child, runner
from .server import local_server

#: The kinds of wait a unit can do, with the words the explorer uses.
WAITS: dict[str, str] = {
    "sleep": "a plain sleep",
    "socket": "a reply from a local server",
}
Wait = Annotated[str, Choice(WAITS)]

#: The most tasks one run starts.
MAX_TASKS = 10_000
Units = Annotated[int, Int(1, MAX_TASKS)]
WaitMs = Annotated[float, Millis(1, 1_000)]

#: The course's ceiling on threads, per usable core: one run then stays within seconds.
THREADS_PER_CORE = 1_000
#: The memory we budget per thread: far more than it uses (tens of KiB), for a safe margin.
BUDGET_PER_THREAD = 1 << 20
#: Share of each kernel limit's headroom one run may take: the machine is shared.
SHARE = 4
#: File descriptors kept free for everything else the kernel does.
SPARE_FDS = 128
#: How long any one wait inside a measurement may take before the run is abandoned.
_BOUND_S = 60.0


# --- How many threads are safe here ---------------------------------------------------------


def _read_int(path: str) -> int | None:
    try:
        text = Path(path).read_text().split()[0]
    except (OSError, IndexError):
        return None
    return int(text) if text.isdigit() else None


def _threads_running_now() -> int | None:
    """Threads on the whole machine (the kernel's count of scheduling entities)."""
    try:
        return int(Path("/proc/loadavg").read_text().split()[3].split("/")[1])
    except (OSError, IndexError, ValueError):
        return None


def _available_memory() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        return None
    return None


def open_fds() -> int | None:
    """File descriptors this process has open now (Linux and macOS)."""
    for folder in ("/proc/self/fd", "/dev/fd"):
        with contextlib.suppress(OSError):
            return len(os.listdir(folder))
    return None


@dataclass(frozen=True)
class ThreadLimit:
    """The most threads one run starts here, the facts it comes from, and which one binds.

    ``bounds`` maps each fact to the number of threads it allows (None: not known here).
    ``socket_units`` is the most units, threads or tasks, that may hold a socket at once.
    """

    chosen: int
    binding: str
    bounds: dict[str, int | None]
    facts: dict[str, str]
    socket_units: int
    file_bound: int = 0  # units the open-file limit allows

    def __str__(self) -> str:
        lines = [f"Threads are capped at {self.chosen:,} on this machine ({self.binding})."]
        for name, allowed in self.bounds.items():
            shown = "not known here" if allowed is None else f"{allowed:,} threads"
            lines.append(f"  {name}: {shown}  [{self.facts.get(name, '')}]")
        if self.socket_units < self.file_bound or self.file_bound == 0:
            lines.append(
                f"Socket waits go up to {self.socket_units:,} units, the most one run starts "
                f"(open files would allow {self.file_bound:,}: {self.facts.get('open files', '')})."
            )
        else:
            lines.append(
                f"Socket waits are capped at {self.socket_units:,} units: each holds an open "
                f"file ({self.facts.get('open files', '')}; {SPARE_FDS} kept spare)."
            )
        return "\n".join(lines)


def thread_limit() -> ThreadLimit:
    """How many threads one run may start on this machine, and why.

    The smallest of: the course's ceiling (1,000 per usable core, so a run stays within
    seconds); a quarter of the headroom under each kernel limit on threads (the machine is
    shared); and a tenth of the available memory at 1 MiB per thread.
    """
    cores = machine.usable_cores()
    bounds: dict[str, int | None] = {}
    facts: dict[str, str] = {}
    name = "course ceiling"
    bounds[name] = THREADS_PER_CORE * cores
    facts[name] = f"{THREADS_PER_CORE:,} per usable core x {cores}"

    running = _threads_running_now()
    threads_max = _read_int("/proc/sys/kernel/threads-max")
    name = "kernel threads-max"
    if threads_max is not None and running is not None:
        bounds[name] = max(0, threads_max - running) // SHARE
        facts[name] = f"{threads_max:,} allowed, {running:,} running machine-wide; a quarter"
    else:
        bounds[name] = None

    name = "cgroup pids.max"
    pids_max = _read_int("/sys/fs/cgroup/pids.max") or _read_int("/sys/fs/cgroup/pids/pids.max")
    pids_now = _read_int("/sys/fs/cgroup/pids.current") or _read_int(
        "/sys/fs/cgroup/pids/pids.current"
    )
    if pids_max is not None:
        bounds[name] = max(0, pids_max - (pids_now or 0)) // SHARE
        facts[name] = f"{pids_max:,} allowed, {pids_now or 0:,} in use; a quarter"
    else:
        bounds[name] = None
        facts[name] = "no limit set"

    name = "RLIMIT_NPROC"
    soft = resource.getrlimit(resource.RLIMIT_NPROC)[0] if resource is not None else None
    if soft is not None and soft != resource.RLIM_INFINITY:
        bounds[name] = soft // SHARE
        facts[name] = f"{soft:,} processes and threads per user; a quarter"
    else:
        bounds[name] = None
        facts[name] = "unlimited"

    name = "memory"
    available = _available_memory()
    if available is not None:
        bounds[name] = available // 10 // BUDGET_PER_THREAD
        facts[name] = f"{available / 2**30:.1f} GiB available; a tenth, at 1 MiB per thread"
    else:
        bounds[name] = None

    known = {k: v for k, v in bounds.items() if v is not None}
    binding = min(known, key=lambda k: known[k])
    chosen = max(1, known[binding])

    fds = open_fds() or 0
    if resource is None:
        soft_files = 8_192  # Windows: sockets are not counted against a file limit like this
    else:
        soft_files = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
        if soft_files == resource.RLIM_INFINITY:
            soft_files = 1 << 20
    file_bound = max(1, soft_files - fds - SPARE_FDS)
    socket_units = min(MAX_TASKS, file_bound)
    facts["open files"] = f"{soft_files:,} allowed, {fds} open now"
    return ThreadLimit(min(chosen, MAX_TASKS), binding, bounds, facts, socket_units, file_bound)


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
                gate.wait(_BOUND_S)
                time.sleep(wait_s)
                done[i] = True
            else:
                with socket.create_connection((child.HOST, port), timeout=_BOUND_S) as sock:
                    sock.sendall(child.REQUEST)
                    arrivals.arrive()
                    arrived = True
                    gate.wait(_BOUND_S)
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
        arrivals.all_in.wait(_BOUND_S)
        if memory is not None:
            memory.read()
    finally:
        gate.set()
        stopped = stop(threads, _BOUND_S)
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
        await asyncio.wait_for(all_in.wait(), _BOUND_S)
        if memory is not None:
            memory.read()
        gate.set()
        results = await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), _BOUND_S)
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
    limit = thread_limit()
    if wait == "socket" and units > limit.socket_units:
        raise ValueError(
            f"units must be at most {limit.socket_units:,} for socket waits here: each holds an "
            "open file, and this process may open only so many"
        )
    with_threads = units <= limit.chosen
    steps = 4 if with_threads else 2
    step = 0

    def advance() -> None:
        nonlocal step
        step += 1
        if progress is not None:
            progress(step, steps)

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
        timed = runner.run(_run_tasks(wait, units, wait_s, port, False), timeout=2 * _BOUND_S)
        advance()
        mem = runner.run(_run_tasks(wait, units, wait_s, port, True), timeout=2 * _BOUND_S)
        advance()
        tasks = _unit_run("tasks", wait, units, wait_ms, timed, mem)
    return Comparison(units, wait, wait_ms, tasks, threads, limit)


# --- The explorer -----------------------------------------------------------------------------


@dataclass
class WaitHistory:
    """Wall times kept between explorer runs: each run adds a point to its curve."""

    points: dict[tuple[str, str, float], dict[int, float]] = field(default_factory=dict)

    def add(self, comparison: Comparison) -> None:
        for run in (comparison.threads, comparison.tasks):
            if run is not None:
                key = (run.mode, run.wait, run.wait_ms)
                self.points.setdefault(key, {})[run.units] = run.wall_s

    def curve(self, mode: str, wait: str, wait_ms: float) -> list[tuple[int, float]]:
        return sorted(self.points.get((mode, wait, wait_ms), {}).items())


@validated
def explore_waits(
    units: Units = 1_000,
    wait: Wait = "sleep",
    wait_ms: WaitMs = 50,
    *,
    progress: Progress = None,
    history: Annotated[WaitHistory | None, Of(WaitHistory, optional=True)] = None,
) -> tuple[Figure, Comparison]:
    """Measure N waits as threads and as tasks; draw wall time against N (every run so far),
    memory per unit and start-up cost per unit."""
    limit = thread_limit()
    capped = wait == "socket" and units > limit.socket_units
    result = compare(
        min(units, limit.socket_units) if capped else units, wait, wait_ms, progress=progress
    )
    history = WaitHistory() if history is None else history
    history.add(result)

    fig, (curve, memory, startup) = new_figure(ncols=3, width=4.4, height=3.4)
    for i, mode in enumerate(("threads", "tasks")):
        points = history.curve(mode, wait, wait_ms)
        if points:
            curve.plot(
                [n for n, _ in points],
                [s * 1e3 for _, s in points],
                marker=MARKERS[i],
                color=colour(i),
                label=mode,
            )
    curve.axhline(
        wait_ms, **{"color": "#555555", "linestyle": "--", "linewidth": 1.0}, label="one wait"
    )
    curve.set_xscale("log")
    plain_log_ticks(curve.xaxis)
    curve.legend(fontsize="small")
    finish(
        curve,
        xlabel="concurrent waits (N)",
        ylabel="wall time (ms)",
        title=f"N waits for {WAITS[wait]}",
    )

    runs = [(r.mode, r) for r in (result.threads, result.tasks) if r is not None]
    labels = [m for m, _ in runs]
    xs = range(len(runs))
    memory.bar(
        [x - 0.2 for x in xs],
        [r.traced_bytes / 1024 for _, r in runs],
        width=0.4,
        color=colour(2),
        label="Python objects (tracemalloc)",
    )
    memory.bar(
        [x + 0.2 for x in xs],
        [max(r.rss_bytes or 0.0, 0.0) / 1024 for _, r in runs],
        width=0.4,
        color=colour(3),
        label="resident (RSS)",
    )
    memory.set_xticks(list(xs), labels)
    memory.legend(fontsize="small")
    finish(memory, xlabel="", ylabel="memory per unit (KiB)", title=f"with {result.units:,} alive")
    startup.bar(list(xs), [r.startup_us for _, r in runs], color=[colour(i) for i in xs])
    startup.set_xticks(list(xs), labels)
    finish(startup, xlabel="", ylabel="start-up per unit (µs)", title="until all are waiting")
    notes = []
    if result.threads is None:
        notes.append(
            f"threads not run: {result.units:,} is above this machine's limit of {limit.chosen:,}"
        )
    if capped:
        notes.append(f"N capped at {limit.socket_units:,}: open files")
    fig.suptitle(
        "; ".join(notes) or f"{result.units:,} threads and {result.units:,} tasks",
        fontsize="medium",
    )
    return fig, result


# --- A timeline of tasks ----------------------------------------------------------------------


@dataclass(frozen=True)
class TaskTimeline:
    spans: tuple[Span, ...]
    t0: float
    threads: frozenset[int]

    def running_overlap(self) -> int:
        """The most running intervals that overlap: 1 on one thread."""
        return max_overlap(interval for span in self.spans for interval in span.running)


@validated
def tasks_timeline(
    units: Annotated[int, Int(1, 40)] = 8,
    wait_ms: WaitMs = 40,
    work_ms: Annotated[float, Millis(0.1, 50)] = 2,
) -> tuple[Figure, TaskTimeline]:
    """``units`` tasks that each work ``work_ms``, wait, and work again: who ran when.

    Faded: the task exists but waits (its ``await``). Solid: it runs on the loop's thread.
    """
    iterations = int(calibrate("cpu", work_ms / 1e3))

    async def main() -> TaskTimeline:
        spans: list[Span] = []
        threads: set[int] = set()

        async def unit(i: int, created: float) -> None:
            threads.add(threading.get_ident())
            a = time.perf_counter()
            spin(iterations)
            b = time.perf_counter()
            await asyncio.sleep(wait_ms / 1e3 * (1 + i % 3) / 2)
            c = time.perf_counter()
            spin(iterations)
            d = time.perf_counter()
            spans.append(Span(i, created, d, ((a, b), (c, d)), row=f"task {i}"))

        t0 = time.perf_counter()
        tasks = [asyncio.create_task(unit(i, time.perf_counter())) for i in range(units)]
        await asyncio.gather(*tasks)
        return TaskTimeline(tuple(sorted(spans, key=lambda s: s.index)), t0, frozenset(threads))

    timeline = runner.run(main(), timeout=_BOUND_S)
    fig, (ax,) = new_figure(width=8.0, height=1.0 + 0.32 * units)
    draw_spans(
        ax,
        timeline.spans,
        timeline.t0,
        legend=("running on the loop's thread", "waiting at an await"),
    )
    finish(
        ax,
        xlabel="time since the tasks were created (ms)",
        ylabel="",
        title=f"{units} tasks on one event loop, one thread",
    )
    return fig, timeline
