"""What ``subinterpreters.py`` runs inside other interpreters, and the CPU-bound loop that
``threads_bench.py`` runs on threads.

A module of its own, not the script: a function is sent to another interpreter by reference
(its module and name, as pickle does it), and every interpreter can import this module, while
a script's ``__main__`` is not the other interpreter's ``__main__``. Standard library only.
"""

from __future__ import annotations

#: Module state: every interpreter that imports this module gets its own copy of it.
NOTES: list[str] = []


def spin(iterations: int) -> int:
    """The course's CPU-bound task: pure Python (the same loop as helpers.core.workloads.spin)."""
    total = 0
    for i in range(iterations):
        total += i * i % 7
    return total


def square(number: int) -> int:
    return number * number
