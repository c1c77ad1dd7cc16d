"""The local socket server of notebook 11: started, and always stopped, within a bound.

``with local_server(delay_ms=50) as server:`` starts :func:`child.serve` in a process of its own
(the course's start method), waits until it listens on 127.0.0.1, and stops it when the block
ends, however it ends: a polite "stop" first, then ``terminate`` through
:func:`helpers.core.lifecycle.stop`. The server runs in another process so that its sockets,
memory and CPU time do not mix with the measurements of the clients.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from ...core import machine
from ...core.domains import Int, Millis, Seconds, validated
from ...core.lifecycle import Stopped, stop
from . import child

#: How long a server may live at most, whatever happens to the notebook.
LIFETIME_S = 600.0

#: How long the server waits before each reply.
DelayMs = Annotated[float, Millis(0, 5_000)]
#: Connections the server's listening socket queues before accepting them.
Backlog = Annotated[int, Int(1, 65_535)]


@dataclass
class LocalServer:
    """Where the server listens, how long it waits before each reply, and its pid.

    ``stopped`` is filled in when the block ends: how the server process ended.
    """

    host: str
    port: int
    delay_s: float
    pid: int
    stopped: Stopped | None = None


@contextlib.contextmanager
@validated
def local_server(
    delay_ms: DelayMs = 50,
    *,
    backlog: Backlog = 4_096,
    start_timeout: Annotated[float, Seconds(120)] = 30.0,
) -> Iterator[LocalServer]:
    """Run the reply-after-a-delay server on 127.0.0.1 for the duration of the block."""
    ctx = machine.mp_context()
    ours, theirs = ctx.Pipe()
    process = ctx.Process(
        target=child.serve,
        args=(theirs, delay_ms / 1e3, backlog, LIFETIME_S),
        name="lab-socket-server",
        daemon=True,
    )
    process.start()
    theirs.close()
    server = LocalServer(child.HOST, 0, delay_ms / 1e3, process.pid or 0)
    try:
        if not ours.poll(start_timeout):
            raise TimeoutError(f"the local server did not start within {start_timeout:g} s")
        _, server.port = ours.recv()
        yield server
    finally:
        with contextlib.suppress(OSError):
            ours.send("stop")
        server.stopped = stop([process], timeout=5.0)  # terminated if it did not stop in time
        ours.close()
