"""What notebook 11's other processes run: the local socket server, and CPU work for a pool.

Child-safe: the standard library and ``helpers.core`` only, so a process started with
``spawn`` or ``forkserver`` imports it quickly and without matplotlib.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from multiprocessing.connection import Connection
from typing import Annotated

from ...core.domains import Int, Number, Of, validated
from ...core.workloads import spin

#: The only address the server listens on: this machine, never the network.
HOST = "127.0.0.1"
#: What a client sends, and what the server answers.
REQUEST = b"ping\n"
REPLY = b"ok\n"


@validated
def crunch(iterations: Annotated[int, Int(0)]) -> tuple[int, int]:
    """CPU-bound pure Python, for ``loop.run_in_executor`` with a process pool.

    Returns the result and the pid of the process that computed it.
    """
    return spin(iterations), os.getpid()


@validated
def serve(
    conn: Annotated[Connection, Of(Connection)],
    delay_s: Annotated[float, Number(0, 60, unit="seconds")],
    backlog: Annotated[int, Int(1, 65_535)],
    lifetime_s: Annotated[float, Number(0, 3_600, above=True, unit="seconds")],
) -> None:
    """Answer every request line with ``ok`` after ``delay_s`` seconds, on 127.0.0.1.

    Sends ``("ready", port)`` on ``conn`` once listening. Stops when the parent sends
    ``"stop"`` or closes its end, when the parent process goes away, or after ``lifetime_s``
    seconds whatever happens, so it can never outlive a notebook by long.
    """
    asyncio.run(_serve(conn, delay_s, backlog, lifetime_s))


async def _serve(conn: Connection, delay_s: float, backlog: int, lifetime_s: float) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    parent = os.getppid()

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            if await reader.readline() == REQUEST:
                await asyncio.sleep(delay_s)
                writer.write(REPLY)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    def on_message() -> None:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            message = "stop"
        if message == "stop":
            stop.set()

    async def watch_parent() -> None:
        while not stop.is_set():
            if os.getppid() != parent:
                stop.set()
            await asyncio.sleep(0.5)

    server = await asyncio.start_server(answer, HOST, 0, backlog=backlog)
    loop.add_reader(conn.fileno(), on_message)
    watcher = asyncio.create_task(watch_parent())
    conn.send(("ready", server.sockets[0].getsockname()[1]))
    try:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), lifetime_s)
    finally:
        # close() stops accepting; not wait_closed(), which from 3.12 on also waits for every
        # open connection. asyncio.run then cancels the handlers still running.
        server.close()
        loop.remove_reader(conn.fileno())
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
