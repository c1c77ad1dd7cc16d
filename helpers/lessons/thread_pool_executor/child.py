"""What notebook 07's child interpreters run: a pool left to the interpreter's exit.

``python -m helpers.lessons.thread_pool_executor.child nowait`` runs
:func:`exit_after_shutdown_nowait`; ``... child unshut "<pool>"`` runs
:func:`exit_without_shutdown`. Child-safe: the standard library, :mod:`helpers.core` and the
pools of :mod:`.scenarios` (``tests/course/test_imports.py`` checks it).
"""

from __future__ import annotations

import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from ...core.domains import validated
from .scenarios import POOLS, PoolName

_GATE_S = 10.0  # a bound on every wait, for a very busy machine


def exit_after_shutdown_nowait() -> None:
    """One worker runs a task, a second task waits in the queue, and the main thread calls
    ``shutdown(wait=False)`` and ends. Each line is printed in the order it happens: the gate
    makes the running task finish only after the main thread has printed ``main done``."""
    pool = ThreadPoolExecutor(max_workers=1)
    started, gate = threading.Event(), threading.Event()

    def running_task() -> None:
        started.set()
        gate.wait(_GATE_S)
        time.sleep(0.2)  # the main thread has long finished by now
        print("running task finished", flush=True)

    def queued_task() -> None:
        print("queued task ran", flush=True)

    pool.submit(running_task)
    pool.submit(queued_task)
    started.wait(_GATE_S)
    pool.shutdown(wait=False)  # returns at once; cancels nothing
    print("main done", flush=True)
    gate.set()
    # The module ends here. The interpreter's exit runs the pool's exit hook, which joins
    # the worker: it finishes the running task and the queued one first.


@validated
def exit_without_shutdown(pool_name: PoolName) -> None:
    """Use one of the compared pools (by its label) and end without ``shutdown()``: the pool
    is still referenced when the interpreter exits."""
    pool = POOLS[pool_name](2)
    print(pool.submit(sum, [1, 2, 3]).result(timeout=_GATE_S), flush=True)
    print("main done", flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["unshut"]:
        exit_without_shutdown(sys.argv[2])
    else:
        exit_after_shutdown_nowait()
