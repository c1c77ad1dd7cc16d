"""Notebook 08: who imports the module a child runs, and what ``set_forkserver_preload`` changes.

:func:`who_imports` starts one child under a start method and asks it which process imported
:mod:`.child` (the module that defines its target). :func:`preload_run` measures the fork
server with and without a preload list, each time in a fresh interpreter: the server is one
per interpreter and reads its preload list only when it starts, so a kernel whose server is
already running could not show the difference.

Child-safe: the standard library and :mod:`helpers.core` only, so the fresh interpreter starts
quickly.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated

from ...core import machine
from ...core.domains import Int, Items, Of, Seconds, validated
from ...core.lifecycle import stop
from ...core.machine import StartMethod
from .child import Deadline, ImportInfo, send_import_info

#: The module the children run: what the fork server is asked to preload.
CHILD_MODULE = "helpers.lessons.multiprocessing.child"


@validated
def who_imports(start_method: StartMethod = None, timeout: Deadline = 30.0) -> ImportInfo:
    """Start one child, which reports who imported the module of its target; stop it."""
    context = machine.mp_context(start_method)
    reader, writer = context.Pipe(duplex=False)
    child = context.Process(target=send_import_info, args=(writer,), name="import-probe")
    with warnings.catch_warnings():  # fork in a process with threads warns on 3.12+ (below)
        warnings.simplefilter("ignore", DeprecationWarning)
        child.start()
    writer.close()  # the child holds its own copy
    try:
        if not reader.poll(timeout):
            raise TimeoutError(f"the {context.get_start_method()} child sent nothing")
        info: ImportInfo = reader.recv()
    finally:
        reader.close()
        stopped = stop([child], timeout)
    if stopped.exitcodes != (0,):
        raise RuntimeError(f"the import probe ended badly: {stopped}, exit {stopped.exitcodes}")
    return info


@dataclass(frozen=True)
class PreloadRun:
    """One fresh interpreter, one fork server: ``preload`` as given to the server, the time to
    start and join each child (the first one also starts the server), and who imported
    :mod:`.child` as each child saw it (``"itself"`` or ``"its parent"``, the server)."""

    preload: tuple[str, ...]
    seconds: tuple[float, ...]
    importers: tuple[str, ...]

    @property
    def server_start(self) -> float:
        """The first child: the server's own start-up, plus the child."""
        return self.seconds[0]

    @property
    def per_child(self) -> float:
        """Median start + join of the children after the first."""
        return statistics.median(self.seconds[1:])


#: Modules a fork server may be told to preload: importable names.
Modules = Annotated[Sequence[str], Items(Of(str), empty_ok=True)]
#: Children timed after the first (which also starts the server).
Children = Annotated[int, Int(1, 50)]


@validated
def probe(preload: Modules, children: Children, timeout: Deadline = 30.0) -> PreloadRun:
    """What runs in the fresh interpreter: set the preload list, then time ``children + 1``
    children of the fork server (``set_forkserver_preload`` acts only before it starts)."""
    context = machine.mp_context("forkserver")
    if preload:
        context.set_forkserver_preload(list(preload))
    seconds, importers = [], []
    for _ in range(children + 1):
        started = time.perf_counter()
        info = who_imports("forkserver", timeout)
        seconds.append(time.perf_counter() - started)
        importers.append(info.importer)
    return PreloadRun(tuple(preload), tuple(seconds), tuple(importers))


@validated
def preload_run(
    preload: Modules = (),
    children: Children = 4,
    timeout: Annotated[float, Seconds(600)] = 120.0,
) -> PreloadRun:
    """:func:`probe` in a fresh interpreter started with ``-c``: like a notebook, its
    ``__main__`` is not a file, so the server's default preload (``__main__``) finds nothing.
    Raises ``ValueError`` where this platform has no ``forkserver``."""
    if "forkserver" not in machine.available_start_methods():
        raise ValueError("this platform has no forkserver start method")
    code = (
        "import json, sys\n"
        "from dataclasses import asdict\n"
        f"from {__name__} import probe\n"
        "run = probe(json.loads(sys.argv[1]), int(sys.argv[2]))\n"
        "print(json.dumps(asdict(run)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, json.dumps(list(preload)), str(children)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env={**os.environ, machine.START_METHOD_ENV: "forkserver"},
    )
    if done.returncode != 0:
        raise RuntimeError(f"the preload probe failed:\n{done.stderr[-2000:]}")
    data = json.loads(done.stdout.strip().splitlines()[-1])
    return PreloadRun(tuple(data["preload"]), tuple(data["seconds"]), tuple(data["importers"]))
