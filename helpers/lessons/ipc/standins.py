"""What the interleaving lab runs in place of objects that several processes share.

The lab schedules threads, not processes; a race on a shared ``Value`` or a Manager's dict
lives in the order of reads and writes, whoever makes them, so threads can stand in for the
processes. Each stand-in has the real object's API and its atomicity:

- :func:`synchronized_int` *is* multiprocessing's own ``Synchronized`` wrapper (what
  ``ctx.Value("i")`` returns) around a plain C int, with a lock the lab can schedule: every
  read of ``.value`` and every write takes the lock, one at a time;
- :class:`CopyingDict` behaves as a Manager's dict proxy: ``d[k]`` returns a *copy* of what
  the server holds, ``d[k] = v`` stores a copy, and each is one request (one step).

This module is not stepped by the lab (only the learner's code is), so each of these calls is
one indivisible step, as a request to the manager's server or a locked access is.
"""

from __future__ import annotations

import copy
import ctypes
import threading
from collections.abc import Mapping
from multiprocessing import sharedctypes
from typing import Any

from ...core.domains import AnyInt, validated


@validated
def synchronized_int(value: AnyInt = 0) -> Any:
    """``multiprocessing.sharedctypes.synchronized`` around a C int, with a ``threading.RLock``
    (the lock a ``Value`` has by default is recursive too). Made inside a lab run, the lock is
    one the lab schedules."""
    return sharedctypes.synchronized(ctypes.c_int(value), threading.RLock())


def raw_value(shared: Any) -> int:
    """The number inside :func:`synchronized_int`'s wrapper, read without its lock (for the
    lab's checks, which must never wait)."""
    return int(shared.get_obj().value)


class CopyingDict:
    """A dict whose values go in and out as copies, as through a Manager's ``DictProxy``."""

    def __init__(self, initial: Mapping[str, Any]) -> None:
        self.data: dict[str, Any] = copy.deepcopy(dict(initial))

    def __getitem__(self, key: str) -> Any:
        return copy.deepcopy(self.data[key])

    def __setitem__(self, key: str, value: Any) -> None:
        self.data[key] = copy.deepcopy(value)

    def __contains__(self, key: object) -> bool:
        return key in self.data

    def get(self, key: str, default: Any = None) -> Any:
        return copy.deepcopy(self.data.get(key, default))

    def keys(self) -> list[str]:
        return list(self.data)

    def __repr__(self) -> str:
        return f"CopyingDict({self.data!r})"
