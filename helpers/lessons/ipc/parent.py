"""Notebook 09, the parent's side of a queue: take items with one deadline, close a queue and
its feeder thread, wait for a ``JoinableQueue`` within a bound; and the named semaphores that
every multiprocessing lock leaves in ``/dev/shm`` under ``spawn`` and ``forkserver``.

Children are ended with :func:`helpers.core.lifecycle.stop`, whose report says who finished
and who had to be terminated.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Annotated, Any

from ...core.domains import Has, validated
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


def semaphore_files() -> list[str]:
    """Named POSIX semaphores of multiprocessing in /dev/shm (Linux; empty elsewhere)."""
    folder = Path("/dev/shm")
    try:
        return sorted(entry.name for entry in folder.iterdir() if entry.name.startswith("sem."))
    except OSError:
        return []
