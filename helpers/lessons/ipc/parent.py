"""Notebook 09, the parent's side: take items from a queue with one deadline, close a queue and
its feeder thread, wait for a ``JoinableQueue`` within a bound; and another program that
attaches to (or leaks) a shared-memory block.

Children are ended with :func:`helpers.core.lifecycle.stop`, whose report says who finished
and who had to be terminated.
"""

from __future__ import annotations

import sys
import threading
import time
from multiprocessing import shared_memory
from pathlib import Path
from typing import Annotated, Any

from ...core.domains import Bool, Has, Of, Seconds, validated
from ...core.lifecycle import ProgramRun, run_program
from .child import Amount, Bound


@validated
def collect(
    q: Annotated[Any, Has(("get",), "a queue")], count: Amount, timeout: Bound = 30.0
) -> list[Any]:
    """Take ``count`` items from ``q``, waiting at most ``timeout`` seconds in total.

    ``count=0`` takes nothing and returns ``[]`` at once; too few items raise ``queue.Empty``.
    """
    deadline = time.monotonic() + timeout
    items = []
    for _ in range(count):
        items.append(q.get(timeout=max(0.01, deadline - time.monotonic())))
    return items


@validated
def close_queue(
    q: Annotated[Any, Has(("close", "join_thread"), "a multiprocessing Queue")],
) -> None:
    """Close a multiprocessing Queue and wait for its feeder thread (bounded by its pipe).

    Call it once nothing will be put any more and what was put has been read: the feeder
    thread then has nothing left to write and exits at once.
    """
    q.close()
    q.join_thread()


@validated
def join_within(
    q: Annotated[Any, Has(("join",), "a JoinableQueue")], timeout: Bound = 30.0
) -> bool:
    """``JoinableQueue.join()`` has no timeout; wait for it in a helper thread, at most ``timeout``.

    Returns True when every task was marked done in time.
    """
    waiter = threading.Thread(target=q.join, name="joinable-queue-join", daemon=True)
    waiter.start()
    waiter.join(timeout)
    return not waiter.is_alive()


# --- Another program, using a shared-memory block by name -----------------------------------------

SHM_PROGRAM = Path(__file__).resolve().parent / "scripts" / "shm_program.py"


@validated
def attach_from_another_program(
    name: Annotated[str, Of(str)],
    *,
    untracked: Bool = False,
    timeout: Annotated[float, Seconds(300)] = 60.0,
) -> ProgramRun:
    """Run ``shm_program.py attach NAME``: a separate Python program (with its own resource
    tracker) attaches to the block, reads a byte, closes it and exits. ``untracked`` attaches
    with ``track=False`` (Python 3.13+)."""
    if untracked and sys.version_info < (3, 13):
        raise ValueError("untracked needs Python 3.13 or later (SharedMemory(track=False))")
    untracked_flag = ["--untracked"] if untracked else []
    return run_program([SHM_PROGRAM, "attach", name, *untracked_flag], timeout=timeout)


@validated
def leak_from_another_program(timeout: Annotated[float, Seconds(300)] = 60.0) -> ProgramRun:
    """Run ``shm_program.py leak``: a program creates a block, closes it without ``unlink()``
    and exits; its name is the first line of ``stdout``."""
    return run_program([SHM_PROGRAM, "leak"], timeout=timeout)


@validated
def segment_exists(name: Annotated[str, Of(str)]) -> bool:
    """Whether a shared-memory block of that name exists (on any platform: by attaching).

    From Python 3.13 it attaches with ``track=False``, so that looking registers nothing with
    this process's resource tracker. Before 3.13 looking registers the name, which is harmless
    for a block this process owns (the only kind the notebook looks at).
    """
    options = {"track": False} if sys.version_info >= (3, 13) else {}
    try:
        block = shared_memory.SharedMemory(name=name, **options)
    except FileNotFoundError:
        return False
    block.close()
    return True


@validated
def forget_segment(name: Annotated[str, Of(str)]) -> None:
    """Tell this process's resource tracker that the block ``name`` is gone, as ``unlink()``
    does after removing it, when someone else removed it first (POSIX)."""
    from multiprocessing import resource_tracker

    resource_tracker.unregister(name if name.startswith("/") else f"/{name}", "shared_memory")
