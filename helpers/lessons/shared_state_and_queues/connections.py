"""The shared state of exercise 4: a pool that should open each connection only once.

It lives apart from :mod:`.exercises` on purpose. The interleaving lab steps the code of the
files the checked threads run (the checker's and the learner's), and :meth:`Pool.open` must
stay one step: it stands for a slow call that opens a network connection, and here it only
counts how often it ran.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Connection:
    """One opened connection: its name and its serial number (1 for the first one opened)."""

    name: str
    serial: int

    def __repr__(self) -> str:
        return f"<connection {self.name!r} #{self.serial}>"


@dataclass
class Pool:
    """Connections by name, the lock that comes with them, and what the checked threads got."""

    connections: dict[str, Connection] = field(default_factory=dict)
    lock: Any = field(default_factory=lambda: threading.Lock())  # looked up when made
    opened: int = 0
    got: dict[str, Any] = field(default_factory=dict)  # checked thread -> its answer

    def open(self, name: str) -> Connection:
        """Open a new connection (slow, in real life); every call opens another one."""
        self.opened += 1
        return Connection(name, self.opened)


def show_pool(pool: Pool) -> dict[str, Any]:
    """What the lab's tables show of a pool."""
    return {"connections": pool.connections, "opened": pool.opened, "got": pool.got}
