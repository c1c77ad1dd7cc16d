"""What the teaching-executor suite shares (tests/teaching/executor): the two classes under
test, and bounded ways to hold a task running."""

from __future__ import annotations

import threading
import time
from concurrent import futures
from concurrent.futures import Future
from typing import Any

from helpers.teaching import executor as teaching

T = 5.0  # generous bound for anything that should happen promptly

POOLS = {
    "teaching": teaching.ThreadPoolExecutor,
    "standard": futures.ThreadPoolExecutor,
}
LABELS = {"teaching": "teaching executor", "standard": "standard executor"}


def blocked(gate: threading.Event, value: object = None) -> object:
    if not gate.wait(T):
        raise TimeoutError("the test never opened the gate")
    return value


def submit_running(pool: Any, gate: threading.Event, value: object) -> Future[Any]:
    """Submit a task that blocks on ``gate`` and then returns ``value``; return its future once
    the task has started (so it is running, not queued)."""
    started = threading.Event()

    def task() -> object:
        started.set()
        return blocked(gate, value)

    future = pool.submit(task)
    assert started.wait(T)
    return future


def wait_idle(pool: Any) -> None:
    """Wait until a worker has marked itself idle (it does so just after finishing a task)."""
    deadline = time.monotonic() + T
    while pool._idle_semaphore._value == 0:
        assert time.monotonic() < deadline, "no worker became idle"
        time.sleep(0.001)


def record(*args: Any, **kwargs: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
    return args, kwargs
