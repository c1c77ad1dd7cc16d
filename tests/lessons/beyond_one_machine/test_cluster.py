"""Notebook 12's cluster helpers, on a real LocalCluster; skipped without distributed.

Facts only: every task came back, from the workers we expect, and nothing is left running
(the one thread distributed keeps for the life of a process is started before each baseline,
as the notebook does).
"""

from __future__ import annotations

import asyncio
import multiprocessing.process
import os
import time
import warnings
from concurrent.futures import as_completed
from typing import Any

import pytest

pytest.importorskip(
    "distributed",
    reason="distributed is not installed (requirements.txt has it, requirements-core.txt "
    "does not): notebook 12's cluster cells skip, and so do these tests",
)

from helpers.core import leftovers, machine
from helpers.lessons.beyond_one_machine import child, cluster, compare, failures


@pytest.fixture(autouse=True)
def nothing_left_but_dask_helpers() -> Any:
    cluster.start_dask_helpers()
    baseline = leftovers.snapshot()
    yield
    leftovers.assert_nothing_left(baseline, grace=10)


def test_the_status_says_what_is_installed() -> None:
    status = cluster.dask_status()
    assert status.available and status.version
    assert "installed" in str(status)


def test_two_clusters_at_once_start_without_a_port_warning() -> None:
    # A second notebook's cluster, say. With dashboard_address=None both schedulers' web
    # servers would ask for port 8787, and the second would warn that it is taken.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with cluster.course_cluster(1) as (first, _), cluster.course_cluster(1) as (second, _):
            ports = {c.scheduler.http_server.port for c in (first, second)}
    assert len(ports) == 2 and 8787 not in ports


def test_the_course_cluster_has_a_process_per_usable_core() -> None:
    with cluster.course_cluster() as (_, client):
        pids = cluster.worker_pids(client)
        executor = client.get_executor()
        futures = [executor.submit(child.square, n) for n in range(6)]
        by_map = list(executor.map(child.square, range(6), timeout=60))
        done = sorted(f.result() for f in as_completed(futures, timeout=60))
        lam = client.submit(lambda x: x + 1, 1).result(timeout=60)
    assert len(pids) == machine.usable_cores() and os.getpid() not in pids.values()
    assert by_map == done == [n * n for n in range(6)] and lam == 2


def test_measure_all_fills_every_section() -> None:
    measured = compare.measure_all(
        overhead_tasks=20, sizes_ms=(0.1, 5.0), tasks_per_size=4, megabytes=0.5, data_tasks=3
    )
    assert measured.overhead.tasks == 20 and measured.overhead.ratio > 0
    assert [p.task_ms for p in measured.sizes] == [0.1, 5.0]
    assert measured.data.tasks == 3
    assert compare.plot_sizes(measured).axes


def test_a_killed_worker_loses_nothing() -> None:
    report = failures.kill_mid_task(tasks=3, seconds=0.3)
    assert report.nothing_lost
    assert report.attempts[0][0] == report.victim_pid != report.rerun_pid
    assert ("processing", "memory") in report.transitions
    assert failures.draw_kill(report).axes


def test_the_explorer_runs_both() -> None:
    fig, run = compare.explore_cluster(task_ms=2, tasks=6)
    assert sorted(s.index for s in run.pool) == list(range(6))
    assert run.dask is not None and sorted(s.index for s in run.dask) == list(range(6))
    assert len({s.row for s in run.dask}) <= machine.usable_cores()
    assert fig.axes


def test_a_worker_start_still_queued_at_the_interrupt_is_ended_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Stop pressed while a Nanny's start is still on its AsyncProcess's own thread: that
    # thread starts the process even after the cluster is closed (seen in CI under spawn).
    # The start here is slowed down so it is surely still pending when the block is left.
    from distributed.process import AsyncProcess
    from tornado.ioloop import IOLoop

    started: list[Any] = []

    def slow_start(self: Any) -> None:
        time.sleep(0.5)
        multiprocessing.process.BaseProcess.start(self)

    async def interrupt_while_starting() -> None:
        # In an event loop of its own, which asyncio.run closes: AsyncProcess reports to one.
        watcher = AsyncProcess(
            loop=IOLoop.current(), target=time.sleep, name="a slow start", args=(60,)
        )
        started.append(watcher._process)
        # On the class: an attribute of the instance would be pickled with it under spawn.
        monkeypatch.setattr(type(watcher._process), "start", slow_start)
        with pytest.raises(KeyboardInterrupt), cluster.close_if_interrupted():
            watcher.start()
            raise KeyboardInterrupt

    try:
        asyncio.run(interrupt_while_starting())
        (process,) = started
        assert process.pid is not None, "the queued start never ran"
        assert not process.is_alive(), "the process started after the interrupt is running"
    finally:
        for process in started:
            if process.pid is not None and process.is_alive():
                process.kill()
                process.join(5)
