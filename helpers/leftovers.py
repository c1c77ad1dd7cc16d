"""Check that a notebook left nothing running: no extra thread, no child process, no shared memory.

Each notebook takes a :func:`snapshot` in its setup cell and calls :func:`assert_nothing_left`
in its last cell. The kernel's own threads and multiprocessing's long-lived helpers (the
resource tracker and the forkserver, which Python keeps for the life of the kernel) are not
leftovers; everything else the notebook started must be gone.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .checks import Feedback
from .validate import validate_instance, validate_timeout

_SHM_DIR = Path("/dev/shm")

# Threads the kernel machinery starts lazily (pyzmq starts a garbage-collector thread the first
# time a large output such as a plot is sent). They belong to Jupyter, not to the notebook.
_KERNEL_THREAD_MODULES = ("zmq.", "ipykernel.", "IPython.", "jupyter_client.")


@dataclass(frozen=True)
class Snapshot:
    threads: frozenset[int]
    children: frozenset[int]
    shared_memory: frozenset[str]


def multiprocessing_helper_pids() -> set[int]:
    """Processes multiprocessing keeps for the whole life of the kernel, by design."""
    pids = set()
    try:
        from multiprocessing import resource_tracker

        pid = getattr(resource_tracker._resource_tracker, "_pid", None)
        if pid:
            pids.add(pid)
    except (ImportError, AttributeError):
        pass
    try:
        from multiprocessing import forkserver

        pid = getattr(forkserver._forkserver, "_forkserver_pid", None)
        if pid:
            pids.add(pid)
    except (ImportError, AttributeError):
        pass
    return pids


def _proc_children(parent: int) -> dict[int, str]:
    """Living (non-zombie) children of ``parent`` from /proc, with their command names."""
    found: dict[int, str] = {}
    proc = Path("/proc")
    if not proc.is_dir():
        return found
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may contain spaces, so split after the last ')'.
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        state, ppid = stat[stat.rindex(")") + 2 :].split()[:2]
        if int(ppid) == parent and state != "Z":
            found[int(entry.name)] = name
    return found


def child_processes() -> dict[int, str]:
    """Child processes of this process that are still alive, minus multiprocessing's helpers."""
    multiprocessing.active_children()  # reaps children that have finished
    children = _proc_children(os.getpid())
    for process in multiprocessing.active_children():
        if process.pid is not None:
            children.setdefault(process.pid, process.name)
    for pid in multiprocessing_helper_pids():
        children.pop(pid, None)
    return children


def shared_memory_segments() -> set[str]:
    """Names of POSIX shared-memory segments (Linux: files in /dev/shm).

    Named semaphores (``sem.*``) live there too; multiprocessing removes them when their lock
    or event object is garbage-collected, so they are not counted as segments.
    """
    try:
        return {entry.name for entry in _SHM_DIR.iterdir() if not entry.name.startswith("sem.")}
    except OSError:
        return set()


def snapshot() -> Snapshot:
    """What is running now; the baseline that :func:`leftovers` compares against."""
    return Snapshot(
        threads=frozenset(t.ident for t in threading.enumerate() if t.ident is not None),
        children=frozenset(child_processes()),
        shared_memory=frozenset(shared_memory_segments()),
    )


def leftovers(baseline: Snapshot) -> list[str]:
    """Everything started since ``baseline`` that is still there, described for a human."""
    validate_instance(baseline, "baseline", Snapshot)
    found = []
    for thread in threading.enumerate():
        if type(thread).__module__.startswith(_KERNEL_THREAD_MODULES):
            continue
        if thread.ident not in baseline.threads and thread.is_alive():
            found.append(f"thread {thread.name!r} (daemon={thread.daemon})")
    for pid, name in sorted(child_processes().items()):
        if pid not in baseline.children:
            found.append(f"child process {pid} ({name})")
    for name in sorted(shared_memory_segments() - baseline.shared_memory):
        found.append(f"shared-memory segment {name!r}")
    return found


def assert_nothing_left(baseline: Snapshot, grace: float = 5.0) -> Feedback:
    """Fail if threads, processes or shared memory outlived the notebook.

    Things that are already shutting down get ``grace`` seconds to finish (0: none).
    """
    validate_instance(baseline, "baseline", Snapshot)
    validate_timeout(grace, "grace")
    deadline = time.monotonic() + grace
    remaining = leftovers(baseline)
    while remaining and time.monotonic() < deadline:
        time.sleep(0.05)
        remaining = leftovers(baseline)
    if remaining:
        raise AssertionError("left running after the notebook: " + "; ".join(remaining))
    return Feedback(
        True, "nothing left running: no extra threads, child processes or shared memory."
    )
