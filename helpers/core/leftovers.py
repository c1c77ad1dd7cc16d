"""Check that a notebook left nothing running: no extra thread, no child process, no shared memory.

Each notebook takes a :func:`snapshot` in its setup cell and calls :func:`assert_nothing_left`
in its last cell. The kernel's own threads and multiprocessing's long-lived helpers (the
resource tracker and the forkserver, which Python keeps for the life of the kernel) are not
leftovers; everything else the notebook started must be gone.
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from .checks import Feedback
from .domains import Items, Of, Timeout, validated

SHM_DIR = Path("/dev/shm")

# Threads the kernel machinery starts lazily (pyzmq starts a garbage-collector thread the first
# time a large output such as a plot is sent). They belong to Jupyter, not to the notebook.
#: What a thread named "exercise-check" is: an answer whose checker stopped waiting for it.
_STUCK_CHECK = "an exercise answer still running after its check timed out: restart the kernel"
_KERNEL_THREAD_MODULES = ("zmq.", "ipykernel.", "IPython.", "jupyter_client.")


@dataclass(frozen=True)
class Snapshot:
    threads: frozenset[int]
    children: frozenset[int]
    shared_memory: frozenset[str]


#: Where multiprocessing keeps the pid of each helper it runs for the life of the kernel:
#: (module, the module's singleton, the singleton's pid attribute). Private names, so a Python
#: without one of them simply has no such helper to leave out.
_HELPER_PIDS = (
    ("multiprocessing.resource_tracker", "_resource_tracker", "_pid"),
    ("multiprocessing.forkserver", "_forkserver", "_forkserver_pid"),
)


def multiprocessing_helper_pids() -> set[int]:
    """Processes multiprocessing keeps for the whole life of the kernel, by design."""
    pids = set()
    for module_name, singleton, attribute in _HELPER_PIDS:
        try:
            pid = getattr(getattr(importlib.import_module(module_name), singleton), attribute, None)
        except (ImportError, AttributeError):
            continue
        if pid:
            pids.add(pid)
    return pids


def _proc_stats() -> Iterator[tuple[int, str, str, int]]:
    """``(pid, command name, state, parent pid)`` of every process in /proc (Linux only)."""
    proc = Path("/proc")
    if not proc.is_dir():
        return
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
        yield int(entry.name), name, state, int(ppid)


def _proc_children(parent: int) -> dict[int, str]:
    """Living (non-zombie) children of ``parent`` from /proc, with their command names."""
    return {
        pid: name for pid, name, state, ppid in _proc_stats() if ppid == parent and state != "Z"
    }


def _process_tree(root: int) -> set[int]:
    """``root`` and every process descended from it."""
    children: dict[int, list[int]] = {}
    for pid, _name, _state, ppid in _proc_stats():
        children.setdefault(ppid, []).append(pid)
    tree, todo = set(), [root]
    while todo:
        pid = todo.pop()
        if pid not in tree:
            tree.add(pid)
            todo.extend(children.get(pid, []))
    return tree


def _shm_mappers(names: set[str]) -> dict[str, set[int]]:
    """For each of ``names``, the processes (that we may inspect) which map it right now."""
    mappers: dict[str, set[int]] = {name: set() for name in names}
    for pid, _name, _state, _ppid in _proc_stats():
        try:
            maps = Path(f"/proc/{pid}/maps").read_text()
        except OSError:
            continue
        for line in maps.splitlines():
            path = line.rpartition(" ")[2]
            if path.startswith("/dev/shm/") and path[9:] in mappers:
                mappers[path[9:]].add(pid)
    return mappers


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
        return {entry.name for entry in SHM_DIR.iterdir() if not entry.name.startswith("sem.")}
    except OSError:
        return set()


@validated
def new_segments(before: Annotated[Iterable[str], Items(Of(str), empty_ok=True)]) -> set[str]:
    """Shared-memory segments created since ``before`` that may belong to this process.

    /dev/shm is shared by the whole machine, and another kernel or program may create a segment
    at the same moment. One owned by another user, or mapped only by processes outside this
    process and its children, is theirs; a segment nobody maps any more (a leak: closed, never
    unlinked) or that this process tree still maps is counted.
    """
    fresh = shared_memory_segments() - set(before)
    if not fresh:
        return fresh
    ours, uid = _process_tree(os.getpid()), os.getuid()
    mine = set()
    for name, mapped_by in _shm_mappers(fresh).items():
        try:
            owner = (SHM_DIR / name).stat().st_uid
        except OSError:
            continue  # already gone
        if owner == uid and (not mapped_by or mapped_by & ours):
            mine.add(name)
    return mine


def snapshot() -> Snapshot:
    """What is running now; the baseline that :func:`leftovers` compares against."""
    return Snapshot(
        threads=frozenset(t.ident for t in threading.enumerate() if t.ident is not None),
        children=frozenset(child_processes()),
        shared_memory=frozenset(shared_memory_segments()),
    )


@validated
def leftovers(baseline: Annotated[Snapshot, Of(Snapshot)]) -> list[str]:
    """Everything started since ``baseline`` that is still there, described for a human."""
    found = []
    for thread in threading.enumerate():
        if type(thread).__module__.startswith(_KERNEL_THREAD_MODULES):
            continue
        if thread.ident not in baseline.threads and thread.is_alive():
            why = _STUCK_CHECK if thread.name == "exercise-check" else f"daemon={thread.daemon}"
            found.append(f"thread {thread.name!r} ({why})")
    for pid, name in sorted(child_processes().items()):
        if pid not in baseline.children:
            found.append(f"child process {pid} ({name})")
    for name in sorted(new_segments(baseline.shared_memory)):
        found.append(f"shared-memory segment {name!r}")
    return found


@validated
def assert_nothing_left(
    baseline: Annotated[Snapshot, Of(Snapshot)], grace: Timeout = 5.0
) -> Feedback:
    """Fail if threads, processes or shared memory outlived the notebook.

    Things that are already shutting down get ``grace`` seconds to finish (0: none).
    """
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
