"""Pressing Stop in the middle of a process-pool demo: no child survives, the next cell runs.

This drives a real Jupyter kernel the way JupyterLab does (jupyter_client), so the interrupt
is the same SIGINT a learner sends with the ■ button.
"""

from __future__ import annotations

import ast
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import harness  # tests/support/: tests/conftest.py puts it on the path
import pytest


@pytest.fixture
def kernel(start_method: str) -> Iterator[tuple[Any, Any]]:
    """A learner's kernel under each start method the process tests use (tests/conftest.py)."""
    with harness.learner_kernel(start_method) as started:
        yield started


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to watch the kernel's children")
def test_interrupting_a_process_pool_leaves_no_child_and_the_next_cell_runs(kernel) -> None:
    manager, client = kernel
    setup = harness.execute(
        client, "from helpers.core import leftovers, timing\nbaseline = leftovers.snapshot()"
    )
    assert setup["status"] == "ok", setup
    kernel_pid = manager.provisioner.process.pid
    before = harness.descendants(kernel_pid)

    # 40 tasks of 0.25 s on 2 processes: about 5 s of work, interrupted long before the end.
    msg_id = client.execute('timing.run_tasks("cpu", "processes", 2, tasks=40, task_seconds=0.25)')
    deadline = time.monotonic() + 60
    # Two workers past their start-up (which the interrupt would otherwise break): the pool's
    # initializer makes them ignore SIGINT, since ■ signals the kernel's whole process group.
    workers: set[int] = set()
    while len(workers) < 2:
        assert time.monotonic() < deadline, "the pool's worker processes never started"
        time.sleep(0.05)
        started = harness.descendants(kernel_pid) - before
        workers = {pid for pid in started if harness.ready_pool_worker(pid)}
    manager.interrupt_kernel()

    reply = client.get_shell_msg(timeout=60)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = client.get_shell_msg(timeout=60)
    assert reply["content"]["status"] == "error"
    assert reply["content"]["ename"] == "KeyboardInterrupt", reply["content"]

    check = harness.execute(client, "leftovers.assert_nothing_left(baseline)")
    assert check["status"] == "ok", check.get("evalue")
    # Seen from outside the kernel too: only multiprocessing's own long-lived helpers (the
    # resource tracker, the forkserver) may remain.
    msg_id = client.execute(
        "", user_expressions={"helpers": "sorted(leftovers.multiprocessing_helper_pids())"}
    )
    reply = client.get_shell_msg(timeout=30)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = client.get_shell_msg(timeout=30)
    shown = reply["content"]["user_expressions"]["helpers"]["data"]["text/plain"]
    helpers = ast.literal_eval(shown)
    survivors = (workers & harness.descendants(kernel_pid)) - set(helpers)
    assert not survivors, f"pool workers outlived the interrupt: {sorted(survivors)}"
    assert harness.execute(client, "x = 1 + 1\nassert x == 2")["status"] == "ok"
