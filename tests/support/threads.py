"""Threads for the behavioural suites of the teaching primitives: started as daemons (a stuck one
cannot hold up the interpreter's exit), joined against one deadline."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

BOUND = 10.0  # the longest any wait in a suite may take


def start(target: Callable[[], Any], name: str = "test-thread") -> threading.Thread:
    thread = threading.Thread(target=target, name=name, daemon=True)
    thread.start()
    return thread


def join_all(threads: list[threading.Thread], timeout: float = BOUND) -> None:
    """Join every thread within ``timeout`` in all; fail if any is still alive."""
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    assert not [t.name for t in threads if t.is_alive()], "threads did not finish in time"
