"""Code the lab does not step (not a thread's own file, not named): runs atomically."""

from __future__ import annotations


def spin_forever() -> None:
    n = 0
    while True:
        n += 1
