"""Code the lab does not step (not a thread's own file, not named): runs atomically."""

from __future__ import annotations


def spin_forever() -> None:
    n = 0
    while True:
        n += 1


import threading  # noqa: E402
import time  # noqa: E402


class RecordingCondition(threading.Condition):
    """A Condition that notes when its first wait started and how long any wait was allowed
    to last, in the same step as the wait itself (this file is not stepped)."""

    def __init__(self) -> None:
        super().__init__()
        self.first_call: float | None = None
        self.latest_end: float | None = None  # the latest time any wait was allowed to last to

    def wait(self, timeout: float | None = None) -> bool:
        now = time.monotonic()
        if self.first_call is None:
            self.first_call = now
        end = float("inf") if timeout is None else now + timeout
        self.latest_end = end if self.latest_end is None else max(self.latest_end, end)
        return super().wait(timeout)
