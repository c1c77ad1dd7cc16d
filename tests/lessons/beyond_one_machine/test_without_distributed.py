"""Without distributed (the free-threaded leg installs only requirements-core.txt), notebook
12's helpers still import, say so plainly, and the process-pool half still runs.

Each check runs in a fresh interpreter in which importing ``dask`` or ``distributed`` fails,
as it does where they are not installed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

HIDE_DASK = """
import importlib.abc, sys

class NoDask(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("dask", "distributed"):
            raise ModuleNotFoundError(f"No module named {name!r}")
        return None

sys.meta_path.insert(0, NoDask())
"""

PROBE = """
import json, os
os.environ.setdefault("MPLBACKEND", "Agg")
from helpers.lessons.beyond_one_machine import cluster, compare, exercises, failures, child

status = cluster.dask_status()
threads = cluster.start_dask_helpers()
fig, run = compare.explore_cluster(task_ms=2, tasks=4)
try:
    with cluster.course_cluster():
        pass
    refused = ""
except RuntimeError as error:
    refused = str(error)
print(json.dumps({
    "available": status.available,
    "message": str(status),
    "threads": threads,
    "pool_tasks": sorted(s.index for s in run.pool),
    "dask": run.dask,
    "refused": refused,
}))
"""


def test_helpers_say_so_and_the_pool_half_still_runs() -> None:
    done = subprocess.run(
        [sys.executable, "-c", HIDE_DASK + PROBE],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["available"] is False
    assert "cannot be imported here" in found["message"]
    assert "pip install dask distributed" in found["message"]
    assert found["threads"] == []
    assert found["pool_tasks"] == [0, 1, 2, 3] and found["dask"] is None
    assert "cannot be imported" in found["refused"]
