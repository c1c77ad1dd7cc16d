"""Notebook 09: one pipe end shared by several writers, with and without a lock.

A message larger than the pipe's buffer (64 KiB on Linux) is written in pieces, and the pieces
of two writers interleave: the reader gets scrambled messages, then a garbage length header.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Annotated

from ...core import machine
from ...core.domains import Bool, Count, Int, validated
from ...core.lifecycle import Stopped, stop
from ...core.machine import StartMethod
from .child import Bound, write_messages
from .mechanisms import Size


@dataclass(frozen=True)
class SharingResult:
    """What the reader saw when several processes wrote to one end of a pipe, and how the
    writers ended (``stopped``: who finished, who had to be terminated)."""

    writers: int
    sent: int
    intact: int
    corrupted: int
    error: str | None
    guarded: bool
    stopped: Stopped


@validated
def share_one_pipe_end(
    writers: Annotated[int, Int(1, 8)] = 2,
    messages: Count = 40,
    size: Size = 256 * 1024,
    *,
    guarded: Bool = False,
    start_method: StartMethod = None,
    timeout: Bound = 30.0,
) -> SharingResult:
    """Several processes send on the same pipe end at once; count what arrives intact.

    With ``guarded``, a Lock makes each send exclusive. The reader gives up at the first
    message it cannot read; the writers then get ``BrokenPipeError`` and exit.
    """
    context = machine.mp_context(start_method)
    reader, writer = context.Pipe(duplex=False)
    start_line = context.Barrier(writers + 1)  # the writers and this process
    guard = context.Lock() if guarded else None
    children = [
        context.Process(
            target=write_messages,
            args=(reader, writer, 65 + i, size, messages, start_line, guard, timeout),
            name=f"writer-{i + 1}",
        )
        for i in range(writers)
    ]
    intact = corrupted = 0
    error = None
    try:
        for child in children:
            child.start()
        writer.close()  # only the children write; now end-of-file comes when they are done
        start_line.wait(timeout)
        while reader.poll(timeout):
            # maxlength: a garbled length header must not make us wait for a gigabyte
            message = reader.recv_bytes(maxlength=size)
            if len(message) == size and message.count(message[:1]) == size:
                intact += 1
            else:
                corrupted += 1
    except EOFError:
        pass  # every writer closed its end: the normal way the stream ends
    except (OSError, threading.BrokenBarrierError) as problem:
        error = f"{type(problem).__name__}: {problem}"
    finally:
        reader.close()  # unblocks writers still sending: they get BrokenPipeError and exit
        writer.close()
        stopped = stop(children, timeout)
    return SharingResult(writers, writers * messages, intact, corrupted, error, guarded, stopped)
