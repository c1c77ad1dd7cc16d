"""What ``subinterpreters.py`` runs inside other interpreters.

A module of its own, not the script: a function is sent to another interpreter by reference
(its module and name, as pickle does it), and every interpreter can import this module, while
a script's ``__main__`` is not the other interpreter's ``__main__``. Standard library only.
"""

from __future__ import annotations

#: Module state: every interpreter that imports this module gets its own copy of it.
NOTES: list[str] = []


def spin(iterations: int) -> int:
    """Pure-Python CPU work (the same loop as the threads benchmark)."""
    total = 0
    for i in range(iterations):
        total += i * i % 7
    return total


def square(number: int) -> int:
    return number * number
