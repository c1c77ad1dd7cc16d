"""How many threads one measurement of lesson 11 may start on this machine, and why.

The bound comes from the machine's facts (usable cores, memory, the kernel's thread and file
limits) and is shared with the rest of the machine, so a run never takes it all.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

try:  # POSIX only
    import resource
except ImportError:  # Windows: no such limits to read
    resource = None  # type: ignore[assignment]

from ...core import machine

MAX_TASKS = 10_000

#: The course's ceiling on threads, per usable core: one run then stays within seconds.
THREADS_PER_CORE = 1_000
#: The memory we budget per thread: far more than it uses (tens of KiB), for a safe margin.
BUDGET_PER_THREAD = 1 << 20
#: Share of each kernel limit's headroom one run may take: the machine is shared.
SHARE = 4
#: File descriptors kept free for everything else the kernel does.
SPARE_FDS = 128


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
