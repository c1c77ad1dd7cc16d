"""Code the lab does not step (not a thread's own file, not named): runs atomically."""

from __future__ import annotations


def spin_forever() -> None:
    n = 0
    while True:
        n += 1


import threading  # noqa: E402
import time  # noqa: E402


class RecordingCondition(threading.Condition):
    """A Condition that notes when its waits start and end, in the same step as the wait
    itself (this file is not stepped), so preemption after a wakeup does not blur it."""

    def __init__(self) -> None:
        super().__init__()
        self.first_call: float | None = None
        self.last_return: float | None = None

    def wait(self, timeout: float | None = None) -> bool:
        if self.first_call is None:
            self.first_call = time.monotonic()
        try:
            return super().wait(timeout)
        finally:
            self.last_return = time.monotonic()
