"""Pressing Stop in the middle of a cluster cell: no Dask worker survives, the next cell runs.

The approach of ``tests/tools/test_interrupt.py``: a real Jupyter kernel driven through
jupyter_client, interrupted with the same SIGINT a learner sends with the ■ button (Jupyter
sends it to the kernel's whole process group, so Dask's worker processes get it too). The
cell is the notebook's own pattern: ``with LocalCluster(...) as local, Client(local) as
client:``, busy with tasks when the interrupt comes.
"""

from __future__ import annotations

import ast
import importlib.util
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import harness  # tests/support/: tests/conftest.py puts it on the path
import pytest

pytestmark = [
    pytest.mark.skipif(
        importlib.util.find_spec("distributed") is None,
        reason="distributed is not installed (requirements.txt has it, requirements-core.txt "
        "does not): notebook 12's cluster cells skip, and so does this test",
    ),
    pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to watch the kernel"),
]


SETUP = """
import logging, os
from helpers.core import leftovers, machine
from helpers.lessons.beyond_one_machine import child, cluster
from dask.distributed import Client, LocalCluster

cluster.start_dask_helpers()
baseline = leftovers.snapshot()
"""

# 40 naps of 0.5 s on the usable cores: many seconds of work, interrupted long before the end.
# Each task leaves a note in FOLDER when it starts, so the test knows when tasks are running.
BUSY_CELL = """
with (
    cluster.close_if_interrupted(),
    LocalCluster(
        n_workers=machine.usable_cores(),
        threads_per_worker=1,
        processes=True,
        dashboard_address="127.0.0.1:0",
        silence_logs=logging.ERROR,
    ) as local,
    Client(local) as client,
):
    futures = client.map(child.marked_nap, range(40), [0.5] * 40, [FOLDER] * 40, pure=False)
    client.gather(futures)
"""

#: When Stop is pressed: while the cluster is still starting its workers, or while they run
#: tasks.
PHASES = ["starting", "running"]


@pytest.fixture
def kernel(start_method: str) -> Iterator[tuple[Any, Any]]:
    """A learner's kernel under each start method the process tests use (tests/conftest.py)."""
    with harness.learner_kernel(start_method) as started:
        yield started


@pytest.mark.parametrize("phase", PHASES)
def test_interrupting_a_cluster_cell_leaves_no_worker_and_the_next_cell_runs(
    kernel: tuple[Any, Any], phase: str, tmp_path: Path
) -> None:
    manager, client = kernel
    setup = harness.execute(client, SETUP + f"FOLDER = {str(tmp_path)!r}\n", timeout=120)
    assert setup["status"] == "ok", setup
    kernel_pid = manager.provisioner.process.pid
    before = harness.descendants(kernel_pid)
    cores = int(reply_expression(client, "machine.usable_cores()"))

    msg_id = client.execute(BUSY_CELL)
    deadline = time.monotonic() + 120
    while len(harness.descendants(kernel_pid) - before) < cores:
        assert time.monotonic() < deadline, "the cluster's worker processes never started"
        time.sleep(0.05)
    while phase == "running" and not any(tmp_path.iterdir()):
        assert time.monotonic() < deadline, "no task ever started"
        time.sleep(0.05)
    workers = harness.descendants(kernel_pid) - before
    manager.interrupt_kernel()

    content = harness.reply_to(client, msg_id, timeout=120)
    assert content["status"] == "error"
    assert content["ename"] == "KeyboardInterrupt", content

    check = harness.execute(
        client, "leftovers.assert_nothing_left(baseline, grace=15)", timeout=120
    )
    assert check["status"] == "ok", check.get("evalue")
    helpers = ast.literal_eval(
        reply_expression(client, "sorted(leftovers.multiprocessing_helper_pids())")
    )
    survivors = (workers & harness.descendants(kernel_pid)) - set(helpers)
    assert not survivors, f"Dask workers outlived the interrupt: {sorted(survivors)}"
    assert harness.execute(client, "x = 1 + 1\nassert x == 2")["status"] == "ok"


def reply_expression(client: Any, expression: str) -> str:
    msg_id = client.execute("", user_expressions={"value": expression})
    content = harness.reply_to(client, msg_id, timeout=30)
    return content["user_expressions"]["value"]["data"]["text/plain"]
