"""Dask for notebook 12: is it here, and a ``LocalCluster`` started and closed the course's way.

``distributed`` is in ``requirements.txt`` but not in ``requirements-core.txt`` (the
free-threaded leg installs only the core), so nothing here imports it at module level:
:func:`dask_status` says plainly whether it can be imported, and the notebook's cluster cells
skip when it cannot.

:func:`course_cluster` is the one place the lesson's measurements start a cluster: processes,
one per usable core, one thread each, no dashboard unless bokeh is installed, and always closed
by its ``with`` block.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import importlib.util
import logging
import multiprocessing
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from ...core import machine
from ...core.domains import Int, Seconds, validated

#: The name distributed gives its worker processes.
_WORKER_PROCESS = "Dask Worker process"
#: Thread name of distributed's offload pool: one thread, kept for the life of the process.
OFFLOAD_THREAD_PREFIX = "Dask-Offload"


@dataclass(frozen=True)
class DaskStatus:
    """Whether ``distributed`` can be imported here, its version, and the dashboard."""

    available: bool
    version: str | None
    reason: str
    dashboard: bool

    @property
    def dashboard_address(self) -> str:
        """Where a scheduler's web server listens: this machine only, on any free port.

        It serves the dashboard when bokeh is installed, and /health and /metrics always.
        ``None`` would mean port 8787, so a second cluster (another notebook's, say) would
        warn that the port is taken.
        """
        return "127.0.0.1:0"

    @property
    def skipped(self) -> str:
        """What a cell that needs a cluster prints instead, when there is none."""
        return (
            "Skipped: this cell needs a Dask cluster, and distributed cannot be imported "
            f"({self.reason})."
        )

    def __str__(self) -> str:
        if not self.available:
            return (
                f"Dask's distributed scheduler cannot be imported here ({self.reason}). "
                "The cells that need a cluster say so and skip; everything else runs. "
                "Install it with `pip install dask distributed` (requirements.txt has it; "
                "requirements-core.txt does not)."
            )
        board = (
            "bokeh is installed, so each cluster also serves its dashboard on 127.0.0.1."
            if self.dashboard
            else "bokeh is not installed, so the clusters start without a dashboard."
        )
        return f"distributed {self.version} is installed: the cluster cells run. {board}"

    def _repr_html_(self) -> str:
        colour = "#009E73" if self.available else "#D55E00"
        return f"<div style='border-left:4px solid {colour};padding:4px 10px'>{self}</div>"


def dask_status() -> DaskStatus:
    """Can ``distributed`` be imported, and can it serve a dashboard (bokeh 3.1+)?"""
    try:
        distributed = importlib.import_module("distributed")
    except Exception as error:  # ImportError, or a broken install
        return DaskStatus(False, None, f"{type(error).__name__}: {error}", False)
    return DaskStatus(True, getattr(distributed, "__version__", "?"), "", _has_bokeh())


def _has_bokeh() -> bool:
    if importlib.util.find_spec("bokeh") is None:
        return False
    try:
        version = importlib.import_module("bokeh").__version__
        major, minor = (int(part) for part in version.split(".")[:2])
    except (ImportError, ValueError, AttributeError):
        return False
    return (major, minor) >= (3, 1)


def start_dask_helpers() -> list[str]:
    """Start the thread distributed keeps for the life of the process, before a baseline.

    ``distributed.utils`` runs some work on a one-thread pool (``Dask-Offload``) that is
    started the first time it is needed and never stopped, like multiprocessing's resource
    tracker. Starting it before ``leftovers.snapshot()`` lets the last cell tell it from a
    real leftover. Returns the names of the threads started (none without distributed).
    """
    if not dask_status().available:
        return []
    before = {t.ident for t in threading.enumerate()}
    utils = importlib.import_module("distributed.utils")
    utils._offload_executor.submit(lambda: None).result(timeout=30)
    return sorted(t.name for t in threading.enumerate() if t.ident not in before)


def _require_distributed() -> Any:
    status = dask_status()
    if not status.available:
        raise RuntimeError(str(status))
    return importlib.import_module("dask.distributed")


@contextlib.contextmanager
def close_if_interrupted() -> Iterator[None]:
    """Close every Dask client and cluster created in the block if the block is interrupted.

    ``with LocalCluster(...) as cluster:`` closes the cluster once the block has begun. If Stop
    is pressed while the cluster is still starting, the block never began, and distributed
    closes a cluster that fails to start only for an ``Exception``, not for the
    ``KeyboardInterrupt`` that Stop raises: the scheduler and its event-loop thread would
    stay. Put this first in the same ``with`` statement to cover that window too.
    """
    if not dask_status().available:
        yield
        return
    from distributed import Client
    from distributed.deploy.spec import SpecCluster

    clients, clusters = set(Client._instances), set(SpecCluster._instances)
    children = {p.pid for p in multiprocessing.active_children()}
    try:
        yield
    except BaseException:
        # The block began nothing, or its clean-up failed. End the worker processes first,
        # while the event loops still run (they release what watched each process), then
        # close the clients and clusters and stop their loop threads, and last, release what
        # an object kept alive by the interrupt's traceback still holds.
        for process in multiprocessing.active_children():
            if process.pid not in children and process.name.startswith(_WORKER_PROCESS):
                _end_process(process)
        for made in [
            *(set(Client._instances) - clients),
            *(set(SpecCluster._instances) - clusters),
        ]:
            with contextlib.suppress(Exception):
                made.close(timeout=10)  # a no-op for one already closed
            with contextlib.suppress(Exception):
                made._loop_runner.stop()
        _release_worker_processes(children)
        raise


def _end_process(process: Any) -> None:
    """Terminate a ``multiprocessing`` process, kill it if it ignores that, and reap it."""
    process.terminate()
    process.join(5)
    if process.is_alive():
        process.kill()
        process.join(5)


def _release_worker_processes(before: set[int | None]) -> None:
    """End and release what distributed keeps per worker process started since ``before``.

    Each worker process has two watcher threads (its ``AsyncProcess``) and two
    ``multiprocessing`` queues with a feeder thread each (its ``WorkerProcess``). distributed
    releases them when the process exits and its event loop hears of it, or when they are
    garbage-collected. After an interrupt the loop may be gone, and the traceback IPython keeps
    holds on to them: release them here. ``before`` holds the pids of the processes that were
    already running; they are not touched.

    A start the Nanny asked for may still be queued, or half done, on the watcher's own
    thread when the loop stops: that thread starts the process even after the cluster is
    closed. So each watcher is closed first (which queues "stop" behind any "start"), its
    thread is waited for, and only then is the process it may have started ended.
    """
    from distributed.nanny import WorkerProcess
    from distributed.process import AsyncProcess

    found = gc.get_objects()
    watchers = [
        obj
        for obj in found
        if isinstance(obj, AsyncProcess) and obj.pid not in before and not obj._closed
    ]
    owners = {id(obj.process): obj for obj in found if isinstance(obj, WorkerProcess)}
    del found
    deadline = time.monotonic() + 10.0
    for watcher in watchers:
        process = watcher._process  # None once distributed has seen it exit
        messages = watcher._watch_message_thread
        with contextlib.suppress(Exception):
            watcher.close()
        messages.join(max(0.0, deadline - time.monotonic()))
        if process is not None and process.pid is not None:
            _end_process(process)
        while watcher.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)  # its "watch process join" thread sees the exit and ends
        owner = owners.get(id(watcher))
        if owner is not None:
            for queue in (owner.init_result_q, owner.child_stop_q):
                if queue is not None:
                    with contextlib.suppress(Exception):
                        queue.close()
                        queue.join_thread()


@contextlib.contextmanager
@validated
def course_cluster(
    workers: Annotated[int | None, Int(1, 64, optional=True)] = None,
    threads_per_worker: Annotated[int, Int(1, 64)] = 1,
) -> Iterator[tuple[Any, Any]]:
    """``(cluster, client)`` for the block: a ``LocalCluster`` of worker processes.

    ``workers`` defaults to the usable cores; ``threads_per_worker=1`` makes each worker one
    process running one task at a time, like a process pool. Warnings from the cluster are
    silenced (``silence_logs=logging.ERROR``): the lesson reports what happened itself.
    """
    dd = _require_distributed()
    status = dask_status()
    with (
        close_if_interrupted(),
        dd.LocalCluster(
            n_workers=workers or machine.usable_cores(),
            threads_per_worker=threads_per_worker,
            processes=True,
            dashboard_address=status.dashboard_address,
            silence_logs=logging.ERROR,
        ) as cluster,
        dd.Client(cluster) as client,
    ):
        yield cluster, client


@validated
def gather(
    client: Any, futures: Any, timeout: Annotated[float, Seconds(3_600)] = 120.0
) -> list[Any]:
    """``client.gather(futures)``, bounded: ``TimeoutError`` unless all are done in time.

    (``Client.gather`` itself has no timeout.)
    """
    from dask.distributed import wait

    futures = list(futures)
    done = wait(futures, timeout=timeout)
    if done.not_done:
        raise TimeoutError(
            f"{len(done.not_done)} of {len(futures)} tasks not done in {timeout:g} s"
        )
    return list(client.gather(futures))


def worker_pids(client: Any) -> dict[str, int]:
    """``{worker address: pid}`` of every worker the client's scheduler knows now."""
    import os

    return dict(client.run(os.getpid))
